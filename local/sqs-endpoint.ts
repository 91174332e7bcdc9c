import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where a message sent to a local queue goes: the LocalQueue of that name, held back `delaySeconds` (SQS's DelaySeconds). */
export type QueueSink = (body: string, delaySeconds: number) => void;

export interface SqsEndpoint {
  /** For AWS_ENDPOINT_URL_SQS. */
  endpoint: string;
  /** The URL a deployed function finds in FILEPORT_*_QUEUE_URL, for the queue of this name. */
  queueUrl(name: string): string;
  stop(): Promise<void>;
}

const ACCOUNT = '000000000000';

/**
 * The part of the SQS API the deployed functions use, SendMessage (AWS JSON 1.0, as the SDK speaks
 * it), in front of the local queues: the processors and the reconciler send their messages with
 * their own SQS client (lambdas/adapters/sqs-queues.ts), as deployed, and they land in the
 * LocalQueue of the queue named in the URL. Only SendMessage: the local queues deliver to the
 * consumers themselves, as Lambda's event source mapping does, so nothing here receives. Written
 * here rather than taken from npm: the SQS emulators (ElasticMQ, LocalStack) are JVM or Docker
 * services, for one operation that fits in this file.
 */
export async function startSqsEndpoint(queues: Record<string, QueueSink>): Promise<SqsEndpoint> {
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => reply(res, 500, { __type: 'com.amazonaws.sqs#InternalError', message: String(error) }));
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = req.headers['x-amz-target'];
    if (req.method !== 'POST' || target !== 'AmazonSQS.SendMessage') {
      return reply(res, 400, { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: `The local SQS endpoint serves SendMessage only, not ${String(target)}.` });
    }
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { QueueUrl?: unknown; MessageBody?: unknown; DelaySeconds?: unknown };
    const name = typeof input.QueueUrl === 'string' ? new URL(input.QueueUrl).pathname.split('/').pop() : undefined;
    const sink = name === undefined ? undefined : queues[name];
    if (!sink) return reply(res, 400, { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: `No local queue at ${String(input.QueueUrl)}.` });
    if (typeof input.MessageBody !== 'string' || input.MessageBody === '') {
      return reply(res, 400, { __type: 'com.amazonaws.sqs#MissingParameter', message: 'MessageBody is required.' });
    }
    // As SQS: a whole number of seconds up to 15 minutes, 0 when absent.
    const delay = input.DelaySeconds ?? 0;
    if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > 900) {
      return reply(res, 400, { __type: 'com.amazonaws.sqs#InvalidParameterValue', message: `DelaySeconds must be a whole number from 0 to 900, not ${JSON.stringify(delay)}.` });
    }
    sink(input.MessageBody, delay);
    // The SDK checks this digest of the body it sent.
    reply(res, 200, { MessageId: randomUUID(), MD5OfMessageBody: createHash('md5').update(input.MessageBody, 'utf8').digest('hex') });
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    queueUrl: (name) => `${endpoint}/${ACCOUNT}/${name}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify(body));
}
