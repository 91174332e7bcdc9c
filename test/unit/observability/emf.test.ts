import { EmfTelemetry, emfDocument } from '../../../lambdas/observability/emf';
import { METRIC_NAMESPACE, METRIC_SERVICE, metricNames } from '../../../lambdas/observability/metric-names';
import { withLogContext } from '../../../lambdas/log';

/** The telemetry with every EMF document it writes kept, in order. */
function recording() {
  const documents: Record<string, unknown>[] = [];
  return { telemetry: new EmfTelemetry((document) => documents.push(JSON.parse(JSON.stringify(document)) as Record<string, unknown>)), documents };
}

/** What CloudWatch reads of a document: per directive, the namespace, dimension sets and metrics; and each metric's value. */
function readAsCloudWatch(document: Record<string, unknown>) {
  const aws = document._aws as { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  return aws.CloudWatchMetrics.flatMap((directive) =>
    directive.Metrics.map((metric) => ({
      namespace: directive.Namespace,
      name: metric.Name,
      unit: metric.Unit,
      value: document[metric.Name],
      // Each dimension set as CloudWatch resolves it from the document's own properties.
      dimensions: directive.Dimensions.map((set) => Object.fromEntries(set.map((name) => [name, document[name]]))),
    })),
  );
}

describe('the EMF adapter', () => {
  it('writes the documented shape: _aws with a millisecond timestamp, the namespace, dimension sets, names and units, and the values as properties', () => {
    const document = emfDocument({ name: metricNames.urlGranted, unit: 'Count', value: 1, dimensions: { kind: 'upload' } }, new Date('2026-01-01T00:00:00Z'));
    expect(document).toEqual({
      _aws: { Timestamp: 1767225600000, CloudWatchMetrics: [{ Namespace: 'Fileport', Dimensions: [['service', 'kind']], Metrics: [{ Name: 'UrlGranted', Unit: 'Count' }] }] },
      service: 'fileport',
      kind: 'upload',
      UrlGranted: 1,
    });
  });

  it('emits each metric of the catalogue with its dimensions and unit', () => {
    const { telemetry, documents } = recording();
    const at = new Date('2026-01-01T00:01:00Z');
    telemetry.urlGranted('shared-download');
    telemetry.versionFinished({ status: 'ready', errorCode: null, uploadedAt: '2026-01-01T00:00:00Z', at });
    telemetry.versionFinished({ status: 'failed', errorCode: 'CONTENT_MISMATCH', uploadedAt: '2026-01-01T00:00:00Z', at });
    telemetry.processed('thumbnails', 412, { bytesRead: 4096 });
    telemetry.renditionMade('avif', 230);
    telemetry.shareTokenRefused('expired');
    telemetry.throttled('dynamodb');
    telemetry.reconciled({ oldestProcessingAgeSeconds: 7300, gaveUp: 2 });
    const service = METRIC_SERVICE;
    const namespace = METRIC_NAMESPACE;
    expect(documents.flatMap(readAsCloudWatch)).toEqual([
      { namespace, name: 'UrlGranted', unit: 'Count', value: 1, dimensions: [{ service, kind: 'shared-download' }] },
      { namespace, name: 'ProcessingOutcome', unit: 'Count', value: 1, dimensions: [{ service, status: 'ready' }] },
      { namespace, name: 'TimeToReady', unit: 'Milliseconds', value: 60_000, dimensions: [{ service }] },
      // By code, and under status alone for an alarm on every failure.
      { namespace, name: 'ProcessingOutcome', unit: 'Count', value: 1, dimensions: [{ service, status: 'failed', errorCode: 'CONTENT_MISMATCH' }, { service, status: 'failed' }] },
      { namespace, name: 'ProcessingDuration', unit: 'Milliseconds', value: 412, dimensions: [{ service, processor: 'thumbnails' }] },
      { namespace, name: 'ProcessingBytesRead', unit: 'Bytes', value: 4096, dimensions: [{ service, processor: 'thumbnails' }] },
      { namespace, name: 'RenditionMade', unit: 'Milliseconds', value: 230, dimensions: [{ service, format: 'avif' }] },
      { namespace, name: 'ShareTokenRefused', unit: 'Count', value: 1, dimensions: [{ service, reason: 'expired' }] },
      { namespace, name: 'Throttled', unit: 'Count', value: 1, dimensions: [{ service, limit: 'dynamodb' }] },
      { namespace, name: 'OldestProcessingAge', unit: 'Seconds', value: 7300, dimensions: [{ service }] },
      { namespace, name: 'ReconcilerGaveUp', unit: 'Count', value: 2, dimensions: [{ service }] },
    ]);
    // Every metric of the catalogue is emitted by some event.
    expect(new Set(documents.flatMap(readAsCloudWatch).map((m) => m.name))).toEqual(new Set(Object.values(metricNames)));
  });

  it('carries the log context as plain properties, never as dimensions', async () => {
    const { telemetry, documents } = recording();
    await withLogContext({ requestId: 'r-1', tenantId: 't1' }, async () => telemetry.urlGranted('upload'));
    expect(documents[0]).toMatchObject({ requestId: 'r-1', tenantId: 't1', kind: 'upload' });
    expect(readAsCloudWatch(documents[0]!)[0]?.dimensions).toEqual([{ service: METRIC_SERVICE, kind: 'upload' }]);
  });

  it('writes one JSON line on stdout by default, and a negative time to ready never', () => {
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      // A clock behind the event's time (S3's and Lambda's clocks differ) reads as 0, not as a negative duration.
      new EmfTelemetry().versionFinished({ status: 'ready', errorCode: null, uploadedAt: '2026-01-01T00:00:05Z', at: new Date('2026-01-01T00:00:00Z') });
      const lines = spy.mock.calls.map(([chunk]) => String(chunk));
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(line.endsWith('\n') && line.indexOf('\n') === line.length - 1).toBe(true);
      expect(JSON.parse(lines[1]!)).toMatchObject({ TimeToReady: 0 });
    } finally {
      spy.mockRestore();
    }
  });
});
