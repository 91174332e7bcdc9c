// A bundling mistake on purpose (test/unit/local/lambda-code.test.ts): a require esbuild cannot
// follow stays a require, which finds this repository's node_modules from here, and nothing in Lambda.
const libraries = ['pdf-lib'];
const pdf = require(libraries[0] as string) as { PDFDocument: unknown };

export const handler = async (): Promise<{ loaded: boolean }> => ({ loaded: typeof pdf.PDFDocument === 'function' });
