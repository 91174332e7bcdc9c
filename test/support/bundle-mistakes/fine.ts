import document from './document.json';

// Bundled correctly (test/unit/local/lambda-code.test.ts): the JSON is imported, so esbuild inlines it.
export const handler = async (): Promise<{ title: string }> => document;
