import sharp from 'sharp';
import { expectError } from './support/api';
import { makePdf, useStack } from './support/local-stack';

jest.setTimeout(300_000);

const local = useStack();

describe('under concurrency', () => {
  it('lets exactly one of 50 PATCHes with the same If-Match win', async () => {
    const api = local.api();
    const created = await api.call('POST', '/v1/files', { body: { name: 'race.txt', fileTypeId: 'txt' } });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => api.call('PATCH', `/v1/files/${created.body.id}`, { body: { name: `n${i}` }, headers: { 'if-match': '"1"' } })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    results.filter((r) => r.status !== 200).forEach((r) => expectError(r, 412, 'PRECONDITION_FAILED'));
    const winner = results.find((r) => r.status === 200)!.body.name;
    expect((await api.call('GET', `/v1/files/${created.body.id}`)).body).toMatchObject({ name: winner, version: 2 });
  });

  it('takes 200 parallel create → upload → process flows to ready, each with its own metadata', async () => {
    const api = local.api();
    const pdfs = await Promise.all([1, 2, 3, 4].map((pages) => makePdf(pages)));
    const png = await sharp({ create: { width: 64, height: 32, channels: 3, background: '#09f' } }).png().toBuffer();
    const flows = Array.from({ length: 200 }, (_, i) => {
      const isImage = i % 5 === 0;
      const bytes = isImage ? png : (pdfs[i % 4] as Uint8Array);
      return { i, isImage, bytes, pages: isImage ? null : (i % 4) + 1 };
    });
    const ids = await Promise.all(
      flows.map((f) => api.upload({ name: `flow-${f.i}.${f.isImage ? 'png' : 'pdf'}`, fileTypeId: f.isImage ? 'png' : 'pdf', tags: [`flow-${f.i}`] }, f.bytes)),
    );
    // Processing runs on in the background; waiting one file at a time keeps 200 long polls from
    // competing with it for the machine.
    const files = [];
    for (const id of ids) files.push(await api.settled(id));
    files.forEach((file, i) => {
      const flow = flows[i]!;
      expect(file).toMatchObject({ status: 'ready', name: `flow-${flow.i}.${flow.isImage ? 'png' : 'pdf'}`, size: flow.bytes.length, pageCount: flow.pages, tags: [`flow-${flow.i}`] });
      // Images get thumbnails, and PDFs theirs: their first page (issue 16).
      expect(file.thumbnails.map((t: { size: string }) => t.size)).toEqual(['small', 'medium']);
      expect(file.unavailable).toEqual({});
    });
  });
});
