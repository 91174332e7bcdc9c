import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Api } from './support/api';
import { startStack } from './support/local-stack';

jest.setTimeout(180_000);

describe('a persistent local stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fileport-data-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps files, content, thumbnails and issued tokens across a restart', async () => {
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#a50' } }).png().toBuffer();
    const first = await startStack({}, dataDir);
    let id: string;
    try {
      const api = new Api(first.apiUrl, first.token);
      id = await api.upload({ name: 'kept.png', fileTypeId: 'png', tags: ['kept'] }, png);
      expect(await api.settled(id)).toMatchObject({ status: 'ready', size: png.length });
    } finally {
      await first.stop();
    }

    const second = await startStack({}, dataDir);
    try {
      // The token from before the restart still works: the signing key persisted too.
      const api = new Api(second.apiUrl, first.token);
      expect((await api.call('GET', `/v1/files/${id}`)).body).toMatchObject({ name: 'kept.png', status: 'ready', thumbnails: [{ size: 'small' }, { size: 'medium' }] });
      expect((await api.call('GET', '/v1/files?tag=kept')).body.items.map((f: { id: string }) => f.id)).toEqual([id]);
      const download = await api.call('GET', `/v1/files/${id}/download`);
      expect(Buffer.from(await (await fetch(download.body.url)).arrayBuffer()).equals(png)).toBe(true);
      const thumbnail = await api.call('GET', `/v1/files/${id}/thumbnails/small`);
      expect((await fetch(thumbnail.body.url)).status).toBe(200);

      // Deleting takes the thumbnails with it.
      expect((await api.call('DELETE', `/v1/files/${id}`)).status).toBe(204);
      expect((await fetch(thumbnail.body.url)).status).toBe(404);
    } finally {
      await second.stop();
    }
  });

  it('resumes a multipart upload started before a restart: the key its id is signed with persisted too', async () => {
    const MiB = 1024 ** 2;
    const size = 5 * MiB + 100;
    const bytes = Buffer.alloc(size, 0x2a);
    bytes.set([0x50, 0x4b, 0x03, 0x04]);
    const multipartDir = mkdtempSync(join(tmpdir(), 'fileport-multipart-'));
    try {
      const first = await startStack({}, multipartDir);
      let id: string;
      let uploadId: string;
      try {
        const api = new Api(first.apiUrl, first.token);
        id = await api.create({ name: 'resumed.zip', fileTypeId: 'zip' });
        const created = await api.call('POST', `/v1/files/${id}/multipart`, { body: { size, partSize: 5 * MiB } });
        expect(created.status).toBe(201);
        uploadId = created.body.uploadId;
        expect((await fetch(created.body.parts[0].url, { method: 'PUT', body: bytes.subarray(0, 5 * MiB) })).status).toBe(200);
      } finally {
        await first.stop();
      }

      const second = await startStack({}, multipartDir);
      try {
        const api = new Api(second.apiUrl, first.token);
        const status = await api.call('GET', `/v1/files/${id}/multipart/${uploadId}`);
        expect(status.status).toBe(200);
        expect(status.body).toMatchObject({ uploadedParts: [{ partNumber: 1, size: 5 * MiB }], missingPartNumbers: [2] });
        const put = await fetch(status.body.parts[0].url, { method: 'PUT', body: bytes.subarray(5 * MiB) });
        expect(put.status).toBe(200);
        const parts = [
          { partNumber: 1, etag: status.body.uploadedParts[0].etag },
          { partNumber: 2, etag: put.headers.get('etag') as string },
        ];
        expect((await api.call('POST', `/v1/files/${id}/multipart/${uploadId}/complete`, { body: { parts } })).status).toBe(200);
        expect(await api.settled(id)).toMatchObject({ status: 'ready', size });
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(multipartDir, { recursive: true, force: true });
    }
  });
});
