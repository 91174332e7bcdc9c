import { join } from 'node:path';
import { build } from 'esbuild';
import { lambdaBundle, tracingDefine } from '../../../lib/lambda-bundle';
import { traceAwsClient, traceInvocation } from '../../../lambdas/observability/tracing';

const ROOT = join(__dirname, '..', '..', '..');

/** The packages esbuild put in a bundle of the shared AWS clients, built as the deployed functions are. */
async function packagesBundled(tracing: boolean): Promise<Set<string>> {
  const result = await build({
    ...lambdaBundle,
    define: tracingDefine(tracing),
    entryPoints: [join(ROOT, 'lambdas/adapters/aws-clients.ts')],
    bundle: true,
    write: false,
    outdir: '/tmp/fileport-tracing-test',
    metafile: true,
    logLevel: 'silent',
  });
  return new Set(Object.keys(result.metafile.inputs).flatMap((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1] ?? []));
}

describe('tracing', () => {
  it('is not in a bundle built without fileport:tracing, and is with it', async () => {
    const off = await packagesBundled(false);
    expect(off.has('@aws-sdk/client-dynamodb')).toBe(true);
    expect(off.has('@aws-lambda-powertools/tracer')).toBe(false);
    expect(off.has('aws-xray-sdk-core')).toBe(false);
    const on = await packagesBundled(true);
    expect(on.has('@aws-lambda-powertools/tracer')).toBe(true);
    expect(on.has('aws-xray-sdk-core')).toBe(true);
  });

  it('leaves clients and work as they are when off', async () => {
    const client = { send: () => undefined };
    expect(traceAwsClient(client)).toBe(client);
    await expect(traceInvocation('## test', { a: 'b' }, async () => 42)).resolves.toBe(42);
  });
});
