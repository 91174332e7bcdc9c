import type { Telemetry } from '../domain/ports';
import { logContext, writeLine } from '../log';
import { METRIC_NAMESPACE, METRIC_SERVICE, metricNames, type MetricName } from './metric-names';

/** The CloudWatch units Fileport's metrics use. */
export type MetricUnit = 'Count' | 'Milliseconds' | 'Seconds' | 'Bytes';

export interface MetricPoint {
  name: MetricName;
  unit: MetricUnit;
  value: number;
  /** Dimension values besides `service`. */
  dimensions?: Record<string, string>;
  /**
   * Dimension sets besides the full one (every dimension given), each a list of names besides
   * `service`: the same value is then also counted under fewer dimensions, for alarms on the total.
   */
  rollups?: string[][];
}

/**
 * One CloudWatch embedded-metric-format document for one metric point: CloudWatch Logs turns the
 * line into the metric, and the line stays a log event too. It carries the log context (request
 * id, tenant, S3 key…) as plain properties, never as dimensions: that would make a metric per
 * request. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export function emfDocument(point: MetricPoint, at: Date, context: Record<string, unknown> = {}): Record<string, unknown> {
  const dimensions = { service: METRIC_SERVICE, ...point.dimensions };
  const full = Object.keys(dimensions);
  const sets = [full, ...(point.rollups ?? []).map((names) => ['service', ...names])];
  return {
    ...context,
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: sets, Metrics: [{ Name: point.name, Unit: point.unit }] }],
    },
    ...dimensions,
    [point.name]: point.value,
  };
}

/**
 * The Telemetry port as EMF lines on stdout, one per event, written when it happens: no buffer to
 * flush at the end of an invocation, so a crash loses nothing already counted. At Fileport's rate
 * (a few points per request or processed object) aggregating lines would save next to nothing.
 * Deployed, Lambda ships stdout to CloudWatch Logs, which extracts the metrics; the local stack
 * writes the same lines to its own stdout (at info level: `npm start -- --verbose`), where tests read them.
 */
export class EmfTelemetry implements Telemetry {
  constructor(private readonly write: (document: Record<string, unknown>) => void = (document) => writeLine('info', document)) {}

  private emit(point: MetricPoint): void {
    this.write(emfDocument(point, new Date(), logContext()));
  }

  urlGranted(kind: Parameters<Telemetry['urlGranted']>[0]): void {
    this.emit({ name: metricNames.urlGranted, unit: 'Count', value: 1, dimensions: { kind } });
  }

  versionFinished({ status, errorCode, uploadedAt, at }: Parameters<Telemetry['versionFinished']>[0]): void {
    if (status === 'ready') {
      this.emit({ name: metricNames.processingOutcome, unit: 'Count', value: 1, dimensions: { status } });
      const uploaded = Date.parse(uploadedAt);
      if (Number.isFinite(uploaded)) this.emit({ name: metricNames.timeToReady, unit: 'Milliseconds', value: Math.max(0, at.getTime() - uploaded) });
      return;
    }
    // Counted by code, and in all under status=failed, so one alarm sees every failure.
    this.emit({ name: metricNames.processingOutcome, unit: 'Count', value: 1, dimensions: { status, errorCode: errorCode ?? 'UNKNOWN' }, rollups: [['status']] });
  }

  processed(processor: Parameters<Telemetry['processed']>[0], durationMs: number, usage?: { bytesRead: number }): void {
    this.emit({ name: metricNames.processingDuration, unit: 'Milliseconds', value: durationMs, dimensions: { processor } });
    if (usage) this.emit({ name: metricNames.processingBytesRead, unit: 'Bytes', value: usage.bytesRead, dimensions: { processor } });
  }

  renditionMade(format: string, durationMs: number): void {
    this.emit({ name: metricNames.renditionMade, unit: 'Milliseconds', value: durationMs, dimensions: { format } });
  }

  shareTokenRefused(reason: Parameters<Telemetry['shareTokenRefused']>[0]): void {
    this.emit({ name: metricNames.shareTokenRefused, unit: 'Count', value: 1, dimensions: { reason } });
  }

  throttled(limit: Parameters<Telemetry['throttled']>[0]): void {
    this.emit({ name: metricNames.throttled, unit: 'Count', value: 1, dimensions: { limit } });
  }

  reconciled({ oldestProcessingAgeSeconds, gaveUp }: Parameters<Telemetry['reconciled']>[0]): void {
    this.emit({ name: metricNames.oldestProcessingAge, unit: 'Seconds', value: oldestProcessingAgeSeconds });
    this.emit({ name: metricNames.reconcilerGaveUp, unit: 'Count', value: gaveUp });
  }
}
