import { METRIC_NAMESPACE, METRIC_SERVICE } from '../../lambdas/observability/metric-names';
import { Api, eventually } from './support/api';
import { makePdf, secretsIn, useStack } from './support/local-stack';

jest.setTimeout(120_000);

/**
 * What an operator reads: the local stack runs the real handlers and writes their log lines (and
 * embedded-metric lines) to its stdout, as Lambda writes them to CloudWatch Logs.
 */
const local = useStack();
let api: Api;
beforeAll(() => {
  api = local.api();
});

type Line = Record<string, unknown>;

/** The stack's JSON lines so far. */
function jsonLines(): Line[] {
  return local.stack().logLines().flatMap((text) => {
    if (!text.startsWith('{')) return [];
    try {
      return [JSON.parse(text) as Line];
    } catch {
      return [];
    }
  });
}

/** The lines `where` picks, once at least `atLeast` have arrived (stdout reaches the test a moment after the answer). */
const awaitLines = (where: (line: Line) => boolean, atLeast = 1) =>
  eventually(async () => jsonLines().filter(where), (lines) => lines.length >= atLeast, 10_000);

/** The EMF lines of one metric: `_aws.CloudWatchMetrics` names it. */
const isMetric = (name: string) => (line: Line) =>
  ((line._aws as { CloudWatchMetrics?: { Metrics: { Name: string }[] }[] } | undefined)?.CloudWatchMetrics ?? []).some((d) => d.Metrics.some((m) => m.Name === name));

describe('logs and metrics of an upload, from the grant to ready', () => {
  it('tie every line of a request to the id in its answer, and count the grant, the outcome and the times', async () => {
    const created = await api.call('POST', '/v1/files', { body: { name: 'observed.pdf', fileTypeId: 'pdf' } });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const pdf = await makePdf(2);

    const grant = await api.call('PUT', `/v1/files/${id}/upload`, { body: { size: pdf.length } });
    expect(grant.status).toBe(200);
    const requestId = grant.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    // The gateway's own header, as API Gateway sends it, names the same request.
    expect(grant.headers.get('apigw-requestid')).toBe(requestId);
    expect(created.headers.get('x-request-id')).not.toBe(requestId);

    // The request's lines: its audit line (written deep in the domain), its metric, and the line that ends it.
    const ofRequest = await awaitLines((line) => line.requestId === requestId, 3);
    const audit = ofRequest.find((line) => line.audit === true);
    expect(audit).toMatchObject({ action: 'upload', fileId: id, tenantId: 'demo', routeKey: 'PUT /v1/files/{id}/upload', correlationId: requestId });
    expect(ofRequest.find((line) => line.message === 'Request handled')).toMatchObject({ status: 200, tenantId: 'demo', userId: 'demo-user', durationMs: expect.any(Number) });
    const granted = ofRequest.filter(isMetric('UrlGranted'));
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatchObject({
      _aws: { Timestamp: expect.any(Number), CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: [['service', 'kind']], Metrics: [{ Name: 'UrlGranted', Unit: 'Count' }] }] },
      service: METRIC_SERVICE,
      kind: 'upload',
      UrlGranted: 1,
      tenantId: 'demo',
    });
    // Every line any API function wrote carries a request id, and this request's all carry this one.
    const apiLines = jsonLines().filter((line) => typeof line.routeKey === 'string');
    expect(apiLines.filter((line) => typeof line.requestId !== 'string' || line.correlationId !== line.requestId)).toEqual([]);
    expect(apiLines.filter((line) => line.routeKey === 'PUT /v1/files/{id}/upload' && line.fileId === id && line.requestId !== requestId)).toEqual([]);

    const put = await fetch(grant.body.url, { method: 'PUT', headers: grant.body.headers, body: pdf });
    expect(put.status).toBe(200);
    expect(await api.settled(id)).toMatchObject({ status: 'ready', pageCount: 2 });

    // Processing: every line about these bytes carries one correlation id, the object's key and S3 sequencer.
    const key = audit?.key as string;
    const processed = (await awaitLines((line) => line.message === 'Processed uploaded object' && line.key === key))[0] as Line;
    // A PDF goes on to the thumbnail step for its preview.
    expect(processed).toMatchObject({ outcome: 'thumbnails-queued', bucket: expect.any(String), sequencer: expect.any(String), messageId: expect.any(String) });
    const correlationId = `${key}#${processed.sequencer as string}`;
    expect(processed.correlationId).toBe(correlationId);
    const ofObject = await awaitLines((line) => line.correlationId === correlationId && '_aws' in line, 4);

    const outcome = ofObject.filter(isMetric('ProcessingOutcome'));
    expect(outcome).toEqual([expect.objectContaining({ service: METRIC_SERVICE, status: 'ready', ProcessingOutcome: 1, key })]);
    expect((outcome[0]?._aws as { CloudWatchMetrics: unknown[] }).CloudWatchMetrics).toEqual([
      { Namespace: METRIC_NAMESPACE, Dimensions: [['service', 'status']], Metrics: [{ Name: 'ProcessingOutcome', Unit: 'Count' }] },
    ]);
    const toReady = ofObject.filter(isMetric('TimeToReady'));
    expect(toReady).toEqual([expect.objectContaining({ service: METRIC_SERVICE, TimeToReady: expect.any(Number) })]);
    expect(toReady[0]?.TimeToReady).toBeGreaterThanOrEqual(0);
    const duration = ofObject.filter(isMetric('ProcessingDuration'));
    // Both steps, the preview's under the same correlation id as the metadata step's.
    expect(duration.sort((a, b) => String(a.processor).localeCompare(String(b.processor)))).toEqual([
      expect.objectContaining({ service: METRIC_SERVICE, processor: 'metadata', ProcessingDuration: expect.any(Number) }),
      expect.objectContaining({ service: METRIC_SERVICE, processor: 'thumbnails', ProcessingDuration: expect.any(Number) }),
    ]);
    expect((duration[0]?._aws as { CloudWatchMetrics: { Metrics: unknown[] }[] }).CloudWatchMetrics[0]?.Metrics).toEqual([{ Name: 'ProcessingDuration', Unit: 'Milliseconds' }]);
  });

  it('counts a refused share token by reason, and logs no secret of it', async () => {
    const guessed = `fps_${'A'.repeat(43)}`;
    const refused = await api.call('GET', `/v1/shared/${guessed}`, { token: null });
    expect(refused.status).toBe(404);
    const requestId = refused.headers.get('x-request-id');
    const [metric] = await awaitLines((line) => line.requestId === requestId && isMetric('ShareTokenRefused')(line));
    expect(metric).toMatchObject({ service: METRIC_SERVICE, reason: 'unknown', ShareTokenRefused: 1 });
    expect(await awaitLines((line) => line.requestId === requestId && line.message === 'Request handled')).toEqual([
      expect.objectContaining({ status: 404, errorCode: 'SHARE_TOKEN_NOT_FOUND', routeKey: 'GET /v1/shared/{token}' }),
    ]);
    // The path holds the secret; no line of the request repeats it.
    expect(secretsIn(local.stack().logLines())).toEqual([]);
  });
});
