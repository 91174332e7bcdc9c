import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetBucketCorsCommand, GetBucketLocationCommand, S3Client } from '@aws-sdk/client-s3';
import { s3Error } from './support/s3';
import { startDynamoDb } from '../../local/emulators/dynamodb';
import { startS3 } from '../../local/emulators/s3';
import { bucketCorsRule } from '../../local/bucket-cors';
import { ensureStorage } from '../../local/provision';

/**
 * What `npm start` makes on LocalStack before its queues (local/localstack.ts → ensureStorage),
 * run with the same clients and options against the embedded emulators, in a region other than
 * us-east-1: there S3 wants the region named as the new bucket's LocationConstraint, and the
 * patched s3rver refuses a CreateBucket without it and answers GetBucketLocation as S3 does.
 */
jest.setTimeout(60_000);

const REGION = 'eu-west-1';
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
let s3: Awaited<ReturnType<typeof startS3>>;
let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
let s3Client: S3Client;
let db: DynamoDBClient;

beforeAll(async () => {
  s3 = await startS3({ port: 0, directory: null, bucket: 'unrelated', corsOrigins: ['http://localhost:3000'] });
  dynamo = await startDynamoDb({ port: 0, directory: null });
  // As connectLocalStack makes them: path-style S3, region from the environment (here given).
  s3Client = new S3Client({ endpoint: s3.endpoint, region: REGION, forcePathStyle: true, credentials });
  db = new DynamoDBClient({ endpoint: dynamo.endpoint, region: REGION, credentials });
});
afterAll(async () => {
  s3Client?.destroy();
  db?.destroy();
  await Promise.all([s3?.stop(), dynamo?.stop()]);
});


describe('provisioning for npm start on LocalStack, outside us-east-1', () => {
  it('runs on an emulator that, as S3, refuses a bucket created in eu-west-1 without naming eu-west-1, and one in us-east-1 that names it', async () => {
    // The SDK names the client's region itself (locationConstraintMiddleware); taking the
    // constraint out again after it sends what a client without that step would.
    const bare = new S3Client({ endpoint: s3.endpoint, region: REGION, forcePathStyle: true, credentials });
    bare.middlewareStack.add(
      (next) => async (args) => {
        delete (args.input as { CreateBucketConfiguration?: unknown }).CreateBucketConfiguration;
        return next(args);
      },
      { step: 'serialize', priority: 'high' },
    );
    expect(await s3Error(bare.send(new CreateBucketCommand({ Bucket: 'no-constraint' })))).toEqual({ name: 'IllegalLocationConstraintException', status: 400 });
    bare.destroy();
    const usEast = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    expect(await s3Error(usEast.send(new CreateBucketCommand({ Bucket: 'us-named', CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as never } })))).toEqual({
      name: 'InvalidLocationConstraint',
      status: 400,
    });
    await usEast.send(new CreateBucketCommand({ Bucket: 'us-plain' }));
    expect((await usEast.send(new GetBucketLocationCommand({ Bucket: 'us-plain' }))).LocationConstraint).toBeUndefined();
    usEast.destroy();
  });

  it('creates the bucket in the clients\' region with its CORS rule, and the table as deployed; a second run changes nothing', async () => {
    const options = { bucket: 'fileport-local', table: 'fileport-local', corsOrigins: ['http://localhost:3000'] };
    await ensureStorage({ s3: s3Client, db }, options);
    await ensureStorage({ s3: s3Client, db }, options);

    expect((await s3Client.send(new GetBucketLocationCommand({ Bucket: 'fileport-local' }))).LocationConstraint).toBe(REGION);
    expect((await s3Client.send(new GetBucketCorsCommand({ Bucket: 'fileport-local' }))).CORSRules).toEqual([bucketCorsRule(['http://localhost:3000'])]);
    const { Table } = await db.send(new DescribeTableCommand({ TableName: 'fileport-local' }));
    expect({ status: Table?.TableStatus, keys: Table?.KeySchema, index: Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName) }).toEqual({
      status: 'ACTIVE',
      keys: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      index: ['gsi1'],
    });
    const { TimeToLiveDescription } = await db.send(new DescribeTimeToLiveCommand({ TableName: 'fileport-local' }));
    expect(TimeToLiveDescription).toMatchObject({ AttributeName: 'ttl', TimeToLiveStatus: 'ENABLED' });
  });
});
