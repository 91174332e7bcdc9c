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
});
