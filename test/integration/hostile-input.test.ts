import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { tableSchema } from '../../lambdas/adapters/table-schema';
import { Api, expectError } from './support/api';
import { makePdf, useStack } from './support/local-stack';

jest.setTimeout(180_000);

/**
 * Red-team findings (issue 10) on text: strings that are not well-formed Unicode, non-Latin text at
 * its limits, tampered cursors. Each answer is a 4xx naming the problem or a success; never a 5xx,
 * and no record that breaks reading it afterwards.
 */
const local = useStack();
let api: Api;
beforeAll(() => {
  api = local.api();
});

/** A JSON body with `\udc00` (a lone low surrogate) spelled as an escape, as an attacker sends it. */
const loneSurrogateBody = (template: string) => template.replaceAll('LONE', '\\udc00');

const CJK = '漢'.repeat(128);
const ASTRAL = '𝄞'.repeat(128);

describe('text that is not well-formed Unicode', () => {
  it('is refused with a 400 naming the field wherever a body carries text, and nothing is written', async () => {
    const id = await api.create({ name: 'Target.pdf', fileTypeId: 'pdf' });
    const token = (await api.call('POST', `/v1/files/${id}/tokens`, { body: { accessLevel: 'full' } })).body.token as string;
    const before = (await api.call('GET', '/v1/files?limit=100')).body.items.length as number;
    const cases: [string, string, string][] = [
      ['POST', '/v1/files', '{"name":"xLONEy.pdf","fileTypeId":"pdf"}'],
      ['POST', '/v1/files', '{"name":"a.pdf","fileTypeId":"pdf","tags":["aLONE"]}'],
      ['POST', '/v1/files', '{"name":"a.pdf","fileTypeId":"pdf","externalId":"LONE"}'],
      ['POST', '/v1/files', '{"name":"a.pdf","fileTypeId":"pdf","links":[{"type":"order","id":"1LONE"}]}'],
      ['POST', '/v1/files', '{"name":"a.pdf","fileTypeId":"pdf","LONE":1}'],
      ['PATCH', `/v1/files/${id}`, '{"name":"xLONEy"}'],
      ['PATCH', `/v1/files/${id}`, '{"tags":["LONE"]}'],
      ['PATCH', `/v1/files/${id}`, '{"links":[{"type":"LONE","id":"1"}]}'],
      ['POST', `/v1/files/${id}/copy`, '{"name":"xLONEy"}'],
      ['PUT', '/v1/settings', '{"disableForceDownloadForMimeTypes":["image/LONE"]}'],
    ];
    for (const [method, path, body] of cases) {
      const answer = await api.call(method, path, { rawBody: loneSurrogateBody(body), headers: { 'content-type': 'application/json' } });
      expect({ method, path, body, status: answer.status, code: answer.body.error?.code }).toEqual({ method, path, body, status: 400, code: 'VALIDATION_ERROR' });
      expect(answer.body.error.message).toMatch(/well-formed Unicode/);
    }
    const shared = await api.call('PATCH', `/v1/shared/${token}`, { token: null, rawBody: loneSurrogateBody('{"name":"xLONEy"}'), headers: { 'content-type': 'application/json' } });
    expectError(shared, 400, 'VALIDATION_ERROR');

    expect((await api.call('GET', `/v1/files/${id}`)).body).toMatchObject({ name: 'Target.pdf', tags: [], links: [], version: 1 });
    expect((await api.call('GET', '/v1/files?limit=100')).body.items.length).toBe(before);
  });

  it('in a record stored before the check existed never fails a read, a list, a download or a share', async () => {
    const id = await api.upload({ name: 'Poisoned.pdf', fileTypeId: 'pdf', tags: ['poison-test'] }, await makePdf(1));
    expect((await api.settled(id)).status).toBe('ready');
    const db = new DynamoDBClient({ endpoint: local.stack().dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    try {
      // What the red team's PATCH stored: a name and a tag with a lone surrogate.
      await db.send(
        new UpdateItemCommand({
          TableName: 'fileport-local',
          Key: { [tableSchema.partitionKey]: { S: `FILE#${id}` }, [tableSchema.sortKey]: { S: 'FILE' } },
          UpdateExpression: 'SET #name = :name, #tags = :tags',
          ExpressionAttributeNames: { '#name': 'name', '#tags': 'tags' },
          ExpressionAttributeValues: { ':name': { S: 'x\udc00y.pdf' }, ':tags': { L: [{ S: 'poison-test' }, { S: 'bad\ud800' }] } },
        }),
      );
    } finally {
      db.destroy();
    }

    const file = await api.call('GET', `/v1/files/${id}`);
    expect(file.status).toBe(200);
    expect(file.body.name).toBe('x\udc00y.pdf');
    expect((await api.call('GET', '/v1/files?limit=100')).status).toBe(200);
    expect((await api.call('GET', '/v1/files?tag=poison-test')).body.items.map((f: { id: string }) => f.id)).toEqual([id]);
    expect((await api.call('GET', '/v1/files?name=x')).status).toBe(200);
    const download = await api.call('GET', `/v1/files/${id}/download?redirect=false`);
    expect(download.status).toBe(200);
    const fetched = await fetch(download.body.url);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-disposition')).toContain('filename*=UTF-8');
    const token = await api.call('POST', `/v1/files/${id}/tokens`, { body: { accessLevel: 'full' } });
    expect(token.status).toBe(201);
    expect((await api.call('GET', `/v1/shared/${token.body.token}`, { token: null })).status).toBe(200);
    expect((await api.call('GET', `/v1/shared/${token.body.token}/download?redirect=false`, { token: null })).status).toBe(200);
    const made = await api.call('PATCH', `/v1/files/${id}`, { body: { accessControl: 'public' } });
    expect(made.status).toBe(200);
    expect(made.body.publicUrl).toContain(`/v1/public/${id}/`);
    // The owner can repair it: a rename and new tags are written, index items and all.
    const repaired = await api.call('PATCH', `/v1/files/${id}`, { body: { name: 'Repaired.pdf', tags: ['poison-test', 'fixed'] } });
    expect(repaired.status).toBe(200);
    expect((await api.call('GET', '/v1/files?tag=fixed')).body.items.map((f: { id: string }) => f.id)).toEqual([id]);
    expect((await api.call('DELETE', `/v1/files/${id}`)).status).toBe(204);
  });
});

describe('non-Latin text at its limits', () => {
  it('takes 128-character CJK and astral tags, external ids and links, and finds files by them', async () => {
    for (const text of [CJK, ASTRAL]) {
      const created = await api.call('POST', '/v1/files', {
        body: { name: `${text.slice(0, 100)}.pdf`, fileTypeId: 'pdf', tags: [text], externalId: text, links: [{ type: text, id: text }] },
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      for (const query of [`tag=${encodeURIComponent(text)}`, `externalId=${encodeURIComponent(text)}`, `link=${encodeURIComponent(`${text}:${text}`)}`]) {
        const found = await api.call('GET', `/v1/files?${query}`);
        expect({ query: query.slice(0, 12), status: found.status, ids: found.body.items?.map((f: { id: string }) => f.id) }).toEqual({ query: query.slice(0, 12), status: 200, ids: [id] });
      }
      // A copy of a file without content is refused for that reason, not for its text.
      expectError(await api.call('POST', `/v1/files/${id}/copy`, { body: {} }), 409, 'NOT_UPLOADED');
      expect((await api.call('DELETE', `/v1/files/${id}`)).status).toBe(204);
    }
  });

  it('serves tenants and users whose ids are long non-Latin text', async () => {
    const owner = api.as(await api.tokenFor(`テナント${'漢'.repeat(124)}`, ['files:admin'], `ユーザー${'字'.repeat(124)}`));
    const created = await owner.call('POST', '/v1/files', { body: { name: 'a.pdf', fileTypeId: 'pdf', tags: [CJK], links: [{ type: CJK, id: CJK }] } });
    expect(created.status).toBe(201);
    expect((await owner.call('GET', `/v1/files?tag=${encodeURIComponent(CJK)}`)).body.items.map((f: { id: string }) => f.id)).toEqual([created.body.id]);
    expect((await owner.call('GET', `/v1/files?createdBy=${encodeURIComponent(`ユーザー${'字'.repeat(124)}`)}`)).status).toBe(200);
    expect((await owner.call('GET', '/v1/settings')).status).toBe(200);
    // Another tenant does not see it.
    expectError(await api.call('GET', `/v1/files/${created.body.id}`), 404, 'FILE_NOT_FOUND');
    expect((await owner.call('DELETE', `/v1/files/${created.body.id}`)).status).toBe(204);
  });
});

describe('tampered cursors', () => {
  it('are a 400 whatever key field is emptied, forged or overlong', async () => {
    for (let i = 0; i < 3; i++) await api.create({ name: `c${i}.pdf`, fileTypeId: 'pdf', tags: ['cursor-test'] });
    const first = await api.call('GET', '/v1/files?tag=cursor-test&limit=1');
    const cursor = JSON.parse(Buffer.from(first.body.nextCursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = [
      { ...cursor, gsi1sk: '' },
      { ...cursor, sk: '' },
      { ...cursor, pk: '' },
      // Past DynamoDB's 1,024-byte sort key, within the 2,048 characters a cursor may have.
      { ...cursor, gsi1sk: `${String(cursor.gsi1sk)}${'x'.repeat(1100)}` },
      { ...cursor, pk: 'FILE#not-a-file-id' },
      { ...cursor, sk: `IDX#${'漢'.repeat(400)}` },
      { ...cursor, gsi1sk: 7 },
      { ...cursor, gsi1sk: '\ud800' },
    ];
    for (const value of forged) {
      const answer = await api.call('GET', `/v1/files?tag=cursor-test&limit=1&cursor=${Buffer.from(JSON.stringify(value)).toString('base64url')}`);
      expect({ value, status: answer.status, code: answer.body.error?.code }).toEqual({ value, status: 400, code: 'INVALID_CURSOR' });
    }
  });
});
