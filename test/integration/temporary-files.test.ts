import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { tableSchema } from '../../lambdas/adapters/table-schema';
import { Api, eventually, expectError } from './support/api';
import { makePdf, useStack } from './support/local-stack';
import { EmulatorS3 } from './support/s3';

jest.setTimeout(120_000);

// Files without content live 10 s here: long enough for a busy CI machine to upload and process
// the file that keeps its content.
const local = useStack({ FILEPORT_PENDING_FILE_TTL_SECONDS: '10' });
let api: Api;
beforeAll(() => {
  api = local.api();
});

describe('temporary files', () => {
  it('are gone once their lifetime passed without content; a file whose content arrived in time stays', async () => {
    const tag = 'temporary-test';
    const created = await api.call('POST', '/v1/files', { body: { name: 'Abandoned.pdf', fileTypeId: 'pdf', tags: [tag] } });
    expect(created.status).toBe(201);
    const abandoned: string = created.body.id;
    expect(Date.parse(created.body.expiresAt) - Date.parse(created.body.createdAt)).toBe(10_000);
    const kept = await api.upload({ name: 'Kept.pdf', fileTypeId: 'pdf', tags: [tag] }, await makePdf(1));
    // An upload URL taken while the file still existed, used after it expired.
    const lateGrant = (await api.call('PUT', `/v1/files/${abandoned}/upload`)).body;
    const listed = (await api.call('GET', `/v1/files?tag=${tag}`)).body.items.map((f: { id: string }) => f.id);
    expect(listed.sort()).toEqual([abandoned, kept].sort());
    expect(await api.settled(kept)).toMatchObject({ status: 'ready', expiresAt: null });

    await new Promise((resolve) => setTimeout(resolve, Date.parse(created.body.expiresAt) - Date.now() + 200));
    expectError(await api.call('GET', `/v1/files/${abandoned}`), 404, 'FILE_NOT_FOUND');
    expect((await api.call('GET', `/v1/files?tag=${tag}`)).body.items.map((f: { id: string }) => f.id)).toEqual([kept]);
    expect((await api.call('GET', '/v1/files')).body.items.map((f: { id: string }) => f.id)).not.toContain(abandoned);
    expectError(await api.call('PUT', `/v1/files/${abandoned}/upload`), 404, 'FILE_NOT_FOUND');
    expect(await api.call('GET', `/v1/files/${kept}`)).toMatchObject({ status: 200, body: { status: 'ready' } });

    // Every item of the file (the file and its index items) carries the TTL attribute, so the table's
    // TTL deletes them all: DynamoDB Local runs TTL deletion itself, in batches some seconds apart.
    const db = new DynamoDBClient({ endpoint: local.stack().dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    try {
      const itemsOf = async (fileId: string) =>
        (await db.send(new QueryCommand({ TableName: 'fileport-local', KeyConditionExpression: `${tableSchema.partitionKey} = :pk`, ExpressionAttributeValues: { ':pk': { S: `FILE#${fileId}` } } }))).Items ?? [];
      expect((await itemsOf(kept)).length).toBeGreaterThan(1);
      expect(await eventually(() => itemsOf(abandoned), (items) => items.length === 0)).toEqual([]);
      expect((await itemsOf(kept)).length).toBeGreaterThan(1);
    } finally {
      db.destroy();
    }

    // Content that arrives for a file that is gone is not kept.
    expect((await fetch(lateGrant.url, { method: 'PUT', headers: lateGrant.headers, body: await makePdf(1) })).status).toBe(200);
    const s3 = new EmulatorS3(local.stack().s3Endpoint);
    try {
      expect(await eventually(() => s3.exists(lateGrant.url), (exists) => !exists)).toBe(false);
    } finally {
      s3.close();
    }
  });
});
