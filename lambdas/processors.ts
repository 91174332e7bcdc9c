/**
 * The Lambdas behind the API's back, with what both the CDK app and the local stack must agree on:
 * the metadata and thumbnail processors (S3 → SQS), the consumer of their dead-letter queues, and
 * the scheduled reconciler. Deployment wiring, so it lives beside the route table, not in the domain.
 */
export const processors = {
  // Hashing an object of up to 4 GiB as it streams from S3 takes most of a minute.
  metadata: { entry: 'lambdas/entrypoints/process-metadata.ts', timeoutSeconds: 180 },
  thumbnails: { entry: 'lambdas/entrypoints/process-thumbnails.ts', timeoutSeconds: 90 },
  deadLetters: { entry: 'lambdas/entrypoints/process-dead-letters.ts', timeoutSeconds: 30 },
  reconciler: { entry: 'lambdas/entrypoints/reconcile-processing.ts', timeoutSeconds: 60 },
} as const;

export type Processor = keyof typeof processors;

export const processorEntrypoints = Object.fromEntries(Object.entries(processors).map(([name, p]) => [name, p.entry])) as {
  [P in Processor]: (typeof processors)[P]['entry'];
};

/** Deliveries of a processing message before it goes to its dead-letter queue. */
export const maxReceiveCount = 5;

/**
 * How long a received message stays invisible to other consumers of a queue that `consumer`
 * drains: AWS's advice for Lambda consumers, at least six times the function timeout, so a message
 * is not handed to a second invocation while the first (with its retries) still works on it. The
 * deployed queues (lib/processing.ts) and LocalStack's (local/localstack.ts) both take it from here.
 */
export const visibilityTimeoutSeconds = (consumer: Processor): number => processors[consumer].timeoutSeconds * 6;

/** How long a dead-letter queue keeps a message: the longest SQS allows, time to find the bug when the dead-letter function fails too. */
export const deadLetterRetentionSeconds = 14 * 24 * 3600;
