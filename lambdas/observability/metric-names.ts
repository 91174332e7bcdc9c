/**
 * Every custom metric Fileport emits (CloudWatch embedded metric format), in one place: the Lambdas
 * emit them and the CDK app's alarms and dashboard (lib/) read them, so a renamed metric cannot
 * leave an alarm watching nothing. Each is emitted with the `service` dimension set to
 * `METRIC_SERVICE` plus the dimensions listed; alarms that name only `service` read the metrics
 * emitted with no further dimension.
 */
export const METRIC_NAMESPACE = 'Fileport';
export const METRIC_SERVICE = 'fileport';

export const metricNames = {
  /**
   * A grant of pre-signed URLs or a form handed out (one per answer: a multipart answer with many
   * part URLs counts once). Dimension `kind`: upload, form, multipart, download, thumbnail,
   * shared-download, shared-thumbnail, public.
   */
  urlGranted: 'UrlGranted',
  /**
   * A processed version's end state. Dimensions `status` (ready, failed) and, when failed,
   * `errorCode` (CONTENT_MISMATCH, PROCESSING_STUCK…); failed ones are also emitted under `status`
   * alone (dimension set service+status), so one alarm can watch every failure.
   */
  processingOutcome: 'ProcessingOutcome',
  /** Milliseconds from the upload's arrival in S3 to the version being `ready` (no extra dimension). */
  timeToReady: 'TimeToReady',
  /** Milliseconds one processor spent on one object. Dimension `processor`. */
  processingDuration: 'ProcessingDuration',
  /** Milliseconds sharp spent making one image rendition (one per rendition: later requests are served from S3). Dimension `format`. */
  renditionMade: 'RenditionMade',
  /**
   * Bytes of objects one processor read for one object (the sniffed head, whole bodies streamed,
   * ranges): what processing costs in reads, independent of the object's size when S3 holds a
   * verified checksum. Dimension `processor`.
   */
  processingBytesRead: 'ProcessingBytesRead',
  /**
   * A share token refused. Dimension `reason`: unknown (wrong or revoked secret), expired,
   * read-only, upload-only (an upload link asked to read), not-upload, rate-limited, file-gone.
   */
  shareTokenRefused: 'ShareTokenRefused',
  /**
   * A request refused because a limit was hit. Dimension `limit`: share-token-rate, or dynamodb,
   * s3, sqs when AWS throttled a call beyond the SDK's retries.
   */
  throttled: 'Throttled',
  /** Age in seconds of the oldest file still `processing`, measured by each reconciler run, 0 when none is (no extra dimension). */
  oldestProcessingAge: 'OldestProcessingAge',
  /** Files the reconciler gave up on and failed, emitted by every run, 0 included (no extra dimension). */
  reconcilerGaveUp: 'ReconcilerGaveUp',
} as const;

export type MetricName = (typeof metricNames)[keyof typeof metricNames];
