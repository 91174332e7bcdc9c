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
  /** A pre-signed URL or form handed out. Dimension `kind`: upload, download, form, multipart, thumbnail, shared-download, public. */
  urlGranted: 'UrlGranted',
  /** A processed version's end state. Dimensions `status` (ready, failed) and, when failed, `errorCode`. */
  processingOutcome: 'ProcessingOutcome',
  /** Milliseconds from the upload's arrival in S3 to the version being `ready` (no extra dimension). */
  timeToReady: 'TimeToReady',
  /** Milliseconds one processor spent on one object. Dimension `processor`. */
  processingDuration: 'ProcessingDuration',
  /** A share token refused (expired, revoked, wrong secret, rate-limited). Dimension `reason`. */
  shareTokenRefused: 'ShareTokenRefused',
  /** A request refused because a limit was hit (share-token rate, DynamoDB throttling). Dimension `limit`. */
  throttled: 'Throttled',
  /** Age in seconds of the oldest file still `processing`, measured by each reconciler run (no extra dimension). */
  oldestProcessingAge: 'OldestProcessingAge',
  /** Files the reconciler gave up on and failed (no extra dimension). */
  reconcilerGaveUp: 'ReconcilerGaveUp',
} as const;

export type MetricName = (typeof metricNames)[keyof typeof metricNames];
