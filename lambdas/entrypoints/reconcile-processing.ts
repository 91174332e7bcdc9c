import type { Context } from 'aws-lambda';
import { makeSqsClient } from '../adapters/aws-clients';
import { SqsProcessingQueue } from '../adapters/sqs-queues';
import type { Deps, ProcessingQueue } from '../domain/ports';
import { recoverStuckFiles, type StuckFilePolicy } from '../domain/processing/processing-recovery';
import { log, withLogContext } from '../log';
import { traceInvocation } from '../observability/tracing';
import { getServices } from '../services';

/**
 * The scheduled reconciler: files stuck in `processing` are re-driven, or failed once hopeless.
 * Each run also measures the processing lag (the OldestProcessingAge metric).
 */
export function createReconcileHandler(deps: () => Deps & { processing: ProcessingQueue }, policy: () => StuckFilePolicy) {
  return async (_event?: unknown, context?: Pick<Context, 'awsRequestId'>): Promise<{ redriven: number; gaveUp: number; oldestProcessingAgeSeconds: number }> =>
    withLogContext(context ? { correlationId: context.awsRequestId, lambdaRequestId: context.awsRequestId } : {}, () =>
      traceInvocation('## Reconciler', {}, async () => {
        const report = await recoverStuckFiles(deps(), policy());
        if (report.redriven.length + report.gaveUp.length > 0) log('warn', 'Recovered files stuck in processing', { ...report });
        return { redriven: report.redriven.length, gaveUp: report.gaveUp.length, oldestProcessingAgeSeconds: report.oldestProcessingAgeSeconds };
      }),
    );
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
