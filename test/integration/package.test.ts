import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useStack } from './support/local-stack';

/**
 * The SDK and CLI as users get them: `npm pack ./client` (its prepack builds them from the sources
 * under test), the tarball installed into an empty project with no registry to reach, then the
 * installed `fileport` bin, an ESM and a CommonJS program, and a TypeScript one typechecked against
 * the installed declarations, all against the local stack.
 */
jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..');
const local = useStack();
const run = promisify(execFile);

/** npm run by `npm test` passes its settings down as npm_* variables: the npm commands here take none of them. */
const npmEnv = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

interface Packed {
  name: string;
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

let dir: string;
let project: string;
let packed: Packed;
const installed = () => join(project, 'node_modules', '@fileport', 'client');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fileport-package-'));
  const pack = await run('npm', ['pack', './client', '--json', '--pack-destination', dir], { cwd: ROOT, env: npmEnv() });
  [packed] = JSON.parse(pack.stdout) as [Packed];

  project = join(dir, 'consumer');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  // No registry: --offline with an empty cache, and an address nothing answers on if npm tried anyway.
  await run('npm', ['install', join(dir, packed.filename), '--offline', '--no-audit', '--no-fund', '--cache', join(dir, 'npm-cache'), '--registry', 'http://127.0.0.1:9/'], { cwd: project, env: npmEnv() });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The package's entries (its `exports`), each built as ESM and CommonJS (scripts/build-client.ts). */
const ENTRIES = ['index', 'node', 'uppy'];
/** The SDK's modules, each shipped as ESM and CommonJS declarations. */
const sdkModules = () => readdirSync(join(ROOT, 'client', 'src')).filter((name) => name.endsWith('.ts')).map((name) => name.slice(0, -'.ts'.length));

describe('the @fileport/client package', () => {
  it('ships the built SDK, CLI and declarations only, with no dependency, in under 100 KB', () => {
    expect(packed.name).toBe('@fileport/client');
    expect(packed.files.map((f) => f.path).sort()).toEqual(
      [
        'package.json',
        'README.md',
        'dist/THIRD-PARTY-LICENSES.txt',
        'dist/cli.cjs',
        ...ENTRIES.flatMap((entry) => [`dist/${entry}.mjs`, `dist/${entry}.cjs`]),
        ...sdkModules().flatMap((name) => [`dist/types/${name}.d.mts`, `dist/types/${name}.d.cts`]),
      ].sort(),
    );
    // 70.7 KB packed, 241 KB unpacked when written: a bundled server library would be megabytes.
    expect(packed.size).toBeLessThan(100_000);
    expect(packed.unpackedSize).toBeLessThan(330_000);

    const manifest = JSON.parse(readFileSync(join(installed(), 'package.json'), 'utf8'));
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies']) expect(manifest[field]).toBeUndefined();
    expect(readdirSync(join(project, 'node_modules')).sort()).toEqual(['.bin', '.package-lock.json', '@fileport']);

    // The bundles load Node's own modules and each other, nothing else, and hold only client code and
    // the hashing library (esbuild marks each bundled source file with a `// path` line).
    for (const file of ['cli.cjs', ...ENTRIES.flatMap((entry) => [`${entry}.mjs`, `${entry}.cjs`])]) {
      const code = readFileSync(join(installed(), 'dist', file), 'utf8');
      const loaded = [...code.matchAll(/\brequire\("([^"]+)"\)|\bfrom\s*"([^"]+)"|\bimport\("([^"]+)"\)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
      expect({ file, foreign: loaded.filter((specifier) => !/^node:|^\.\/index\.[mc]js$/.test(specifier ?? '')) }).toEqual({ file, foreign: [] });
      const sources = [...code.matchAll(/^\/\/ (\S+\.[mc]?[jt]s)$/gm)].map((m) => m[1] ?? '');
      expect({ file, foreign: sources.filter((source) => !/^(client\/|node_modules\/@noble\/hashes\/)/.test(source)) }).toEqual({ file, foreign: [] });
    }
  });

  it('its fileport bin uploads, shows and downloads a file', async () => {
    const home = join(dir, 'cli-home');
    mkdirSync(home);
    const cli = async (...args: string[]) =>
      (await run(join(project, 'node_modules', '.bin', 'fileport'), args, { cwd: home, env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: join(home, 'config') } })).stdout;

    expect(await cli('login', '--url', local.stack().apiUrl, '--token', local.stack().token)).toContain('Logged in');
    const csv = 'quarter,revenue\nQ3,42\n';
    writeFileSync(join(home, 'q3.csv'), csv);
    const uploaded = JSON.parse(await cli('upload', 'q3.csv', '--tag', 'packaged-cli', '--wait', '--json'));
    expect(uploaded.summary).toMatchObject({ files: 1, uploaded: 1, failed: 0 });
    const id: string = uploaded.results[0].file.id;

    expect(JSON.parse(await cli('info', id, '--json'))).toMatchObject({ id, name: 'q3.csv', status: 'ready', size: csv.length, tags: ['packaged-cli'] });
    await cli('download', id, '-o', 'copy.csv');
    expect(readFileSync(join(home, 'copy.csv'), 'utf8')).toBe(csv);
  });

  it('is imported as ESM and required as CommonJS by a Node program, from both entries', async () => {
    writeFileSync(join(project, 'notes.txt'), 'Hello from an installed package\n');
    writeFileSync(
      join(project, 'upload.mjs'),
      `import { createClient, FileportError } from '@fileport/client';
import { fromPath, FileportError as NodeEntryError } from '@fileport/client/node';

const fileport = createClient({ baseUrl: process.env.FILEPORT_URL, token: process.env.FILEPORT_TOKEN });
const { file } = await fileport.files.upload(await fromPath('notes.txt'), { name: 'notes.txt', fileTypeId: 'txt', tags: ['packaged-sdk'] });
const ready = await fileport.files.waitUntilProcessed(file.id);
const text = new TextDecoder().decode((await fileport.files.download(file.id)).bytes);
let missing;
try {
  await fileport.files.get('00000000-0000-4000-8000-000000000000');
} catch (error) {
  missing = { code: error.code, sdkError: error instanceof FileportError, nodeEntryError: error instanceof NodeEntryError };
}
console.log(JSON.stringify({ id: file.id, name: ready.name, status: ready.status, text, missing }));
`,
    );
    writeFileSync(
      join(project, 'read.cjs'),
      `const { createClient, FileportError } = require('@fileport/client');
const node = require('@fileport/client/node');

const fileport = createClient({ baseUrl: process.env.FILEPORT_URL, token: process.env.FILEPORT_TOKEN });
Promise.all([fileport.files.get(process.argv[2]), fileport.fileTypes.list()]).then(([file, types]) =>
  console.log(JSON.stringify({ name: file.name, status: file.status, txt: types.some((t) => t.id === 'txt'), oneErrorClass: node.FileportError === FileportError, fromPath: typeof node.fromPath })),
);
`,
    );
    const env = { PATH: process.env.PATH ?? '', FILEPORT_URL: local.stack().apiUrl, FILEPORT_TOKEN: local.stack().token };

    const esm = JSON.parse((await run(process.execPath, ['upload.mjs'], { cwd: project, env })).stdout);
    expect(esm).toMatchObject({ name: 'notes.txt', status: 'ready', text: 'Hello from an installed package\n', missing: { code: 'FILE_NOT_FOUND', sdkError: true, nodeEntryError: true } });

    const cjs = JSON.parse((await run(process.execPath, ['read.cjs', esm.id], { cwd: project, env })).stdout);
    expect(cjs).toEqual({ name: 'notes.txt', status: 'ready', txt: true, oneErrorClass: true, fromPath: 'function' });
  });

  it('types an ESM and a CommonJS TypeScript program through its exports (tsc, node16 resolution, no Node types)', async () => {
    const program = (format: 'esm' | 'cjs') => `import { createClient, FileportError, type FileportFile, type UploadResult } from '@fileport/client';
import { fromPath } from '@fileport/client/node';

export async function upload(path: string): Promise<FileportFile> {
  const fileport = createClient({ baseUrl: 'http://127.0.0.1:3000', token: () => 'a token' });
  const result: UploadResult = await fileport.files.upload(await fromPath(path), { name: 'notes.txt', fileTypeId: 'txt' });
  try {
    return await fileport.files.waitUntilProcessed(result.file.id);
  } catch (error) {
    if (error instanceof FileportError && error.code === 'FILE_NOT_FOUND') throw new Error('${format}: gone');
    throw error;
  }
}
// @ts-expect-error the API's address is a string
createClient({ baseUrl: 3000 });
export function byNumber(fileport: ReturnType<typeof createClient>): Promise<FileportFile> {
  // @ts-expect-error a file's id is a string
  return fileport.files.get(42);
}
`;
    writeFileSync(join(project, 'program.mts'), program('esm'));
    writeFileSync(join(project, 'program.cts'), program('cjs'));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', lib: ['es2023', 'dom', 'dom.iterable'], types: [], strict: true, noEmit: true, skipLibCheck: false },
        files: ['program.mts', 'program.cts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const check = await run(process.execPath, [tsc, '-p', project, '--listFiles'], { cwd: project }).catch((error: { stdout: string }) => error);
    const declarations = check.stdout.split('\n').filter((line) => line.includes('/node_modules/@fileport/client/'));
    expect(check.stdout.split('\n').filter((line) => line.includes('error TS'))).toEqual([]);
    expect(declarations.some((line) => line.endsWith('/dist/types/index.d.mts'))).toBe(true);
    expect(declarations.some((line) => line.endsWith('/dist/types/index.d.cts'))).toBe(true);
  });
});
