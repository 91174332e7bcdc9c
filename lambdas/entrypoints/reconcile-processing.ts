import { makeSqsClient, SqsProcessingQueue } from '../adapters/sqs-queues';
import type { Deps, ProcessingQueue } from '../domain/ports';
import { recoverStuckFiles, type StuckFilePolicy } from '../domain/processing-recovery';
import { log } from '../log';
import { getServices } from '../services';

/** The scheduled reconciler: files stuck in `processing` are re-driven, or failed once hopeless. */
export function createReconcileHandler(deps: () => Deps & { processing: ProcessingQueue }, policy: () => StuckFilePolicy) {
  return async (): Promise<{ redriven: number; gaveUp: number }> => {
    const report = await recoverStuckFiles(deps(), policy());
    if (report.redriven.length + report.gaveUp.length > 0) log('warn', 'Recovered files stuck in processing', { ...report });
    return { redriven: report.redriven.length, gaveUp: report.gaveUp.length };
  };
}

let deployed: (Deps & { processing: ProcessingQueue }) | undefined;

export const handler = createReconcileHandler(
  () => {
    if (!deployed) {
      const services = getServices();
      const queueUrl = services.config.metadataQueueUrl;
      if (!queueUrl) throw new Error('FILEPORT_METADATA_QUEUE_URL is not set');
      deployed = { ...services, processing: new SqsProcessingQueue(makeSqsClient(), queueUrl, services.config.bucketName) };
    }
    return deployed;
  },
  () => getServices().config.stuckFiles,
);
