import * as z from '../validation';
import type { ScanResult } from '../domain/scanning/scan-results';

/**
 * GuardDuty Malware Protection for S3's result events, as EventBridge puts them on the default bus
 * (and a rule on it into the scan-result queue, one event a message body): source `aws.guardduty`,
 * detail-type `GuardDuty Malware Protection Object Scan Result`. The local scanner stand-in
 * (local/scanner.ts) writes the same shape.
 */
export const GUARDDUTY_SOURCE = 'aws.guardduty';
export const SCAN_RESULT_DETAIL_TYPE = 'GuardDuty Malware Protection Object Scan Result';

/** GuardDuty's verdicts: the object's `GuardDutyMalwareScanStatus` tag says the same. */
export const scanResultStatuses = ['NO_THREATS_FOUND', 'THREATS_FOUND', 'UNSUPPORTED', 'ACCESS_DENIED', 'FAILED'] as const;
export type GuardDutyScanResultStatus = (typeof scanResultStatuses)[number];

const event = z.object({
  source: z.literal(GUARDDUTY_SOURCE),
  'detail-type': z.literal(SCAN_RESULT_DETAIL_TYPE),
  time: z.string(),
  detail: z.object({
    // COMPLETED, SKIPPED or FAILED: the result status below says which verdict.
    scanStatus: z.optional(z.string()),
    resourceType: z.optional(z.string()),
    s3ObjectDetails: z.object({
      bucketName: z.string(),
      objectKey: z.string(),
      eTag: z.string(),
      versionId: z.optional(z.nullable(z.string())),
    }),
    scanResultDetails: z.object({
      scanResultStatus: z.enum(scanResultStatuses),
      threats: z.optional(z.nullable(z.array(z.object({ name: z.string() })))),
    }),
  }),
});

export type GuardDutyScanResultEvent = z.output<typeof event>;

/**
 * The scan result one message carries, or undefined for an object of another bucket (the rule
 * matches only this deployment's, so it is never expected). A message that is not such an event
 * throws: it is retried, then dead-lettered (and alarmed on), never silently dropped.
 */
export function scanResultOf(body: string, bucketName: string): ScanResult | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error('The scan-result message is not JSON.');
  }
  const parsed = event.safeParse(json);
  if (!parsed.success) {
    throw new Error(`The scan-result message is not a GuardDuty Malware Protection object scan result: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const { detail, time } = parsed.data;
  if (detail.s3ObjectDetails.bucketName !== bucketName) return undefined;
  const { scanResultStatus, threats } = detail.scanResultDetails;
  return {
    key: detail.s3ObjectDetails.objectKey,
    eTag: detail.s3ObjectDetails.eTag.replace(/^"|"$/g, ''),
    status: scanResultStatus === 'NO_THREATS_FOUND' ? 'clean' : scanResultStatus === 'THREATS_FOUND' ? 'infected' : 'failed',
    completedAt: new Date(Date.parse(time)).toISOString(),
    detail: [scanResultStatus, ...(threats ?? []).map((t) => t.name)].join(': '),
  };
}
