import sharp from 'sharp';
import { Api, expectError } from './support/api';
import { useStack } from './support/local-stack';
import { knownContentPdf, meanColour, pageSizePdf } from '../support/preview-pdfs';

jest.setTimeout(120_000);

const local = useStack();
let api: Api;
beforeAll(() => {
  api = local.api();
});

describe('PDF previews', () => {
  it('renders the first page of an uploaded PDF as its small and medium WebP thumbnails', async () => {
    // Page 1: left half black, right half white with a red square near the top; page 2 all blue.
    const pdf = await knownContentPdf(3);
    const id = await api.upload({ name: 'Known content.pdf', fileTypeId: 'pdf' }, pdf);
    const file = await api.settled(id);
    expect(file).toMatchObject({
      status: 'ready',
      pageCount: 3,
      error: null,
      unavailable: {},
      thumbnails: [
        { size: 'small', width: 181, height: 256 },
        { size: 'medium', width: 723, height: 1024 },
      ],
    });
    for (const [size, width, height] of [['small', 181, 256], ['medium', 723, 1024]] as const) {
      const thumb = await api.call('GET', `/v1/files/${id}/thumbnails/${size}`);
      expect(thumb.status).toBe(200);
      expect(thumb.body).toMatchObject({ width, height });
      const got = await fetch(thumb.body.url);
      expect(got.headers.get('content-type')).toBe('image/webp');
      const webp = Buffer.from(await got.arrayBuffer());
      expect(await sharp(webp).metadata()).toMatchObject({ format: 'webp', width, height });
      expect({
        black: await meanColour(webp, { left: 0.05, top: 0.05, width: 0.4, height: 0.9 }),
        white: await meanColour(webp, { left: 0.55, top: 0.4, width: 0.4, height: 0.55 }),
        red: await meanColour(webp, { left: 0.63, top: 0.08, width: 0.24, height: 0.14 }),
      }).toEqual({ black: [0, 0, 0], white: [256, 256, 256], red: [256, 0, 0] });
    }
  });

  it('keeps a PDF whose page cannot be rendered ready, without thumbnails, saying why', async () => {
    const id = await api.upload({ name: 'Huge page.pdf', fileTypeId: 'pdf' }, await pageSizePdf(1e6, 1e6));
    const file = await api.settled(id);
    expect(file).toMatchObject({
      status: 'ready',
      pageCount: 1,
      error: null,
      thumbnails: [],
      unavailable: { thumbnails: { code: 'PAGE_TOO_LARGE', message: expect.stringContaining('1000000×1000000') } },
    });
    const versions = await api.call('GET', `/v1/files/${id}/versions`);
    expect(versions.body.items).toEqual([expect.objectContaining({ status: 'ready', pageCount: 1, unavailable: { thumbnails: expect.objectContaining({ code: 'PAGE_TOO_LARGE' }) } })]);
    expectError(await api.call('GET', `/v1/files/${id}/thumbnails/small`), 404, 'NO_THUMBNAIL');
    // The document itself is served as any ready PDF is.
    expect((await api.call('GET', `/v1/files/${id}/download`)).status).toBe(200);
  });
});
