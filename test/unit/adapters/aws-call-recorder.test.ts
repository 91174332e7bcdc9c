import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { iamRequestsOf } from '../../../lambdas/adapters/aws-call-recorder';

type Recorder = typeof import('../../../lambdas/adapters/aws-call-recorder');

/** A fresh copy of the recorder module, reading FILEPORT_RECORD_AWS_CALLS as it is now. */
function loadRecorder(directory: string | undefined): Recorder {
  const previous = process.env.FILEPORT_RECORD_AWS_CALLS;
  if (directory === undefined) delete process.env.FILEPORT_RECORD_AWS_CALLS;
  else process.env.FILEPORT_RECORD_AWS_CALLS = directory;
  try {
    let recorder: Recorder | undefined;
    jest.isolateModules(() => {
      recorder = jest.requireActual<Recorder>('../../../lambdas/adapters/aws-call-recorder');
      // The sink is read on first use: use it while the variable is set.
      recorder.recordingAwsCalls();
    });
    return recorder!;
  } finally {
    if (previous === undefined) delete process.env.FILEPORT_RECORD_AWS_CALLS;
    else process.env.FILEPORT_RECORD_AWS_CALLS = previous;
  }
}

// Nothing listens on port 1: a send fails at once, after the request was built and signed.
const s3 = () =>
  new S3Client({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:1', forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });

const recorded = (directory: string) =>
  readdirSync(directory).flatMap((file) =>
    readFileSync(join(directory, file), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  );

describe('recordAwsCalls', () => {
  const directories: string[] = [];
  /** A folder for one test's recordings, removed after the tests. */
  const recordings = () => {
    const directory = mkdtempSync(join(tmpdir(), 'fileport-calls-'));
    directories.push(directory);
    return directory;
  };
  afterAll(() => directories.forEach((directory) => rmSync(directory, { recursive: true, force: true })));

  it('attaches nothing when FILEPORT_RECORD_AWS_CALLS is unset', () => {
    const recorder = loadRecorder(undefined);
    const client = recorder.recordAwsCalls(s3());
    expect(client.middlewareStack.identify().some((name) => name.includes('fileportRecordAwsCalls'))).toBe(false);
    expect(recorder.recordingAwsCalls()).toBe(false);
  });

  it("records each sent command once, as the running invocation's, and a presigned URL only as the signed request", async () => {
    const directory = recordings();
    const recorder = loadRecorder(directory);
    const client = recorder.recordAwsCalls(s3(), 'eu-west-1');
    const files = recorder.invocations();

    await files.run({ functionName: 'api:files' }, async () => {
      for (let i = 0; i < 2; i++) await expect(client.send(new GetObjectCommand({ Bucket: 'b', Key: 'content/x' }))).rejects.toThrow();
      // Signing is not sending: the presigner stops before the request is signed and sent.
      await getSignedUrl(client, new PutObjectCommand({ Bucket: 'b', Key: 'content/y' }), { expiresIn: 60 });
      recorder.recordSignedRequest(client, { operation: 'PutObject', action: 's3:PutObject', bucket: 'b', key: 'content/y', via: 'presigned-url' });
    });
    // The local stack's own work is no function's.
    await files.run({ functionName: null }, () => expect(client.send(new GetObjectCommand({ Bucket: 'b', Key: 'content/z' }))).rejects.toThrow());
    // Outside any invocation: recorded without a function, which the check refuses.
    await expect(client.send(new GetObjectCommand({ Bucket: 'b', Key: 'content/w' }))).rejects.toThrow();

    expect(recorded(directory).map((c) => [c.function, c.action, c.resource, c.via])).toEqual([
      ['api:files', 's3:GetObject', 'arn:aws:s3:::b/content/x', 'sdk'],
      ['api:files', 's3:PutObject', 'arn:aws:s3:::b/content/y', 'presigned-url'],
      [null, 's3:GetObject', 'arn:aws:s3:::b/content/w', 'sdk'],
    ]);
    expect(recorded(directory)[1]?.context).toEqual({ 'aws:SecureTransport': 'true', 's3:authType': 'REST-QUERY-STRING', 's3:signatureversion': 'AWS4-HMAC-SHA256' });
  });

  it('records a signed request only for a client it records', () => {
    const directory = recordings();
    const recorder = loadRecorder(directory);
    recorder.recordSignedRequest(s3(), { operation: 'GetObject', action: 's3:GetObject', bucket: 'b', key: 'k', via: 'presigned-url' });
    expect(recorded(directory)).toEqual([]);
  });
});

describe('iamRequestsOf', () => {
  const secure = { 'aws:SecureTransport': 'true' };
  const s3Context = { ...secure, 's3:authType': 'REST-HEADER', 's3:signatureversion': 'AWS4-HMAC-SHA256' };

  it('authorizes S3 operations as IAM does: a copy reads the source and writes the target, a batch delete deletes each key', () => {
    expect(iamRequestsOf('S3Client', 'CopyObjectCommand', { Bucket: 'b', Key: 'content/new', CopySource: 'b/content/old', MetadataDirective: 'REPLACE' }, 'eu-west-1')).toEqual([
      { service: 's3', action: 's3:GetObject', resource: 'arn:aws:s3:::b/content/old', context: s3Context, via: 'sdk', operation: 'CopyObject' },
      {
        service: 's3',
        action: 's3:PutObject',
        resource: 'arn:aws:s3:::b/content/new',
        context: { ...s3Context, 's3:x-amz-metadata-directive': 'REPLACE', 's3:x-amz-copy-source': 'b/content/old' },
        via: 'sdk',
        operation: 'CopyObject',
      },
    ]);
    expect(iamRequestsOf('S3Client', 'DeleteObjectsCommand', { Bucket: 'b', Delete: { Objects: [{ Key: 'a' }, { Key: 'c' }] } }, 'eu-west-1').map((r) => [r.action, r.resource])).toEqual([
      ['s3:DeleteObject', 'arn:aws:s3:::b/a'],
      ['s3:DeleteObject', 'arn:aws:s3:::b/c'],
    ]);
    expect(iamRequestsOf('S3Client', 'DeleteObjectCommand', { Bucket: 'b', Key: 'k', IfMatch: '"e"' }, 'eu-west-1').map((r) => [r.action, r.context['s3:if-match']])).toEqual([
      ['s3:DeleteObject', '"e"'],
      ['s3:GetObject', undefined],
    ]);
    expect(iamRequestsOf('S3Client', 'ListPartsCommand', { Bucket: 'b', Key: 'k' }, 'eu-west-1')[0]?.action).toBe('s3:ListMultipartUploadParts');
    expect(iamRequestsOf('S3Client', 'CompleteMultipartUploadCommand', { Bucket: 'b', Key: 'k', IfNoneMatch: '*' }, 'eu-west-1')[0]).toMatchObject({
      action: 's3:PutObject',
      context: { 's3:if-none-match': '*' },
    });
  });

  it('authorizes DynamoDB transactions per item, queries on their index, batches per table', () => {
    const transaction = { TransactItems: [{ Put: { TableName: 't' } }, { Update: { TableName: 't' } }, { ConditionCheck: { TableName: 't' } }] };
    expect(iamRequestsOf('DynamoDBClient', 'TransactWriteItemsCommand', transaction, 'eu-west-1').map((r) => r.action)).toEqual([
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:ConditionCheckItem',
    ]);
    expect(iamRequestsOf('DynamoDBClient', 'QueryCommand', { TableName: 't', IndexName: 'gsi1' }, 'eu-west-1')[0]?.resource).toBe('arn:aws:dynamodb:eu-west-1:000000000000:table/t/index/gsi1');
    expect(iamRequestsOf('DynamoDBClient', 'BatchGetItemCommand', { RequestItems: { t: {}, u: {} } }, 'eu-west-1').map((r) => r.resource)).toEqual([
      'arn:aws:dynamodb:eu-west-1:000000000000:table/t',
      'arn:aws:dynamodb:eu-west-1:000000000000:table/u',
    ]);
  });

  it('names an SQS queue by its URL', () => {
    expect(iamRequestsOf('SQSClient', 'SendMessageCommand', { QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/work' }, 'eu-west-1')[0]?.resource).toBe(
      'arn:aws:sqs:eu-west-1:000000000000:work',
    );
  });
});
