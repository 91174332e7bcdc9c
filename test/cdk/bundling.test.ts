import { existsSync, openSync, readdirSync, readFileSync, readSync, closeSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { processors } from '../../lambdas/processors';
import { FileportFunction } from '../../lib/fileport-function';
import { DEFAULT_FILE_TYPES_FILE, readSettings } from '../../lib/deployment-settings';
import { readFileTypeCatalogue } from '../../lambdas/file-type-catalogue';
import { outdirForTest, synthFileport, type Synthesized } from './fixtures';

/**
 * The one test that really bundles: esbuild for every function, and `npm ci` of sharp into the
 * thumbnails function's asset. It needs the npm registry (or a warm npm cache).
 */
jest.setTimeout(240_000);

let synthesized: Synthesized;
let assemblyDir: string;

beforeAll(() => {
  synthesized = synthFileport({}, { bundle: true });
  assemblyDir = synthesized.app.synth().directory;
});

function assetDir(fn: FileportFunction, directory = assemblyDir): string {
  const code = Stack.of(fn).resolve((fn.node.defaultChild as CfnFunction).code) as { s3Key: string };
  const dir = path.join(directory, `asset.${code.s3Key.replace(/\.zip$/, '')}`);
  expect(existsSync(dir)).toBe(true);
  return dir;
}

/** e_machine of an ELF file: 183 is AArch64, 62 is x86-64. */
function elfMachine(file: string): number {
  const header = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, 20, 0);
  } finally {
    closeSync(fd);
  }
  expect(header.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  return header.readUInt16LE(18);
}

const EM_AARCH64 = 183;
const EM_X86_64 = 62;

// The two functions that run sharp: the thumbnail processor, and the API's renditions function.
describe.each(['thumbnails', 'renditions'] as const)('%s function asset', (name) => {
  const dir = () => assetDir(name === 'thumbnails' ? synthesized.stack.processing.thumbnailsFunction : synthesized.stack.api.functions.renditions);

  it('contains sharp for linux-arm64 (glibc), and no binaries for any other platform', () => {
    const packages = readdirSync(path.join(dir(), 'node_modules', '@img')).sort();
    expect(packages).toEqual(expect.arrayContaining(['sharp-linux-arm64', 'sharp-libvips-linux-arm64']));
    expect(packages).not.toContain('sharp-linux-x64');
    expect(packages).not.toContain('sharp-libvips-linux-x64');
    // Only the two arm64 glibc packages carry binaries (next to sharp's pure-JS helpers such as colour).
    expect(packages.filter((p) => p.startsWith('sharp-'))).toEqual(['sharp-libvips-linux-arm64', 'sharp-linux-arm64']);
  });

  it('has an AArch64 sharp addon and libvips, which the Lambda (arm64) can load', () => {
    const addonDir = path.join(dir(), 'node_modules/@img/sharp-linux-arm64/lib');
    const addon = readdirSync(addonDir).find((f) => f.endsWith('.node'));
    expect(addon).toBeDefined();
    expect(elfMachine(path.join(addonDir, addon!))).toBe(EM_AARCH64);
    const libDir = path.join(dir(), 'node_modules/@img/sharp-libvips-linux-arm64/lib');
    const libvips = readdirSync(libDir).find((f) => f.startsWith('libvips'));
    expect(libvips).toBeDefined();
    expect(elfMachine(path.join(libDir, libvips!))).toBe(EM_AARCH64);
  });

  it('loads sharp from node_modules instead of inlining it into the bundle', () => {
    const bundle = readFileSync(path.join(dir(), 'index.js'), 'utf8');
    // A boolean, not toContain: a failure would otherwise print the whole bundle.
    expect(bundle.includes('require("sharp")')).toBe(true);
    expect(existsSync(path.join(dir(), 'index.js.map'))).toBe(true);
  });
});

describe('thumbnails function asset: PDFium', () => {
  const dir = () => assetDir(synthesized.stack.processing.thumbnailsFunction);

  it('installs @hyzyla/pdfium with its WebAssembly, which its CommonJS entry loads from beside itself', () => {
    // Resolved from the asset alone, as the bundle resolves them in /var/task (lambdas/inspect/pdf-preview.ts).
    const entry = require.resolve('@hyzyla/pdfium', { paths: [dir()] });
    const wasm = require.resolve('@hyzyla/pdfium/pdfium.wasm', { paths: [dir()] });
    expect([path.relative(dir(), entry), path.relative(dir(), wasm)]).toEqual(['node_modules/@hyzyla/pdfium/dist/index.cjs', 'node_modules/@hyzyla/pdfium/dist/pdfium.wasm']);
    // WebAssembly's magic number: the binary itself, not a Git LFS pointer or a stub.
    expect(readFileSync(wasm).subarray(0, 4)).toEqual(Buffer.from([0x00, 0x61, 0x73, 0x6d]));
  });

  it('resolves PDFium at run time instead of inlining it (the bundle would lose pdfium.wasm)', () => {
    const bundle = readFileSync(path.join(dir(), 'index.js'), 'utf8');
    expect(bundle.includes('require.resolve("@hyzyla/pdfium")')).toBe(true);
    // A name only @hyzyla/pdfium's JavaScript has: not in the bundle while the package stays external.
    expect(bundle.includes('FPDF_InitLibraryWithConfig')).toBe(false);
  });
});

describe('every other function asset', () => {
  const others = () => [...Object.values(synthesized.stack.api.functions).filter((fn) => fn !== synthesized.stack.api.functions.renditions), synthesized.stack.processing.metadataFunction];

  it('is a single minified bundle with its source map and the file-type catalogue, and no node_modules', () => {
    for (const fn of others()) {
      const files = readdirSync(assetDir(fn)).sort();
      expect({ fn: fn.node.path, files }).toEqual({ fn: fn.node.path, files: ['file-types.json', 'index.js', 'index.js.map'] });
    }
  });

  it('carries the catalogue synth checked, which the function reads as it was written', () => {
    const expected = readFileTypeCatalogue(DEFAULT_FILE_TYPES_FILE);
    for (const fn of [...others(), synthesized.stack.processing.thumbnailsFunction, synthesized.stack.api.functions.renditions]) {
      expect({ fn: fn.node.path, types: readFileTypeCatalogue(path.join(assetDir(fn), 'file-types.json')) }).toEqual({ fn: fn.node.path, types: expected });
    }
  });

  it('has file-type (content sniffing) in the metadata processor only', () => {
    // A string of file-type's own detection table, in no other module of ours.
    const hasFileType = (fn: FileportFunction) => readFileSync(path.join(assetDir(fn), 'index.js'), 'utf8').includes('application/x-sqlite3');
    expect(hasFileType(synthesized.stack.processing.metadataFunction)).toBe(true);
    for (const fn of Object.values(synthesized.stack.api.functions)) expect({ fn: fn.node.path, hasFileType: hasFileType(fn) }).toEqual({ fn: fn.node.path, hasFileType: false });
  });

  it('maps frames to the sources by file and line without shipping the sources\' text', () => {
    for (const fn of others()) {
      const map = JSON.parse(readFileSync(path.join(assetDir(fn), 'index.js.map'), 'utf8')) as { sources: string[]; mappings: string; sourcesContent?: unknown };
      expect({ fn: fn.node.path, sources: map.sources.some((s) => s.includes('lambdas/')), mappings: map.mappings.length > 0, sourcesContent: map.sourcesContent }).toEqual({
        fn: fn.node.path,
        sources: true,
        mappings: true,
        sourcesContent: undefined,
      });
    }
  });

  it('never loads sharp (which only the thumbnails asset ships)', () => {
    for (const fn of others()) {
      const bundle = readFileSync(path.join(assetDir(fn), 'index.js'), 'utf8');
      expect({ fn: fn.node.path, requiresSharp: bundle.includes('require("sharp")') }).toEqual({ fn: fn.node.path, requiresSharp: false });
    }
  });
});

describe('thumbnails function asset with fileport:architecture=x86_64', () => {
  // Only the thumbnails function is bundled here (its esbuild run and its npm ci of sharp): the
  // template tests show every function of an x86_64 stack gets that architecture from the same
  // setting that chooses npm's CPU below.
  let dir: string;
  beforeAll(() => {
    const app = new App({ outdir: outdirForTest(), context: { 'fileport:architecture': 'x86_64' } });
    const stack = new Stack(app, 'X86');
    const fn = new FileportFunction(stack, 'ThumbnailsFunction', { entry: processors.thumbnails.entry, settings: readSettings(stack), nativeModules: ['sharp'] });
    dir = assetDir(fn, app.synth().directory);
  });

  it('contains sharp for linux-x64 (glibc), and no binaries for any other platform', () => {
    const packages = readdirSync(path.join(dir, 'node_modules', '@img')).sort();
    expect(packages.filter((p) => p.startsWith('sharp-'))).toEqual(['sharp-libvips-linux-x64', 'sharp-linux-x64']);
  });

  it('has an x86-64 sharp addon and libvips, which an x86_64 Lambda can load', () => {
    const addonDir = path.join(dir, 'node_modules/@img/sharp-linux-x64/lib');
    const addon = readdirSync(addonDir).find((f) => f.endsWith('.node'));
    expect(addon).toBeDefined();
    expect(elfMachine(path.join(addonDir, addon!))).toBe(EM_X86_64);
    const libDir = path.join(dir, 'node_modules/@img/sharp-libvips-linux-x64/lib');
    const libvips = readdirSync(libDir).find((f) => f.startsWith('libvips'));
    expect(libvips).toBeDefined();
    expect(elfMachine(path.join(libDir, libvips!))).toBe(EM_X86_64);
  });
});
