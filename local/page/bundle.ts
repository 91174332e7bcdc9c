import { join } from 'node:path';
import { build } from 'esbuild';

const ENTRY = join(__dirname, 'app.ts');

/**
 * The upload page's script: the page code and the SDK it imports, bundled for browsers as one ES
 * module. Nothing is fetched from elsewhere at run time; the page talks to the origin it was
 * loaded from (see app.ts) and to the S3 URLs the API hands out.
 */
export async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error('esbuild produced no output for the upload page');
  return file.text;
}
