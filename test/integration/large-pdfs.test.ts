import { Readable } from 'node:stream';
import { MAX_COUNTED_PDF_BYTES } from '../../lambdas/domain/processing/metadata-processing';
import { bigPdf, type BigPdfOptions } from '../support/big-pdf';
import { Api } from './support/api';
import { useStack } from './support/local-stack';

jest.setTimeout(300_000);

const local = useStack();
let api: Api;
beforeAll(() => {
  api = local.api();
});

/** Uploads a PDF generated as it streams (never held whole) through a presigned PUT, as an app would. */
async function uploadStreamed(name: string, options: BigPdfOptions): Promise<{ id: string; size: number }> {
  const pdf = bigPdf(options);
  const id = await api.create({ name, fileTypeId: 'pdf' });
  const grant = await api.call('PUT', `/v1/files/${id}/upload`, { body: { size: pdf.size } });
  expect(grant.status).toBe(200);
  const body = Readable.toWeb(Readable.from(pdf.stream(8 * 1024 * 1024))) as ReadableStream<Uint8Array>;
  // The URL is signed for this length: a streamed body says it rather than going chunked.
  const headers = { ...grant.body.headers, 'Content-Length': String(pdf.size) };
  const put = await fetch(grant.body.url, { method: 'PUT', headers, body, duplex: 'half' } as RequestInit);
  expect({ status: put.status, error: put.status === 200 ? undefined : await put.text() }).toEqual({ status: 200 });
  return { id, size: pdf.size };
}

describe('page counts of PDFs too large to load whole', () => {
  it.each([
    ['cross-reference streams, the page tree in an object stream', { xref: 'stream', objectStream: true, predictor: true, pages: 17 }],
    ['a classic cross-reference table and an incremental update', { xref: 'table', pages: 5, addedPages: 6 }],
  ] as const)('counts a PDF over 512 MB written with %s, read through ranges', async (_name, kind) => {
    const { id, size } = await uploadStreamed('large.pdf', { ...kind, filler: MAX_COUNTED_PDF_BYTES + 8 * 1024 * 1024 });
    expect(size).toBeGreaterThan(MAX_COUNTED_PDF_BYTES);
    const pages = kind.pages + ('addedPages' in kind ? kind.addedPages : 0);
    const file = await api.settled(id, 240_000);
    expect(file).toMatchObject({ status: 'ready', size, pageCount: pages, unavailable: {}, error: null });
    expect((await api.call('DELETE', `/v1/files/${id}`)).status).toBe(204);
  });
});
