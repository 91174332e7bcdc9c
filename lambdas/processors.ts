/**
 * The Lambdas behind the API's back, with what both the CDK app and the local stack must agree on:
 * the metadata and thumbnail processors (S3 → SQS), the consumer of their dead-letter queues, and
 * the scheduled reconciler. Deployment wiring, so it lives beside the route table, not in the domain.
 * `needs` is what each may touch (lib/function-needs.ts makes it environment variables and grants).
 */
import type { FunctionNeeds, ItemAction } from './function-needs';

const needs = (what: FunctionNeeds): FunctionNeeds => what;
/** What the processors do with the table: read a file and update it (with its index items); never create, delete or list files. */
const fileUpdates: ItemAction[] = ['GetItem', 'BatchGetItem', 'UpdateItem', 'BatchWriteItem'];

export const processors = {
  // Hashing an object of up to 4 GiB as it streams from S3 takes most of a minute.
  metadata: {
    entry: 'lambdas/entrypoints/process-metadata.ts',
    timeoutSeconds: 180,
    // A PDF's page count may still load it whole (when the ranged count cannot decide) into memory.
    // The bench's Lambda cost per 1,000 files is reckoned with it.
    memorySize: 1024,
    needs: needs({
      table: { items: fileUpdates },
      objects: [
        // Reads what was uploaded; deletes content that arrived for a deleted file, content it refuses
        // and the objects of versions beyond the limit.
        { actions: ['s3:GetObject', 's3:DeleteObject'], prefixes: ['content'] },
        // Removes thumbnails of content that a new upload replaced.
        // Rare enough that the integration suite may not use it: justified in test/conformance/iam.test.ts.
        { actions: ['s3:DeleteObject'], prefixes: ['thumbnails'] },
      ],
      // Finds the renditions of content a new upload replaced, or of pruned versions.
      listsObjects: ['thumbnails'],
      maxVersions: true,
      sendsTo: ['thumbnails'],
      malwareScanning: true,
    }),
  },
  thumbnails: {
    entry: 'lambdas/entrypoints/process-thumbnails.ts',
    timeoutSeconds: 90,
    // Decoding a large image is CPU- and memory-bound; Lambda's CPU share grows with memory.
    // A PDF preview fits too: the PDF (256 MiB at most) is held twice beside PDFium's heap,
    // capped at 512 MiB more (lambdas/inspect/pdf-preview.ts); a decompression bomb peaked at 938 MB.
    memorySize: 1536,
    needs: needs({
      table: { items: fileUpdates },
      objects: [
        { actions: ['s3:GetObject'], prefixes: ['content'] },
        // Writes the thumbnails; deletes them again when the file changed while they were made (a race:
        // the integration suite may not provoke it; justified in test/conformance/iam.test.ts).
        { actions: ['s3:PutObject', 's3:DeleteObject'], prefixes: ['thumbnails'] },
      ],
    }),
  },
  deadLetters: {
    entry: 'lambdas/entrypoints/process-dead-letters.ts',
    timeoutSeconds: 30,
    needs: needs({
      table: { items: fileUpdates },
      // A dead-lettered upload becomes a version, which awaits its scan like any other.
      malwareScanning: true,
      // A file failed for newer content than it described loses the old content's thumbnails.
      // Rare enough that the integration suite may not use it: justified in test/conformance/iam.test.ts.
      objects: [{ actions: ['s3:DeleteObject'], prefixes: ['thumbnails'] }],
      // … and its renditions.
      listsObjects: ['thumbnails'],
    }),
  },
  // Deployed only with malware scanning on (lib/malware-scanning.ts): GuardDuty's verdicts, from an
  // EventBridge rule on the default bus through a queue.
  scanResults: {
    entry: 'lambdas/entrypoints/record-scan-results.ts',
    timeoutSeconds: 30,
    needs: needs({
      table: { items: fileUpdates },
      objects: [
        // Reads the head of an object whose version is not recorded yet (is it still the bytes
        // scanned?), and deletes infected bytes.
        { actions: ['s3:GetObject', 's3:DeleteObject'], prefixes: ['content'] },
        // Deletes the thumbnails (and renditions, found by listing) of infected content.
        { actions: ['s3:DeleteObject'], prefixes: ['thumbnails'] },
      ],
      listsObjects: ['thumbnails'],
    }),
  },
  reconciler: {
    entry: 'lambdas/entrypoints/reconcile-processing.ts',
    timeoutSeconds: 60,
    needs: needs({
      // Finds files stuck in processing on the index, reads and updates them (and drops stale index items).
      table: { items: fileUpdates, query: ['byTenant'] },
      // Only names the bucket in the S3-shaped message it re-drives; it touches no object.
      objects: [],
      sendsTo: ['metadata'],
    }),
  },
  // The table's stream to the events bus (lib/events.ts): reads no table (the stream brings the
  // items), touches no object, puts events on its bus.
  events: {
    entry: 'lambdas/entrypoints/publish-events.ts',
    timeoutSeconds: 30,
    needs: needs({ publishesEvents: true }),
  },
  // Tenant webhooks (issue 15): the bus's events, through its rule and queue, delivered to the
  // tenants' endpoints (10 s at most each, one after the other); retries through the same queue.
  webhookDeliveries: {
    entry: 'lambdas/entrypoints/deliver-webhooks.ts',
    timeoutSeconds: 120,
    needs: needs({
      // Lists a tenant's endpoints (a Query of its partition), reads one, records deliveries
      // (Put, Get) and the run of failures (Update).
      table: { items: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'], query: ['table'] },
      // Only names the bucket (the configuration requires it); it touches no object.
      objects: [],
      // Its own retries, delayed.
      sendsTo: ['webhooks'],
    }),
  },
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
