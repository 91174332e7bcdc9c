import { scanResultOf } from '../adapters/guardduty-scan-results';
import { scanResultServices, type StorageServices } from '../composition';
import { recordScanResult } from '../domain/scanning/scan-results';
import { fileIdOfContentKey } from '../domain/files/files';
import { log, withLogContext } from '../log';
import { sqsBatch } from './sqs-batch';

/**
 * The scan-result function: each SQS message is one GuardDuty Malware Protection result event (an
 * EventBridge rule on the default bus feeds the queue; locally, the scanner stand-in's). A result
 * that came before processing recorded its version throws (ScanResultEarly), so SQS delivers it
 * again once the version exists.
 */
export function createScanResultHandler(services: () => StorageServices) {
  return sqsBatch('Scan result', async (message) => {
    const deps = services();
    const result = scanResultOf(message.body, deps.config.bucketName);
    if (!result) {
      log('warn', 'Ignored a scan result for another bucket');
      return;
    }
    const fields = { key: result.key, eTag: result.eTag, fileId: fileIdOfContentKey(result.key) ?? null, scan: result.status, scanner: result.detail };
    await withLogContext(fields, async () => {
      const outcome = await recordScanResult(deps, result);
      log(result.status === 'infected' ? 'warn' : 'info', result.status === 'infected' ? 'Malware found: the version failed (MALWARE_FOUND) and its bytes were deleted' : 'Recorded a scan result', { outcome });
    });
  });
}

export const handler = createScanResultHandler(scanResultServices);
