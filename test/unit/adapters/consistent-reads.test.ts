import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { consistentRead, readItems } from '../../../lambdas/adapters/consistent-reads';
import { DynamoFileRepository } from '../../../lambdas/adapters/dynamo-file-repository';
import { DynamoSettingsRepository } from '../../../lambdas/adapters/dynamo-settings-repository';
import { tableSchema } from '../../../lambdas/adapters/table-schema';
import { createUploadUrl } from '../../../lambdas/domain/transfer/uploads';
import { settingsDefaults, tenantSettings } from '../../../lambdas/domain/settings/tenant-settings';
import type { FileRecord } from '../../../lambdas/domain/model';
import { MemoryAuditLog, MemoryObjects, MemoryTelemetry } from '../support/memory';
import { writer } from '../support/grants';
import { RecordingDynamo } from '../support/recording-dynamo';
import { defaultFileTypes } from '../support/file-types';

const { partitionKey: PK, sortKey: SK } = tableSchema;
const TABLE = 'files';
const key = (pk: string) => ({ [PK]: pk, [SK]: 'S' });

const file: FileRecord = {
  id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  tenantId: writer.tenantId,
  name: 'Lease.pdf',
  fileTypeId: 'pdf',
  tags: [],
  externalId: null,
  links: [],
  status: 'pending',
  size: null,
  pageCount: null,
  thumbnails: [],
  createdBy: writer.userId,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  uploadedAt: null,
  version: 1,
  error: null,
  detectedMimeType: null,
  contentKey: null,
  checksumSha256: null,
  versions: [],
  expiresAt: null,
  accessControl: 'private',
} as unknown as FileRecord;

describe('consistentRead', () => {
  it('sends reads started together as one strongly consistent BatchGetItem, and each gets its own item', async () => {
    const dynamo = new RecordingDynamo();
    dynamo.items.set(`A\u0000S`, { ...key('A'), n: 1 });
    dynamo.items.set(`B\u0000S`, { ...key('B'), n: 2 });
    const [a, b, missing] = await Promise.all([consistentRead(dynamo.client, TABLE, key('A')), consistentRead(dynamo.client, TABLE, key('B')), consistentRead(dynamo.client, TABLE, key('C'))]);
    expect([a?.n, b?.n, missing]).toEqual([1, 2, undefined]);
    expect(dynamo.take()).toEqual([{ command: 'BatchGetCommand', input: { RequestItems: { [TABLE]: { Keys: [key('A'), key('B'), key('C')], ConsistentRead: true } } } }]);
  });

  it('sends a read alone as one consistent GetItem, and reads one after another as separate requests', async () => {
    const dynamo = new RecordingDynamo();
    dynamo.items.set(`A\u0000S`, { ...key('A'), n: 1 });
    expect((await consistentRead(dynamo.client, TABLE, key('A')))?.n).toBe(1);
    expect(await consistentRead(dynamo.client, TABLE, key('B'))).toBeUndefined();
    expect(dynamo.take()).toEqual([
      { command: 'GetCommand', input: { TableName: TABLE, Key: key('A'), ConsistentRead: true } },
      { command: 'GetCommand', input: { TableName: TABLE, Key: key('B'), ConsistentRead: true } },
    ]);
  });

  it('names a key read twice at once only once (BatchGetItem refuses duplicates), and answers both', async () => {
    const dynamo = new RecordingDynamo();
    dynamo.items.set(`A\u0000S`, { ...key('A'), n: 1 });
    const answers = await Promise.all([consistentRead(dynamo.client, TABLE, key('A')), consistentRead(dynamo.client, TABLE, key('A'))]);
    expect(answers.map((item) => item?.n)).toEqual([1, 1]);
    expect(dynamo.take()[0]?.input.RequestItems[TABLE].Keys).toEqual([key('A')]);
  });

  it('fails every read of a batch when the request fails', async () => {
    const failing = { send: async () => Promise.reject(new Error('throttled')) } as unknown as DynamoDBDocumentClient;
    const reads = [consistentRead(failing, TABLE, key('A')), consistentRead(failing, TABLE, key('B'))];
    for (const read of reads) await expect(read).rejects.toThrow('throttled');
  });
});

describe('readItems', () => {
  it('asks again for the keys DynamoDB left unprocessed, and splits past 100 keys', async () => {
    const requests: Record<string, unknown>[][] = [];
    const db = {
      send: async (command: { input: { RequestItems: Record<string, { Keys: Record<string, unknown>[] }> } }) => {
        const keys = command.input.RequestItems[TABLE]!.Keys;
        requests.push(keys);
        // The first request of each chunk leaves its last key unprocessed.
        const first = requests.filter((r) => r[0] === keys[0]).length === 1 && keys.length > 1;
        const done = first ? keys.slice(0, -1) : keys;
        return { Responses: { [TABLE]: done }, UnprocessedKeys: first ? { [TABLE]: { Keys: keys.slice(-1) } } : {} };
      },
    } as unknown as DynamoDBDocumentClient;
    const keys = Array.from({ length: 150 }, (_, i) => key(`K${i}`));
    const found = await readItems(db, TABLE, keys);
    expect(found.size).toBe(150);
    expect(requests.map((r) => r.length)).toEqual([100, 1, 50, 1]);
  });
});

describe('a grant', () => {
  it('reads the file and its tenant\'s settings in one round trip', async () => {
    const dynamo = new RecordingDynamo();
    const files = new DynamoFileRepository(dynamo.client, TABLE);
    const settings = new DynamoSettingsRepository(dynamo.client, TABLE);
    await files.create(file);
    await settings.put(writer.tenantId, { ...settingsDefaults({ uploadUrlTtlSeconds: 900, downloadUrlTtlSeconds: 300, sizeLimits: undefined as never }, writer.tenantId), uploadUrlTtlSeconds: 77 }, { updatedAt: new Date(), updatedBy: 'admin' });
    dynamo.take();
    const now = new Date('2026-01-01T00:00:00Z');
    const deps = { files, settings, objects: new MemoryObjects(() => now), auditLog: new MemoryAuditLog(), telemetry: new MemoryTelemetry(), fileTypes: defaultFileTypes, now: () => now };

    // As the upload URL handler asks: the terms still on their way while the domain reads the file.
    const terms = tenantSettings(deps, writer.tenantId, settingsDefaults({ uploadUrlTtlSeconds: 900, downloadUrlTtlSeconds: 300, sizeLimits: undefined as never }, writer.tenantId)).then((s) => ({
      expiresIn: s.uploadUrlTtlSeconds,
    }));
    const grant = await createUploadUrl(deps, writer, file.id, terms);

    expect(grant.expiresAt).toBe('2026-01-01T00:01:17.000Z');
    expect(dynamo.take().map((c) => c.command)).toEqual(['BatchGetCommand']);
  });
});
