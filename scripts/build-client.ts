import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import ts from 'typescript';

/**
 * `npm run build:client` (run by `npm ci`'s `prepare` and by `npm pack ./client`'s `prepack`): the
 * SDK and CLI of client/ as the @fileport/client package ships them, into client/dist/:
 *
 * - `index.mjs`/`index.cjs`: the SDK (client/src/index.ts), ESM and CommonJS, for browsers and Node;
 * - `node.mjs`/`node.cjs`: its Node entry (client/src/node.ts: `fromPath`), which loads `index.*` rather
 *   than a copy of it, so `FileportError` is one class whichever entry a program imports it from;
 * - `cli.cjs`: the `fileport` bin, one self-contained file;
 * - `types/*.d.mts` and `*.d.cts`: the declarations tsc emits from client/src, once per module format
 *   (an ESM declaration names its imports with their extension, `./errors.mjs`, as Node resolves them);
 * - `fileport.js`: the SDK's ESM bundle for a `<script type="module">` of a checkout (not in the package).
 *
 * Everything the SDK imports (@noble/hashes) is bundled in: the package has no runtime dependency,
 * and carries the bundled code's license in `THIRD-PARTY-LICENSES.txt`.
 * The files are built aside and renamed into dist/ one by one, so a build running while another one
 * or `npm pack` reads dist/ (test files in parallel) never shows them a half-written file.
 */
const root = join(__dirname, '..');
const client = join(root, 'client');
const dist = join(client, 'dist');
const staging = mkdtempSync(join(client, '.dist-'));

/**
 * The SDK's entries, by the name their files take in dist/. A new one (e.g. `uppy`) is added here, as
 * `"./<name>"` in client/package.json's `exports` and its two files in `files`, and in the entries
 * test/integration/package.test.ts expects. It imports the SDK from `./index`, which stays an import
 * of dist/index.* (one copy of the SDK, one FileportError class); only `node` is built for Node.
 */
const entries = { index: join(client, 'src', 'index.ts'), node: join(client, 'src', 'node.ts'), uppy: join(client, 'src', 'uppy.ts') };

/** In an entry other than `index`, its import of `./index` stays an import of the built `index` file. */
function sdkAsSibling(extension: string): Plugin {
  return {
    name: 'sdk-as-sibling',
    setup(builder) {
      builder.onResolve({ filter: /^\.\/index$/ }, (args) =>
        args.importer === entries.index ? undefined : { path: `./index${extension}`, external: true },
      );
    },
  };
}

/** The packages bundled into the SDK, whose licenses the package carries. */
const bundled = ['@noble/hashes'];
const NOTICE = `/*! @fileport/client (Apache-2.0) bundles ${bundled.join(', ')}: see THIRD-PARTY-LICENSES.txt */`;

const common: BuildOptions = { bundle: true, target: 'es2022', logLevel: 'warning', legalComments: 'inline', banner: { js: NOTICE } };

function licenses(): void {
  const text = bundled.map((name) => `${name}\n\n${readFileSync(join(root, 'node_modules', name, 'LICENSE'), 'utf8').trim()}\n`).join('\n');
  writeFileSync(join(staging, 'THIRD-PARTY-LICENSES.txt'), text);
}

async function bundles(): Promise<void> {
  const formats = [
    { format: 'esm', extension: '.mjs' },
    { format: 'cjs', extension: '.cjs' },
  ] as const;
  await Promise.all([
    ...formats.flatMap(({ format, extension }) =>
      Object.entries(entries).map(([name, entry]) =>
        build({ ...common, entryPoints: [entry], outfile: join(staging, name + extension), format, platform: name === 'node' ? 'node' : 'neutral', mainFields: ['module', 'main'], plugins: [sdkAsSibling(extension)] }),
      ),
    ),
    build({ ...common, entryPoints: [join(client, 'cli.ts')], outfile: join(staging, 'cli.cjs'), format: 'cjs', platform: 'node', target: 'node20', banner: { js: `#!/usr/bin/env node\n${NOTICE}` } }),
    build({ ...common, entryPoints: [entries.index], outfile: join(staging, 'fileport.js'), format: 'esm', platform: 'browser' }),
  ]);
}

/** Relative module specifiers in emitted declarations: `from './x'`, `import('./x')`. */
const RELATIVE_SPECIFIER = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\2/g;

function declarations(): void {
  const types = join(staging, 'types');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: ['node'],
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    skipLibCheck: true,
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: join(client, 'src'),
    outDir: types,
  };
  const program = ts.createProgram(Object.values(entries), options);
  const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
  const fail = (problems: readonly ts.Diagnostic[]) => new Error(`client declarations:\n${ts.formatDiagnostics(problems, host)}`);
  // Checked before anything is written: tsc emits despite errors, and a module from outside client/src
  // (a server one) would be written beside its source.
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length > 0) throw fail(diagnostics);
  const written: string[] = [];
  const result = program.emit(undefined, (fileName, text) => {
    const stem = fileName.slice(0, -'.d.ts'.length);
    if (!fileName.endsWith('.d.ts') || dirname(fileName) !== types) throw new Error(`client declarations: unexpected file ${fileName}`);
    mkdirSync(types, { recursive: true });
    for (const extension of ['mjs', 'cjs']) {
      writeFileSync(`${stem}.d.${extension.replace('js', 'ts')}`, text.replace(RELATIVE_SPECIFIER, (_, lead: string, quote: string, path: string) => `${lead}${quote}${path}.${extension}${quote}`));
    }
    written.push(basename(stem));
  });
  if (result.diagnostics.length > 0 || result.emitSkipped) throw fail(result.diagnostics);
  if (!written.includes('index')) throw new Error(`client declarations: no index among ${written.join(', ')}`);
}

/** Moves the built files into dist/ and removes from it those this build did not make. */
function publish(): void {
  const built = new Set(readdirSync(staging, { recursive: true, encoding: 'utf8' }));
  mkdirSync(join(dist, 'types'), { recursive: true });
  for (const path of built) if (path !== 'types') renameSync(join(staging, path), join(dist, path));
  for (const path of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
    if (path !== 'types' && !built.has(path)) rmSync(join(dist, path), { force: true });
  }
}

async function main(): Promise<void> {
  try {
    await bundles();
    declarations();
    licenses();
    publish();
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
