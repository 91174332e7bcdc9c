import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// A bundling mistake on purpose (test/unit/local/lambda-code.test.ts): a file found beside the
// sources through __dirname, which esbuild neither sees nor copies into the asset.
export const handler = async (): Promise<{ title: string }> => JSON.parse(readFileSync(join(__dirname, 'document.json'), 'utf8')) as { title: string };
