import { eventually } from './support/api';
import { makePdf, useStack } from './support/local-stack';

jest.setTimeout(120_000);

const local = useStack();

async function uploadVersion(id: string, pages: number): Promise<string> {
  const api = local.api();
  const grant = await api.call('PUT', `/v1/files/${id}/upload`);
  const put = await fetch(grant.body.url, { method: 'PUT', headers: grant.body.headers, body: await makePdf(pages) });
  expect(put.status).toBe(200);
  return new URL(grant.body.url).pathname.split('/').slice(2).join('/');
}

describe('S3 events delivered twice or out of order', () => {
  it('leave the metadata of the newest content in place', async () => {
    const api = local.api();
    const created = await api.call('POST', '/v1/files', { body: { name: 'versions.pdf', fileTypeId: 'pdf' } });
    const id: string = created.body.id;
    const key = await uploadVersion(id, 2);
    expect((await api.settled(id)).pageCount).toBe(2);
    await uploadVersion(id, 5);
    const newest = await eventually(() => api.settled(id), (f) => f.pageCount === 5);
    expect(newest).toMatchObject({ status: 'ready', pageCount: 5 });

    const events = await api.call('GET', `/_dev/s3-events?key=${encodeURIComponent(key)}`, { token: null });
    expect(events.body.items).toHaveLength(2);
    const [older, newer] = events.body.items;
    expect(newer.s3.object.sequencer > older.s3.object.sequencer).toBe(true);

    // The old upload's event after the new one's, then the new one's again.
    for (const record of [older, newer, older]) {
      expect((await api.call('POST', '/_dev/s3-events', { token: null, body: record })).status).toBe(202);
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = (await api.call('GET', `/v1/files/${id}`)).body;
    expect(after).toEqual(newest);
  });
});
