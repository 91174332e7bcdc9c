import { Api, eventually, expectError } from './support/api';
import { makePdf, useStack } from './support/local-stack';
import { EmulatorS3 } from './support/s3';

jest.setTimeout(120_000);

// Files without content live 3 s here, and the local stand-in for DynamoDB's TTL sweeps every second.
const local = useStack({ FILEPORT_PENDING_FILE_TTL_SECONDS: '3', FILEPORT_LOCAL_TTL_SWEEP_INTERVAL_SECONDS: '1' });
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
    expect(Date.parse(created.body.expiresAt) - Date.parse(created.body.createdAt)).toBe(3000);
    const kept = await api.upload({ name: 'Kept.pdf', fileTypeId: 'pdf', tags: [tag] }, await makePdf(1));
    // An upload URL taken while the file still existed, used after it expired.
    const lateGrant = (await api.call('PUT', `/v1/files/${abandoned}/upload`)).body;
    expect(await api.settled(kept)).toMatchObject({ status: 'ready', expiresAt: null });

    const listed = (await api.call('GET', `/v1/files?tag=${tag}`)).body.items.map((f: { id: string }) => f.id);
    expect(listed.sort()).toEqual([abandoned, kept].sort());

    await new Promise((resolve) => setTimeout(resolve, 3200));
    expectError(await api.call('GET', `/v1/files/${abandoned}`), 404, 'FILE_NOT_FOUND');
    expect((await api.call('GET', `/v1/files?tag=${tag}`)).body.items.map((f: { id: string }) => f.id)).toEqual([kept]);
    expect((await api.call('GET', '/v1/files')).body.items.map((f: { id: string }) => f.id)).not.toContain(abandoned);
    expectError(await api.call('PUT', `/v1/files/${abandoned}/upload`), 404, 'FILE_NOT_FOUND');
    expect(await api.call('GET', `/v1/files/${kept}`)).toMatchObject({ status: 200, body: { status: 'ready' } });

    // The sweeper deleted its items from DynamoDB Local (the file and its tag index item), as TTL does deployed.
    const swept = await eventually(async () => (await api.call('GET', '/_dev/ttl', { token: null })).body, (stats) => stats.deleted >= 2);
    expect(swept.deleted).toBeGreaterThanOrEqual(2);

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
