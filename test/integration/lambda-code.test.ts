import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { entryOf, lambdaNames, type LambdaName } from '../../local/lambda-code';
import type { LoadedCode } from '../../local/stack';
import { Api } from './support/api';
import { startStack, useStack } from './support/local-stack';
import { assemblyOf } from '../support/bundle-mistakes/assembly';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
/** What this run of the suite runs on: npm test sets bundles (package.json), npm run test:integration:sources the sources. */
const mode = process.env.FILEPORT_LOCAL_CODE === 'bundles' ? 'bundles' : 'sources';

/** The asset folder of each function in an assembly's template, by its bundled code's S3 key. */
function templateAssets(assembly: string): Set<string> {
  const templateFile = readdirSync(assembly).find((f) => f.endsWith('.template.json'));
  if (!templateFile) throw new Error(`No template in ${assembly}`);
  const template = JSON.parse(readFileSync(join(assembly, templateFile), 'utf8')) as { Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }> };
  return new Set(
    Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function' && typeof r.Properties.Code?.S3Key === 'string')
      .map((r) => join(assembly, `asset.${r.Properties.Code!.S3Key!.replace(/\.zip$/, '')}`)),
  );
}

/** The sources a bundle was built from, as its source map names them (paths relative to the map). */
const bundledSources = (file: string): string[] =>
  (JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] }).sources.map((source) => resolve(dirname(file), source));

describe(`the code the local stack runs (this run: ${mode})`, () => {
  const { stack } = useStack();

  it(mode === 'bundles' ? 'is, for every function, the asset the assembly\'s template deploys, bundled from that function\'s entry file' : 'is every function\'s TypeScript entry file', async () => {
    const loaded = (await (await fetch(`${stack().apiUrl}/_dev/lambdas`)).json()) as LoadedCode;
    expect(Object.keys(loaded.functions).sort()).toEqual([...lambdaNames].sort());
    if (mode === 'sources') {
      expect(loaded).toEqual({ code: 'sources', assembly: null, functions: Object.fromEntries(lambdaNames.map((name) => [name, join(ROOT, entryOf(name))])) });
      return;
    }
    const assembly = resolve(process.env.FILEPORT_LOCAL_BUNDLES as string);
    expect({ code: loaded.code, assembly: loaded.assembly }).toEqual({ code: 'bundles', assembly });
    const assets = templateAssets(assembly);
    const found = (name: LambdaName) => {
      const file = loaded.functions[name];
      return { name, file: basename(file), deployed: assets.has(dirname(file)), builtFromItsEntry: bundledSources(file).includes(join(ROOT, entryOf(name))) };
    };
    expect(lambdaNames.map(found)).toEqual(lambdaNames.map((name) => ({ name, file: 'index.js', deployed: true, builtFromItsEntry: true })));
    // Nine functions, nine assets: no two functions run one bundle.
    expect(new Set(Object.values(loaded.functions)).size).toBe(lambdaNames.length);
  });
});

describe('a local stack on bundles of a small assembly', () => {
  let dir: string;
  beforeEach(() => {
    // Under the system's temporary folder, as the bundles of npm test are: no node_modules above.
    dir = mkdtempSync(join(tmpdir(), 'fileport-broken-bundles-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('does not start when a bundle requires what it does not ship, and names the function', async () => {
    await assemblyOf(dir, { 'file-types': 'dynamic-require' });
    await expect(startStack({ FILEPORT_LOCAL_CODE: 'bundles', FILEPORT_LOCAL_BUNDLES: dir })).rejects.toThrow(
      /Local stack exited with 1[\s\S]*The file-types function's bundle \S+\/asset\.dynamic-require\/index\.js fails to load, as it would in Lambda: Cannot find module 'pdf-lib'/,
    );
  });

  it('runs each bundle with its own environment: what its template names, not what only another function is given', async () => {
    await assemblyOf(
      dir,
      { 'file-types': 'environment', files: 'environment' },
      {
        'file-types': { FILEPORT_TENANT_CLAIM: 'tenant_id' },
        files: { FILEPORT_TABLE_NAME: { Ref: 'Table' }, FILEPORT_MAX_VERSIONS: '7' },
        metadata: { FILEPORT_TABLE_NAME: { Ref: 'Table' }, FILEPORT_THUMBNAIL_QUEUE_URL: { Ref: 'ThumbnailsQueue' } },
      },
    );
    const local = await startStack({ FILEPORT_LOCAL_CODE: 'bundles', FILEPORT_LOCAL_BUNDLES: dir });
    try {
      const seen = async (path: string) => (await fetch(`${local.apiUrl}${path}`, { headers: { authorization: `Bearer ${local.token}` } })).json() as Promise<unknown>;
      // Every function: the region, and the local stack's path-style S3 (a variable no template names).
      const everywhere = { forcePathStyle: 'true', region: process.env.AWS_REGION ?? 'us-east-1' };
      expect(await seen('/v1/file-types')).toEqual({ ...everywhere, table: null, thumbnailQueue: null, maxVersions: null });
      expect(await seen('/v1/files')).toEqual({ ...everywhere, table: 'fileport-local', thumbnailQueue: null, maxVersions: '7' });
    } finally {
      await local.stop();
    }
  });

  it('fails the requests of a bundle that reads a file its asset does not have', async () => {
    await assemblyOf(dir, { 'file-types': 'reads-beside' });
    const broken = await startStack({ FILEPORT_LOCAL_CODE: 'bundles', FILEPORT_LOCAL_BUNDLES: dir });
    try {
      const answer = await new Api(broken.apiUrl, broken.token).call('GET', '/v1/file-types');
      expect({ status: answer.status, body: answer.body }).toEqual({ status: 500, body: { error: { code: 'INTERNAL_ERROR', message: 'The integration failed.' } } });
      expect(broken.logLines().some((line) => /ENOENT: no such file or directory, open '\S+\/asset\.reads-beside\/document\.json'/.test(line))).toBe(true);
    } finally {
      await broken.stop();
    }
  });
});
