import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

/**
 * The functions as deployed with fileport:tracing: Lambda's environment (trace header, X-Ray
 * daemon address) and the tracer switched on. The daemon is a UDP socket on 127.0.0.1 that keeps
 * what it receives. Set before the modules load: the tracer reads the environment once.
 */
const daemon = createSocket('udp4');
const received: string[] = [];
daemon.on('message', (message) => received.push(message.toString('utf8')));

beforeAll(async () => {
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  Object.assign(process.env, {
    FILEPORT_TRACING: 'on',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: '/var/task',
    _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(daemon.address() as AddressInfo).port}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
  });
});

afterAll(() => daemon.close());

describe('with tracing on', () => {
  it('presigned URLs sign exactly what they sign without it (the trace header is never signed), and the work is traced', async () => {
    const { makeS3Client } = await import('../../../lambdas/adapters/aws-clients');
    const { S3ObjectStore } = await import('../../../lambdas/adapters/s3-object-store');
    const { traceInvocation } = await import('../../../lambdas/observability/tracing');
    const store = new S3ObjectStore(makeS3Client({ s3ForcePathStyle: true } as never), 'bucket');
    const grant = await traceInvocation('## uploads', { requestId: 'r-1' }, () =>
      store.presignPut('content/a/b', { contentType: 'application/pdf', contentLength: 5, metadata: { 'uploaded-by': 'u1' }, expiresIn: 60 }),
    );
    const url = new URL(grant.url);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host;if-none-match;x-amz-meta-uploaded-by');
    expect(grant.url).not.toMatch(/trace/i);
    expect(grant.headers).toEqual({ 'Content-Type': 'application/pdf', 'If-None-Match': '*', 'x-amz-meta-uploaded-by': 'u1' });
    // The handler's subsegment reached the daemon, annotated with the request id.
    const deadline = Date.now() + 5_000;
    while (!received.some((m) => m.includes('## uploads')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const segment = received.find((m) => m.includes('## uploads')) ?? '';
    const documents = received.flatMap((m) => m.split('\n')).filter((line) => line.includes('"trace_id"')).map((line) => JSON.parse(line) as Record<string, unknown>);
    const handler = documents.find((d) => d.name === '## uploads');
    expect(handler).toMatchObject({ trace_id: '1-5759e988-bd862e3fe1be46a994272793', parent_id: '53995c3f42cd8ad8', annotations: { requestId: 'r-1', Service: 'fileport', ColdStart: true } });
    // The S3 client is captured: its calls are subsegments of the handler's (a presign shows as its operation, with no request sent).
    expect(documents.find((d) => d.name === 'S3')).toMatchObject({ parent_id: handler?.id, namespace: 'aws', aws: { operation: 'PutObject', bucket_name: 'bucket', key: 'content/a/b' } });
    expect(segment).toContain('"requestId":"r-1"');
  });
});
