// Opens PDFs with pdf.js, an implementation independent of this project's, to check test fixtures.
// Run by test/support/pdfjs.ts in a child process: pdf.js is ESM with top-level await, which Jest's
// CommonJS transform cannot load.
//
// Input (stdin): JSON [{ "path": "...", "password": "..." }]. Output (stdout, last line): JSON
// [{ "pages": n, "producer": "...", "firstPageText": "..." } | { "error": "PasswordException", "message": "..." }].
import { readFile } from 'node:fs/promises';

// pdf.js takes DOMMatrix from its optional native canvas, which is not installed (see
// test/support/no-canvas): only rendering uses it, but one is built at load. The warnings that the
// canvas is absent go to stdout, which carries the results.
globalThis.DOMMatrix ??= class DOMMatrix {
  constructor() {
    Object.assign(this, { a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 });
  }
};
const log = console.log;
console.log = () => undefined;
const { getDocument, VerbosityLevel } = await import('pdfjs-dist/legacy/build/pdf.mjs');
console.log = log;

let input = '';
for await (const chunk of process.stdin) input += chunk;

const results = [];
for (const { path, password } of JSON.parse(input)) {
  const data = new Uint8Array(await readFile(path));
  const task = getDocument({ data, password, verbosity: VerbosityLevel.ERRORS, isEvalSupported: false, useSystemFonts: false, disableFontFace: true });
  try {
    const doc = await task.promise;
    const { info } = await doc.getMetadata();
    const page = await doc.getPage(1);
    const text = await page.getTextContent();
    results.push({ pages: doc.numPages, producer: info.Producer ?? null, firstPageText: text.items.map((item) => item.str ?? '').join('') });
  } catch (error) {
    results.push({ error: error?.name ?? 'Error', message: String(error?.message ?? error) });
  } finally {
    await task.destroy();
  }
}
process.stdout.write(`${JSON.stringify(results)}\n`);
