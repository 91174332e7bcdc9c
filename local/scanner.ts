import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3EventRecord } from 'aws-lambda';
import { GUARDDUTY_SOURCE, SCAN_RESULT_DETAIL_TYPE, type GuardDutyScanResultStatus } from '../lambdas/adapters/guardduty-scan-results';
import { fileIdOfContentKey, objectPrefixes } from '../lambdas/domain/files/files';
import { describeError, log } from '../lambdas/log';
import type { LocalEventBus } from './event-bus';
import type { Faults } from './faults';

/**
 * The EICAR test file's 68 characters: the harmless string every antivirus engine reports as a
 * virus, so scanning can be tested without malware. Put together from parts so that no file of
 * this repository is itself one a developer's antivirus would flag.
 */
export function eicarTestString(): string {
  return ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD', '-ANTIVIRUS-TEST-FILE!$H+H*'].join('');
}

/** What the stand-in reads of an object at most; larger ones it calls UNSUPPORTED, as GuardDuty does past its limits. */
const MAX_SCANNED_BYTES = 64 * 1024 * 1024;

/** The result events GuardDuty puts on the default bus name the plan as their resource. */
const PLAN_ARN = 'arn:aws:guardduty:us-east-1:000000000000:malware-protection-plan/fileport-local-stand-in';

export interface Scanner {
  /** Scans the object an S3 event names; the result goes on the bus (now, later, or when released). */
  scan(record: S3EventRecord): void;
  /** Results held by a `hold` fault, waiting. */
  held(): number;
}

/**
 * The local stand-in for GuardDuty Malware Protection for S3, behind the same port: it hears of every
 * object created under `content/` (a second subscriber of the emulator's S3 events), reads it, calls
 * it THREATS_FOUND when it holds the EICAR test string and NO_THREATS_FOUND otherwise, and puts a
 * result event of GuardDuty's shape on the local bus, where a rule routes it to the scan-result
 * queue and the real scan-result function. It is not an antivirus: only EICAR is "malware" here.
 * Fault injection (local/faults.ts, `processor: "scanner"`) makes it answer FAILED, or be slow.
 */
export function startScanner(options: { bus: LocalEventBus; bucket: string; faults: Faults; s3?: S3Client }): Scanner {
  const s3 = options.s3 ?? new S3Client({ forcePathStyle: true });
  const { bus, faults } = options;
  const waiting: { fileId: string | undefined; publish: () => void }[] = [];

  faults.onChange(() => {
    for (const entry of [...waiting]) {
      if (faults.scannerFault(entry.fileId, false)?.fault === 'hold') continue;
      waiting.splice(waiting.indexOf(entry), 1);
      entry.publish();
    }
  });

  const verdict = async (key: string, eTag: string): Promise<{ status: GuardDutyScanResultStatus; threats: { name: string }[] } | undefined> => {
    const object = await s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: key })).catch((error: unknown) => {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    });
    // Gone already: GuardDuty reports nothing it could not find either.
    if (!object?.Body) return undefined;
    if ((object.ETag ?? '').replace(/"/g, '') !== eTag) {
      await object.Body.transformToByteArray();
      return undefined;
    }
    if ((object.ContentLength ?? 0) > MAX_SCANNED_BYTES) {
      object.Body.transformToWebStream().cancel().catch(() => undefined);
      return { status: 'UNSUPPORTED', threats: [] };
    }
    const bytes = Buffer.from(await object.Body.transformToByteArray());
    return bytes.includes(eicarTestString(), 0, 'latin1') ? { status: 'THREATS_FOUND', threats: [{ name: 'EICAR-Test-File (not a virus)' }] } : { status: 'NO_THREATS_FOUND', threats: [] };
  };

  const scan = async (record: S3EventRecord) => {
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    if (!key.startsWith(objectPrefixes.content)) return;
    const eTag = (record.s3.object.eTag ?? '').replace(/"/g, '');
    const fileId = fileIdOfContentKey(key);
    const fault = faults.scannerFault(fileId);
    const found = fault?.fault === 'fail' ? { status: 'FAILED' as const, threats: [] } : await verdict(key, eTag);
    if (!found) return;
    const publish = () => {
      bus.put([
        {
          Source: GUARDDUTY_SOURCE,
          DetailType: SCAN_RESULT_DETAIL_TYPE,
          Resources: [PLAN_ARN],
          Detail: JSON.stringify({
            schemaVersion: '1.0',
            scanStatus: found.status === 'FAILED' ? 'FAILED' : found.status === 'UNSUPPORTED' ? 'SKIPPED' : 'COMPLETED',
            resourceType: 'S3_OBJECT',
            s3ObjectDetails: { bucketName: options.bucket, objectKey: key, eTag, versionId: null, s3Throttled: false },
            scanResultDetails: { scanResultStatus: found.status, threats: found.threats.length > 0 ? found.threats : null },
          }),
        },
      ]);
    };
    if (fault?.fault === 'hold') waiting.push({ fileId, publish });
    else if (fault?.fault === 'delay') setTimeout(publish, fault.delayMs).unref();
    else publish();
  };

  return {
    scan: (record) => {
      scan(record).catch((error: unknown) => log('error', 'The local malware scanner failed on an object; no result was put on the bus', { key: record.s3.object.key, error: describeError(error) }));
    },
    held: () => waiting.length,
  };
}
