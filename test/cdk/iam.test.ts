import { logicalId, permissionsOf, roleOf, synthFileport, type Permission, type Synthesized } from './fixtures';
import type { FileportFunction } from '../../lib/fileport-function';

let synthesized: Synthesized;
let bucketArn: string;
let tableArn: string;

beforeAll(() => {
  synthesized = synthFileport();
  const { stack } = synthesized;
  bucketArn = `<${logicalId(stack, stack.storage.bucket)}.Arn>`;
  tableArn = `<${logicalId(stack, stack.storage.table)}.Arn>`;
});

function permissions(fn: FileportFunction): Permission[] {
  const all = permissionsOf(synthesized.template, roleOf(synthesized.template, logicalId(synthesized.stack, fn)));
  // Grants only: a Deny would be a different kind of test.
  expect(all.every((p) => p.effect === 'Allow')).toBe(true);
  return all;
}

/** `action → sorted resources`, for the actions of one service. */
function grants(fn: FileportFunction, service: string): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const p of permissions(fn).filter((p) => p.action.startsWith(`${service}:`))) {
    (result[p.action] ??= []).push(p.resource);
  }
  for (const resources of Object.values(result)) resources.sort();
  return result;
}

const content = () => `${bucketArn}/content/*`;
/** s3:ListBucket of the bucket, only for keys under thumbnails/ (the renditions of a file or version are found by listing). */
const listsThumbnails = () => ({ 's3:ListBucket': [bucketArn] });
function expectListsOnlyThumbnails(fn: FileportFunction): void {
  const lists = permissions(fn).filter((p) => p.action === 's3:ListBucket');
  expect(lists).toEqual([{ effect: 'Allow', action: 's3:ListBucket', resource: bucketArn, condition: { StringLike: { 's3:prefix': ['thumbnails/*'] } } }]);
}
const thumbnails = () => `${bucketArn}/thumbnails/*`;
const index = () => `${tableArn}/index/gsi1`;
// Item actions name the table only (they never apply to an index); Query names what it reads.
const readActions = ['dynamodb:BatchGetItem', 'dynamodb:GetItem'];
const writeActions = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
const updateActions = ['dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'];
const onTable = (actions: string[], query: string[] = []) => ({
  ...Object.fromEntries(actions.map((a) => [a, [tableArn]])),
  ...(query.length > 0 ? { 'dynamodb:Query': query.sort() } : {}),
});
// What Lambda's poller needs to consume a queue with the function's role (AWSLambdaSQSQueueExecutionRole's actions).
const consumeActions = ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'];

describe('API functions', () => {
  const fn = (group: keyof Synthesized['stack']['api']['functions']) => synthesized.stack.api.functions[group];

  it('file-types: no DynamoDB, S3 or SQS access at all', () => {
    const services = new Set(permissions(fn('file-types')).map((p) => p.action.split(':')[0]));
    expect([...services]).toEqual(['logs']);
  });

  it('files: reads and writes the table, queries it and its index; deletes content and thumbnails; copies only within content/', () => {
    expect(grants(fn('files'), 'dynamodb')).toEqual(onTable([...readActions, ...writeActions], [tableArn, index()]));
    expect(grants(fn('files'), 's3')).toEqual({
      's3:DeleteObject': [content(), thumbnails()].sort(),
      // CopyObject: read the source version, write the copy's object. Never a thumbnail.
      's3:GetObject': [content()],
      's3:PutObject': [content()],
      ...listsThumbnails(),
    });
    expectListsOnlyThumbnails(fn('files'));
  });

  it('uploads: only reads items of the table; may only PUT, list the parts of and abort multipart uploads under content/, and read content', () => {
    expect(grants(fn('uploads'), 'dynamodb')).toEqual(onTable(readActions));
    expect(grants(fn('uploads'), 's3')).toEqual({
      's3:PutObject': [content()],
      // A retried completion checks that the object exists.
      's3:GetObject': [content()],
      's3:ListMultipartUploadParts': [content()],
      's3:AbortMultipartUpload': [content()],
    });
  });

  it('downloads: only reads items of the table; may only GET under content/ and thumbnails/', () => {
    expect(grants(fn('downloads'), 'dynamodb')).toEqual(onTable(readActions));
    expect(grants(fn('downloads'), 's3')).toEqual({ 's3:GetObject': [content(), thumbnails()].sort() });
  });

  it("shared: reads and writes items and queries a file's own items, never the tenant index; GETs and deletes content and thumbnails", () => {
    expect(grants(fn('shared'), 'dynamodb')).toEqual(onTable([...readActions, ...writeActions], [tableArn]));
    expect(grants(fn('shared'), 's3')).toEqual({ 's3:GetObject': [content(), thumbnails()].sort(), 's3:DeleteObject': [content(), thumbnails()].sort(), ...listsThumbnails() });
    expectListsOnlyThumbnails(fn('shared'));
  });

  it('renditions: reads items, updates a share token’s counts and a file’s record of renditions; reads content; reads, writes and deletes only under thumbnails/; lists nothing', () => {
    expect(grants(fn('renditions'), 'dynamodb')).toEqual(onTable([...readActions, 'dynamodb:UpdateItem']));
    expect(grants(fn('renditions'), 's3')).toEqual({ 's3:GetObject': [content(), thumbnails()].sort(), 's3:PutObject': [thumbnails()], 's3:DeleteObject': [thumbnails()] });
    expect(grants(fn('renditions'), 'sqs')).toEqual({});
  });

  it("links: reads and writes items and queries a partition's own items, never the tenant index; uploads under content/ as the uploads function does", () => {
    expect(grants(fn('links'), 'dynamodb')).toEqual(onTable([...readActions, ...writeActions], [tableArn]));
    expect(grants(fn('links'), 's3')).toEqual({
      's3:PutObject': [content()],
      's3:GetObject': [content()],
      's3:ListMultipartUploadParts': [content()],
      's3:AbortMultipartUpload': [content()],
    });
  });
});

describe('processing functions', () => {
  it('metadata: reads content, deletes stale, refused and pruned content and superseded thumbnails, queues thumbnail jobs', () => {
    const fn = synthesized.stack.processing.metadataFunction;
    expect(grants(fn, 'dynamodb')).toEqual(onTable([...readActions, ...updateActions]));
    expect(grants(fn, 's3')).toEqual({ 's3:GetObject': [content()], 's3:DeleteObject': [content(), thumbnails()].sort(), ...listsThumbnails() });
    expectListsOnlyThumbnails(fn);
    const thumbnailsQueue = `<${logicalId(synthesized.stack, synthesized.stack.processing.thumbnailsQueue)}.Arn>`;
    const metadataQueue = `<${logicalId(synthesized.stack, synthesized.stack.processing.metadataQueue)}.Arn>`;
    const sqs = grants(fn, 'sqs');
    expect(sqs['sqs:SendMessage']).toEqual([thumbnailsQueue]);
    // Everything else it may do on SQS is consuming its own queue (the event source mapping's grant).
    const { 'sqs:SendMessage': _send, ...consume } = sqs;
    expect(consume).toEqual(Object.fromEntries(consumeActions.map((a) => [a, [metadataQueue]])));
  });

  it('thumbnails: reads content; writes and deletes only under thumbnails/; sends no messages', () => {
    const fn = synthesized.stack.processing.thumbnailsFunction;
    expect(grants(fn, 'dynamodb')).toEqual(onTable([...readActions, ...updateActions]));
    expect(grants(fn, 's3')).toEqual({ 's3:GetObject': [content()], 's3:PutObject': [thumbnails()], 's3:DeleteObject': [thumbnails()] });
    expect(grants(fn, 'sqs')['sqs:SendMessage']).toBeUndefined();
  });

  it('dead letters: reads and writes files, deletes only thumbnails, consumes only the two DLQs', () => {
    const { processing } = synthesized.stack;
    const fn = processing.deadLettersFunction;
    expect(grants(fn, 'dynamodb')).toEqual(onTable([...readActions, ...updateActions]));
    expect(grants(fn, 's3')).toEqual({ 's3:DeleteObject': [thumbnails()], ...listsThumbnails() });
    expectListsOnlyThumbnails(fn);
    const deadLetterQueues = [processing.metadataQueue, processing.thumbnailsQueue]
      .map((queue) => `<${logicalId(synthesized.stack, queue.deadLetterQueue?.queue as typeof queue)}.Arn>`)
      .sort();
    const sqs = grants(fn, 'sqs');
    expect(sqs['sqs:SendMessage']).toBeUndefined();
    expect(sqs).toEqual(Object.fromEntries(consumeActions.map((a) => [a, deadLetterQueues])));
  });

  it('reconciler: finds stuck files on the index, reads and updates them, sends only to the metadata queue, touches no object', () => {
    const fn = synthesized.stack.processing.reconcilerFunction;
    expect(grants(fn, 'dynamodb')).toEqual(onTable([...readActions, ...updateActions], [index()]));
    expect(grants(fn, 's3')).toEqual({});
    expect(grants(fn, 'sqs')).toEqual({ 'sqs:SendMessage': [`<${logicalId(synthesized.stack, synthesized.stack.processing.metadataQueue)}.Arn>`] });
  });
});

describe('every Fileport role', () => {
  const all = () => {
    const { api, processing } = synthesized.stack;
    return [...Object.values(api.functions), processing.metadataFunction, processing.thumbnailsFunction, processing.deadLettersFunction, processing.reconcilerFunction];
  };

  it('has no wildcard actions and no `*` resources', () => {
    for (const fn of all()) {
      for (const p of permissions(fn)) {
        const finding = { fn: fn.node.path, ...p, wildAction: p.action.includes('*'), anyResource: p.resource === '*' };
        expect(finding).toMatchObject({ wildAction: false, anyResource: false });
      }
    }
  });

  it('writes logs to its own log group only', () => {
    for (const fn of all()) {
      const logs = permissions(fn).filter((p) => p.action.startsWith('logs:'));
      const own = `<${logicalId(synthesized.stack, fn.logGroup)}.Arn>`;
      expect(logs.map((p) => p.action).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      expect(new Set(logs.map((p) => p.resource))).toEqual(new Set([own]));
    }
  });
});

describe('the multipart upload id secret', () => {
  const everyFunction = () => {
    const { api, processing } = synthesized.stack;
    return [...Object.values(api.functions), processing.metadataFunction, processing.thumbnailsFunction, processing.deadLettersFunction, processing.reconcilerFunction];
  };
  const secret = () => {
    const secrets = Object.entries(synthesized.template.findResources('AWS::SecretsManager::Secret'));
    expect(secrets).toHaveLength(1);
    return secrets[0] as [string, { Properties: Record<string, unknown> }];
  };
  const environmentOf = (fn: FileportFunction): Record<string, unknown> =>
    synthesized.template.toJSON().Resources[logicalId(synthesized.stack, fn)].Properties.Environment?.Variables ?? {};

  it('is generated by Secrets Manager at deploy time: 64 letters and digits, no value in the template', () => {
    const [, { Properties }] = secret();
    expect(Properties.GenerateSecretString).toMatchObject({ PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false });
    expect(Properties.SecretString).toBeUndefined();
  });

  it('is named to the functions that upload (uploads, upload links) by its ARN, which only they may read, and only its value', () => {
    const [logical] = secret();
    const { uploads, links } = synthesized.stack.api.functions;
    for (const fn of [uploads, links]) {
      expect(environmentOf(fn).FILEPORT_UPLOAD_ID_SECRET_ARN).toEqual({ Ref: logical });
      expect(grants(fn, 'secretsmanager')).toEqual({ 'secretsmanager:GetSecretValue': [`<${logical}>`] });
    }
    for (const fn of everyFunction().filter((f) => f !== uploads && f !== links)) {
      expect({ fn: fn.node.path, grants: grants(fn, 'secretsmanager'), env: environmentOf(fn).FILEPORT_UPLOAD_ID_SECRET_ARN }).toEqual({ fn: fn.node.path, grants: {}, env: undefined });
    }
  });
});
