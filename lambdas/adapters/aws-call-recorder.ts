import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FinalizeRequestMiddleware, MiddlewareStack } from '@smithy/types';

/**
 * A record of every AWS call the Lambdas make, for the IAM conformance check
 * (test/support/iam-conformance.ts): each call, with the function that made it, is evaluated against
 * that function's role as the CDK app synthesizes it. Only when FILEPORT_RECORD_AWS_CALLS names a
 * directory (the integration suite sets it); otherwise nothing is attached and nothing is read.
 * This is test instrumentation, not service configuration: it is not in lambdas/config.ts.
 */

/** Which deployed Lambda an invocation stands for: `api:<route group>` or `processor:<processor>`; null for the local stack's own work. */
export interface Invocation {
  functionName: string | null;
}

/** The name an invocation of a route group's or a processor's function is recorded under. */
export const apiFunctionName = (group: string): string => `api:${group}`;
export const processorFunctionName = (processor: string): string => `processor:${processor}`;

const INVOCATION = Symbol.for('fileport.invocation');

/**
 * The invocation being served. One store per process, kept on globalThis so that a copy of this
 * module inside an esbuild bundle and the local stack's own copy share it.
 */
export function invocations(): AsyncLocalStorage<Invocation> {
  const holder = globalThis as { [INVOCATION]?: AsyncLocalStorage<Invocation> };
  return (holder[INVOCATION] ??= new AsyncLocalStorage<Invocation>());
}

/** One recorded call: the IAM request it makes, as the deployed function would make it. */
export interface RecordedCall {
  /** The deployed function (see Invocation); null when no invocation was running, which the check reports. */
  function: string | null;
  service: string;
  /** The IAM action, e.g. `s3:PutObject`. */
  action: string;
  /** ARN as recorded locally: the local stack's names, region and a placeholder account (the check maps them to the template's). */
  resource: string;
  /** Condition keys the request carries deployed. */
  context: Record<string, string>;
  /** How it was made: `sdk` (sent), `presigned-url` or `post-form` (signed here, executed by the client with this function's rights). */
  via: 'sdk' | 'presigned-url' | 'post-form' | 'local-queue';
  /** The S3 operation when its action does not say it (UploadPart is s3:PutObject): it decides which KMS calls S3 makes. */
  operation?: string;
}

/** Placeholder account of local ARNs, as the local gateway's Lambda context uses. */
export const LOCAL_ACCOUNT = '000000000000';

/** Deployed, every endpoint the functions use is HTTPS (the SDK's regional endpoints, and the URLs it signs). */
const SECURE = { 'aws:SecureTransport': 'true' } as const;

let sink: { file: string; seen: Set<string> } | null | undefined;

function recordingSink(): { file: string; seen: Set<string> } | null {
  if (sink !== undefined) return sink;
  const directory = process.env.FILEPORT_RECORD_AWS_CALLS;
  if (!directory) return (sink = null);
  mkdirSync(directory, { recursive: true });
  return (sink = { file: join(directory, `calls-${process.pid}.jsonl`), seen: new Set() });
}

/** Whether calls are being recorded in this process. */
export const recordingAwsCalls = (): boolean => recordingSink() !== null;

/** Appends each distinct call once; the function is the running invocation's. */
export function recordCalls(calls: Omit<RecordedCall, 'function'>[]): void {
  const target = recordingSink();
  if (!target) return;
  const invocation = invocations().getStore();
  // The local stack's own provisioning runs with a null function on purpose: not a Lambda's call.
  if (invocation && invocation.functionName === null) return;
  for (const call of calls) {
    const line = JSON.stringify({ function: invocation?.functionName ?? null, ...call });
    if (target.seen.has(line)) continue;
    target.seen.add(line);
    appendFileSync(target.file, `${line}\n`);
  }
}

const recording = new WeakSet<object>();

/** Any AWS SDK v3 client: its middleware stack is all the recorder touches. */
interface SmithyClient {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- every client's own input and output types
  middlewareStack: Pick<MiddlewareStack<any, any>, 'addRelativeTo'>;
}

/**
 * Records every command the client sends, once signed (so the presigner, which stops before the
 * signature, never counts as a call). Returns the client; does nothing unless recording.
 */
export function recordAwsCalls<C extends SmithyClient>(client: C, region: string | undefined = process.env.AWS_REGION): C {
  if (!recordingAwsCalls()) return client;
  recording.add(client);
  client.middlewareStack.addRelativeTo(
    ((next, context) => async (args) => {
      recordCalls(iamRequestsOf(context.clientName ?? '', context.commandName ?? '', args.input as Record<string, unknown>, region ?? 'us-east-1'));
      return next(args);
    }) satisfies FinalizeRequestMiddleware<object, object>,
    { relation: 'after', toMiddleware: 'awsAuthMiddleware', name: 'fileportRecordAwsCalls' },
  );
  return client;
}

/**
 * Runs `work` as an invocation of the deployed function `functionName` (see Invocation): the local
 * stack's way of saying which Lambda it is standing in for.
 */
export function asInvocationOf<A extends unknown[], R>(functionName: string | null, work: (...args: A) => R): (...args: A) => R {
  return (...args) => invocations().run({ functionName }, () => work(...args));
}

/**
 * Records a request signed for someone else to send (a presigned URL or POST form) as the signing
 * function's call: S3 executes it with the signer's rights. Only for a client `recordAwsCalls` took.
 */
export function recordSignedRequest(
  client: object,
  request: { operation: string; action: string; bucket: string; key: string; via: 'presigned-url' | 'post-form'; context?: Record<string, string> },
): void {
  if (!recording.has(client)) return;
  recordCalls([
    {
      service: 's3',
      action: request.action,
      resource: s3ObjectArn(request.bucket, request.key),
      context: { ...SECURE, 's3:authType': request.via === 'post-form' ? 'POST' : 'REST-QUERY-STRING', 's3:signatureversion': 'AWS4-HMAC-SHA256', ...request.context },
      via: request.via,
    },
  ]);
}

const s3ObjectArn = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
const tableArn = (region: string, table: string) => `arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT}:table/${table}`;
/** `https://sqs.eu-west-1.amazonaws.com/123/name` or a local `http://127.0.0.1:4566/000000000000/name`. */
export const queueArnOf = (region: string, queueUrl: string) => `arn:aws:sqs:${region}:${LOCAL_ACCOUNT}:${queueUrl.split('/').pop() ?? ''}`;

/** S3 operations whose IAM action is not `s3:<Operation>`. */
const s3Actions: Record<string, string> = {
  ListParts: 's3:ListMultipartUploadParts',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  HeadObject: 's3:GetObject',
};

/** TransactWriteItems / TransactGetItems are authorized per item, as the item's own action. */
const transactItemActions: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

type Input = Record<string, unknown>;

/** The IAM requests one SDK command makes: an action on a resource, with its condition keys. */
export function iamRequestsOf(clientName: string, commandName: string, input: Input, region: string): Omit<RecordedCall, 'function'>[] {
  const operation = commandName.replace(/Command$/, '');
  if (clientName === 'S3Client') return s3Requests(operation, input);
  if (clientName === 'DynamoDBClient') return dynamoDbRequests(operation, input, region);
  if (clientName === 'SQSClient') {
    return [{ service: 'sqs', action: `sqs:${operation}`, resource: queueArnOf(region, String(input.QueueUrl ?? '')), context: { ...SECURE }, via: 'sdk' }];
  }
  if (clientName === 'EventBridgeClient') {
    // Authorized per bus named in the entries (the default bus when an entry names none).
    const buses = new Set(((input.Entries as { EventBusName?: string }[] | undefined) ?? []).map((e) => e.EventBusName ?? 'default'));
    return [...buses].map((bus) => ({ service: 'events', action: `events:${operation}`, resource: `arn:aws:events:${region}:${LOCAL_ACCOUNT}:event-bus/${bus}`, context: { ...SECURE }, via: 'sdk' as const }));
  }
  return [{ service: clientName, action: `unknown:${operation}`, resource: '*', context: {}, via: 'sdk' }];
}

function s3Requests(operation: string, input: Input): Omit<RecordedCall, 'function'>[] {
  const bucket = String(input.Bucket ?? '');
  const context: Record<string, string> = { ...SECURE, 's3:authType': 'REST-HEADER', 's3:signatureversion': 'AWS4-HMAC-SHA256' };
  if (typeof input.ServerSideEncryption === 'string') context['s3:x-amz-server-side-encryption'] = input.ServerSideEncryption;
  if (input.IfNoneMatch !== undefined) context['s3:if-none-match'] = String(input.IfNoneMatch);
  const call = (action: string, key: string, extra: Record<string, string> = {}) => ({
    service: 's3',
    action,
    resource: s3ObjectArn(bucket, key),
    context: { ...context, ...extra },
    via: 'sdk' as const,
    operation,
  });
  switch (operation) {
    case 'DeleteObjects': {
      // Authorized per key, as s3:DeleteObject.
      const objects = ((input.Delete as { Objects?: { Key?: string }[] } | undefined)?.Objects ?? []).map((o) => String(o.Key));
      return objects.map((key) => call('s3:DeleteObject', key));
    }
    case 'CopyObject': {
      // Reads the source (s3:GetObject) and writes the target (s3:PutObject).
      const source = decodeURIComponent(String(input.CopySource ?? '')).replace(/^\//, '');
      const slash = source.indexOf('/');
      const directive: Record<string, string> = typeof input.MetadataDirective === 'string' ? { 's3:x-amz-metadata-directive': input.MetadataDirective } : {};
      return [
        { ...call('s3:GetObject', source.slice(slash + 1)), resource: `arn:aws:s3:::${source}` },
        call('s3:PutObject', String(input.Key ?? ''), { ...directive, 's3:x-amz-copy-source': source }),
      ];
    }
    case 'ListObjectsV2':
      // Authorized on the bucket, with the prefix as a condition key.
      return [{ ...call('s3:ListBucket', ''), resource: `arn:aws:s3:::${bucket}`, context: { ...context, 's3:prefix': String(input.Prefix ?? '') } }];
    case 'DeleteObject': {
      if (input.IfMatch === undefined) return [call('s3:DeleteObject', String(input.Key ?? ''))];
      // A delete on condition of an ETag needs s3:GetObject as well (S3's conditional deletes).
      const condition = { 's3:if-match': String(input.IfMatch) };
      return [call('s3:DeleteObject', String(input.Key ?? ''), condition), call('s3:GetObject', String(input.Key ?? ''))];
    }
    default:
      return [call(s3Actions[operation] ?? `s3:${operation}`, String(input.Key ?? ''))];
  }
}

function dynamoDbRequests(operation: string, input: Input, region: string): Omit<RecordedCall, 'function'>[] {
  const call = (action: string, table: string, index?: unknown) => ({
    service: 'dynamodb',
    action,
    resource: `${tableArn(region, table)}${typeof index === 'string' ? `/index/${index}` : ''}`,
    context: { ...SECURE },
    via: 'sdk' as const,
  });
  switch (operation) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys((input.RequestItems as Input | undefined) ?? {}).map((table) => call(`dynamodb:${operation}`, table));
    case 'TransactWriteItems':
    case 'TransactGetItems':
      return ((input.TransactItems as Record<string, Input>[] | undefined) ?? []).flatMap((item) =>
        Object.entries(item).map(([kind, request]) => call(transactItemActions[kind] ?? `dynamodb:${kind}`, String(request.TableName ?? ''))),
      );
    default:
      return [call(`dynamodb:${operation}`, String(input.TableName ?? ''), input.IndexName)];
  }
}
