import type { Context } from 'aws-lambda';
import { reconcilerServices } from '../composition';
import type { ProcessingQueue, QueryDeps } from '../domain/ports';
import { recoverStuckFiles, type StuckFilePolicy } from '../domain/processing/processing-recovery';
import { log, withLogContext } from '../log';
import { traceInvocation } from '../observability/tracing';

/**
 * The scheduled reconciler: files stuck in `processing` are re-driven, or failed once hopeless.
 * Each run also measures the processing lag (the OldestProcessingAge metric).
 */
export function createReconcileHandler(deps: () => QueryDeps & { processing: ProcessingQueue; stuckFiles: StuckFilePolicy }) {
  return async (_event?: unknown, context?: Pick<Context, 'awsRequestId'>): Promise<{ redriven: number; gaveUp: number; oldestProcessingAgeSeconds: number }> =>
    withLogContext(context ? { correlationId: context.awsRequestId, lambdaRequestId: context.awsRequestId } : {}, () =>
      traceInvocation('## Reconciler', {}, async () => {
        const services = deps();
        const report = await recoverStuckFiles(services, services.stuckFiles);
        if (report.redriven.length + report.gaveUp.length > 0) log('warn', 'Recovered files stuck in processing', { ...report });
        return { redriven: report.redriven.length, gaveUp: report.gaveUp.length, oldestProcessingAgeSeconds: report.oldestProcessingAgeSeconds };
      }),
    );
}

export const handler = createReconcileHandler(reconcilerServices);
