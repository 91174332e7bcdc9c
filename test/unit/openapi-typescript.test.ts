import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';

/**
 * openapi.json generates a typed client with openapi-typescript, the generator most TypeScript users
 * reach for (and openapi-fetch's input), warning-free, and the types it writes compile under strict
 * settings and name the API's shapes: a document change that breaks generation fails here.
 */
jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fileport-openapi-ts-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What a user of the generated types writes: request bodies and answers by path, method and status. */
const CONSUMER = `
import type { components, paths } from './openapi';

type CreateFile = paths['/v1/files']['post'];
type NewFileBody = CreateFile['requestBody']['content']['application/json'];
export const body: NewFileBody = { name: 'report.pdf', fileTypeId: 'pdf', tags: ['q3'] };
// @ts-expect-error a file's name is a string
export const badName: NewFileBody = { name: 42, fileTypeId: 'pdf' };

type Created = CreateFile['responses'][201]['content']['application/json'];
export const created = (file: Created): components['schemas']['File'] => file;
export const createdId = (file: Created): string => file.id;

type GetFile = paths['/v1/files/{id}']['get'];
export const params: GetFile['parameters']['path'] = { id: '00000000-0000-4000-8000-000000000000' };
export const errorCode = (answer: GetFile['responses'][404]['content']['application/json']): string => answer.error.code;
`;

function typecheck(files: string[]): string {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts'],
    types: [],
  });
  const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dir, getNewLine: () => '\n' };
  return ts.formatDiagnostics(ts.getPreEmitDiagnostics(program), host);
}

describe('openapi-typescript', () => {
  it('generates types from openapi.json without a warning, and they compile and name the API’s shapes', async () => {
    const output = join(dir, 'openapi.ts');
    const generation = await promisify(execFile)(process.execPath, [CLI, 'openapi.json', '--output', output], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    expect(generation.stderr).toBe('');

    const consumer = join(dir, 'consumer.ts');
    writeFileSync(consumer, CONSUMER);
    expect(typecheck([output, consumer])).toBe('');
  });
});
