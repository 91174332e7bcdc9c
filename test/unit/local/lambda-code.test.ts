import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BundledFunction, BundleManifest } from '../../../local/bundles';
import { fromManifest, functionEnvironment, type LambdaName } from '../../../local/lambda-code';
import { lambdaContext } from '../../../local/gateway';
import { bundled as bundledIn, type Entry } from '../../support/bundle-mistakes/assembly';

/**
 * Bundle mode must fail where Lambda would: each mistake (test/support/bundle-mistakes) works from
 * the sources (the control) and fails once bundled as the CDK app bundles (lib/lambda-bundle.ts)
 * and loaded as the local stack loads the assets of a synthesized assembly.
 */
let assembly: string;

beforeAll(() => {
  // Under the system's temporary folder, as the local stack's bundles are: no node_modules above.
  assembly = mkdtempSync(join(tmpdir(), 'fileport-bundle-mistakes-'));
});
afterAll(() => rmSync(assembly, { recursive: true, force: true }));

const bundled = (entry: Entry, parent = assembly, handler = 'index.handler') => bundledIn(entry, parent, handler);

const manifestOf = (functions: Partial<Record<LambdaName, BundledFunction>>): BundleManifest => ({
  assembly,
  architecture: 'x86_64',
  functions: functions as BundleManifest['functions'],
});

/** As the local stack does: the environment first, then the function. */
const load = (manifest: BundleManifest, name: LambdaName) => {
  const code = fromManifest(manifest);
  code.environment({});
  return code.load(name);
};

const invoke = async (manifest: BundleManifest, name: LambdaName) => {
  const loaded = await load(manifest, name);
  return { file: loaded.file, result: await loaded.handler({}, lambdaContext(name)) };
};

describe('bundle mode loads the assets as Lambda does', () => {
  it('runs a correct bundle: the handler export of the asset\'s index.js', async () => {
    const fn = await bundled('fine');
    expect(await invoke(manifestOf({ files: fn }), 'files')).toEqual({ file: join(fn.asset, 'index.js'), result: { title: 'beside the sources' } });
  });

  it('fails to load a bundle with a require esbuild could not follow, which the sources satisfy', async () => {
    const { handler } = (await import('../../support/bundle-mistakes/dynamic-require')) as { handler: () => Promise<unknown> };
    expect(await handler()).toEqual({ loaded: true });
    const manifest = manifestOf({ 'file-types': await bundled('dynamic-require') });
    await expect(load(manifest, 'file-types')).rejects.toThrow(/^The file-types function's bundle .*index\.js fails to load, as it would in Lambda: Cannot find module 'pdf-lib'/);
  });

  it('fails the invocation of a bundle that reads a file beside its sources through __dirname', async () => {
    const { handler } = (await import('../../support/bundle-mistakes/reads-beside')) as { handler: () => Promise<unknown> };
    expect(await handler()).toEqual({ title: 'beside the sources' });
    const manifest = manifestOf({ 'file-types': await bundled('reads-beside') });
    await expect(invoke(manifest, 'file-types')).rejects.toThrow(/ENOENT: no such file or directory, open '.*asset\.reads-beside\/document\.json'/);
  });

  it('refuses to run a bundle with a node_modules above it, which would satisfy what Lambda cannot', async () => {
    const project = join(assembly, 'project');
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    const manifest = manifestOf({ files: await bundled('fine', join(project, 'cdk.out')) });
    await expect(load(manifest, 'files')).rejects.toThrow(`has ${join(project, 'node_modules')} above it, which Lambda would not`);
  });

  it('refuses a handler setting that names no exported function', async () => {
    const manifest = manifestOf({ files: await bundled('fine', assembly, 'index.main') });
    await expect(load(manifest, 'files')).rejects.toThrow(/index\.js exports no function main$/);
  });
});

describe('the deployed environment of bundled functions', () => {
  const fn = (environment: Record<string, unknown>): BundledFunction => ({ logicalId: 'X', asset: '/nowhere', handler: 'index.handler', environment });
  const resources = { FILEPORT_TABLE_NAME: 'local-table', FILEPORT_UPLOAD_ID_SECRET_ARN: null };

  it('keeps the template\'s values, resolves its references to the local resources and leaves out what the stack replaces', () => {
    const manifest = manifestOf({
      files: fn({ FILEPORT_TABLE_NAME: { Ref: 'Table' }, FILEPORT_MAX_VERSIONS: '10' }),
      uploads: fn({ FILEPORT_TABLE_NAME: { Ref: 'Table' }, FILEPORT_UPLOAD_ID_SECRET_ARN: { Ref: 'Secret' } }),
    });
    expect(fromManifest(manifest).environment(resources)).toEqual({ FILEPORT_TABLE_NAME: 'local-table', FILEPORT_MAX_VERSIONS: '10' });
  });

  it('stops on a reference the local stack has no stand-in for', () => {
    const manifest = manifestOf({ metadata: fn({ FILEPORT_ARCHIVE_QUEUE_URL: { Ref: 'ArchiveQueue' } }) });
    expect(() => fromManifest(manifest).environment(resources)).toThrow('The metadata function\'s FILEPORT_ARCHIVE_QUEUE_URL is {"Ref":"ArchiveQueue"} deployed, which the local stack has no stand-in for');
  });

  it('stops when two functions are given one variable with different values', () => {
    const manifest = manifestOf({ files: fn({ FILEPORT_MAX_VERSIONS: '10' }), metadata: fn({ FILEPORT_MAX_VERSIONS: '5' }) });
    expect(() => fromManifest(manifest).environment(resources)).toThrow('The files and metadata functions are given different FILEPORT_MAX_VERSIONS (10, 5)');
  });

  it('stops on node options it cannot apply to its own process', () => {
    const manifest = manifestOf({ files: fn({ NODE_OPTIONS: '--max-old-space-size=128' }) });
    expect(() => fromManifest(manifest).environment(resources)).toThrow('NODE_OPTIONS "--max-old-space-size=128" cannot be applied');
  });
});

describe('the environment of one bundled function', () => {
  const fn = (environment: Record<string, unknown>): BundledFunction => ({ logicalId: 'X', asset: '/nowhere', handler: 'index.handler', environment });
  const manifest = manifestOf({
    files: fn({ NODE_OPTIONS: '--enable-source-maps', FILEPORT_TABLE_NAME: { Ref: 'Table' }, FILEPORT_MAX_VERSIONS: '10' }),
    uploads: fn({ FILEPORT_TABLE_NAME: { Ref: 'Table' }, FILEPORT_UPLOAD_ID_SECRET_ARN: { Ref: 'Secret' } }),
    metadata: fn({ FILEPORT_THUMBNAIL_QUEUE_URL: { Ref: 'Queue' } }),
    'file-types': fn({ FILEPORT_TENANT_CLAIM: 'tenant_id' }),
  });
  const processEnv = {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1',
    FILEPORT_TABLE_NAME: 'local-table',
    FILEPORT_MAX_VERSIONS: '3',
    FILEPORT_THUMBNAIL_QUEUE_URL: 'http://127.0.0.1:2/000000000000/thumbnails',
    FILEPORT_TENANT_CLAIM: 'tenant_id',
    FILEPORT_UPLOAD_ID_KEY: 'key',
    FILEPORT_S3_FORCE_PATH_STYLE: 'true',
    FILEPORT_SHARE_TOKEN_REQUESTS_PER_MINUTE: '5',
    npm_lifecycle_event: 'start',
    SECRET_OF_THE_DEVELOPER: 'x',
  };
  const of = (name: LambdaName) => functionEnvironment(manifest, manifest.functions[name], processEnv);
  const runtime = { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1' };
  // Variables no template names: this machine's settings of what deploys with its default.
  const local = { FILEPORT_S3_FORCE_PATH_STYLE: 'true', FILEPORT_SHARE_TOKEN_REQUESTS_PER_MINUTE: '5' };

  it('has what its template names, with the local values, and not what only other functions are given', () => {
    expect(of('files')).toEqual({ ...runtime, ...local, FILEPORT_TABLE_NAME: 'local-table', FILEPORT_MAX_VERSIONS: '3' });
    expect(of('metadata')).toEqual({ ...runtime, ...local, FILEPORT_THUMBNAIL_QUEUE_URL: 'http://127.0.0.1:2/000000000000/thumbnails' });
    expect(of('file-types')).toEqual({ ...runtime, ...local, FILEPORT_TENANT_CLAIM: 'tenant_id' });
  });

  it('gets the upload id key itself where the template gives the secret\'s ARN', () => {
    expect(of('uploads')).toEqual({ ...runtime, ...local, FILEPORT_TABLE_NAME: 'local-table', FILEPORT_UPLOAD_ID_KEY: 'key' });
  });
});

