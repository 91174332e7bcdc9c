import sharp from 'sharp';
import { createFile, deleteFile, loadOwnFile } from '../../../../lambdas/domain/files/files';
import { processUploadedObject } from '../../../../lambdas/domain/processing/metadata-processing';
import { processThumbnails } from '../../../../lambdas/domain/processing/thumbnail-processing';
import { currentVersion } from '../../../../lambdas/domain/model';
import { DEFAULT_RENDITIONS, renditionKey, renditionName, type RenditionSpec } from '../../../../lambdas/domain/transfer/rendition-spec';
import { grantRendition } from '../../../../lambdas/domain/transfer/renditions';
import { overwriter, setup, uploadThroughGrant, writer, type TestDeps } from '../../support/grants';

jest.setTimeout(30_000);

const options = { allowlist: DEFAULT_RENDITIONS, expiresIn: 60, actor: { type: 'user', id: 'u' } as const };

const spec: RenditionSpec = { width: 256, height: 256, fit: 'cover', format: 'webp' };

/** Where the file's record says the rendition of `spec` is. */
const recorded = async (deps: TestDeps, id: string) => (await deps.files.get(id))!.renditions?.[renditionName(spec)];

/** A 400×200 JPEG stored rotated (EXIF orientation 6: shown 200×400), with EXIF to strip. */
const photo = () =>
  sharp({ create: { width: 400, height: 200, channels: 3, background: '#c33' } })
    .jpeg()
    .withMetadata({ orientation: 6, exif: { IFD0: { Copyright: 'secret camera' } } })
    .toBuffer();

/** A ready JPEG file, processed through both steps as the pipeline does. */
async function readyImage(deps: TestDeps, sequencer = '0A', file?: { id: string }) {
  const created = file ?? (await createFile(deps, writer, { name: 'photo.jpg', fileTypeId: 'jpeg' }));
  const event = await uploadThroughGrant(deps, file ? overwriter : writer, created, await photo(), sequencer);
  expect(await processUploadedObject(deps, event)).toBe('thumbnails-queued');
  expect(await processThumbnails(deps, deps.thumbnails.jobs.at(-1)!)).toBe('processed');
  return loadOwnFile(deps, writer, created.id);
}

describe('grantRendition', () => {
  it('makes a rendition once, oriented and without metadata, then serves it from the store', async () => {
    const { deps } = setup();
    const file = await readyImage(deps);
    const first = await grantRendition(deps, file, spec, options);
    const key = renditionKey(currentVersion(file)!, spec);
    expect(key).toMatch(/^thumbnails\/[0-9a-f]+\/[0-9a-f]+\/0A\/renditions\/256x256-cover\.webp$/);
    expect(first).toMatchObject({ width: 256, height: 256, fit: 'cover', format: 'webp', version: 1 });
    expect(deps.telemetry.of('renditionMade')).toHaveLength(1);
    const made = await sharp(deps.objects.objects.get(key)!.body).metadata();
    expect(made).toMatchObject({ format: 'webp', width: 256, height: 256 });
    expect(made.exif).toBeUndefined();

    // Served as recorded: nothing asked of the store but the signature.
    const storeCalls = (['read', 'readHead', 'readRange', 'put', 'delete', 'deleteUnder'] as const).map((method) => jest.spyOn(deps.objects, method));
    // As a later request reads it: with the rendition recorded, and as it was otherwise.
    const reread = await loadOwnFile(deps, writer, file.id);
    expect({ ...reread, renditions: undefined }).toEqual({ ...file, renditions: undefined });
    expect(reread.renditions).toEqual({ '256x256-cover.webp': key });
    const second = await grantRendition(deps, reread, spec, options);
    expect(second.url).toContain(key);
    expect(deps.telemetry.of('renditionMade')).toHaveLength(1);
    for (const call of storeCalls) expect(call).not.toHaveBeenCalled();

    // Orientation applied: a tall box with `inside` gets the shown (portrait) shape.
    const tall = { width: 100, height: 400, fit: 'inside', format: 'jpeg' } as const;
    await grantRendition(deps, file, tall, { ...options, allowlist: { ...DEFAULT_RENDITIONS, sizes: [{ width: 100, height: 400 }] } });
    expect(await sharp(deps.objects.objects.get(renditionKey(currentVersion(file)!, tall))!.body).metadata()).toMatchObject({ format: 'jpeg', width: 100, height: 200 });
  });

  it('refuses what the allowlist does not list, naming each part', async () => {
    const { deps } = setup();
    const file = await readyImage(deps);
    await expect(grantRendition(deps, file, { width: 300, height: 300, fit: 'fill', format: 'avif' }, { ...options, allowlist: { ...DEFAULT_RENDITIONS, formats: ['webp'] } })).rejects.toMatchObject({
      status: 400,
      code: 'RENDITION_NOT_ALLOWED',
      message: expect.stringMatching(/^Size 300x300, fit fill, format avif is not in .* it allows sizes 256x256, 512x512, 1024x1024, 2048x2048; fits cover, contain, inside; formats webp\.$/),
    });
    expect(deps.telemetry.of('renditionMade')).toHaveLength(0);
  });

  it('makes none of a type without thumbnails, nor of content still processing', async () => {
    const { deps } = setup();
    const pdf = await createFile(deps, writer, { name: 'a.pdf', fileTypeId: 'pdf' });
    await expect(grantRendition(deps, pdf, spec, options)).rejects.toMatchObject({ code: 'NO_RENDITION', status: 404 });
    const jpeg = await createFile(deps, writer, { name: 'b.jpg', fileTypeId: 'jpeg' });
    await processUploadedObject(deps, await uploadThroughGrant(deps, writer, jpeg, await photo(), '0A'));
    await expect(grantRendition(deps, await loadOwnFile(deps, writer, jpeg.id), spec, options)).rejects.toMatchObject({ code: 'RENDITION_NOT_READY', status: 409 });
  });

  it('deletes renditions with the file, and those of content a new version replaces', async () => {
    const { deps } = setup();
    const file = await readyImage(deps);
    await grantRendition(deps, file, spec, options);
    const old = renditionKey(currentVersion(file)!, spec);
    expect(deps.objects.objects.has(old)).toBe(true);

    const replaced = await readyImage(deps, '0B', file);
    expect(replaced.versions).toHaveLength(2);
    expect(deps.objects.objects.has(old)).toBe(false);

    await grantRendition(deps, replaced, spec, options);
    const current = renditionKey(currentVersion(replaced)!, spec);
    expect(deps.objects.objects.has(current)).toBe(true);
    await deleteFile({ ...deps }, writer, file.id);
    expect([...deps.objects.objects.keys()]).toEqual([]);
  });

  it('makes a rendition again for new content, though one of the old content is recorded', async () => {
    const { deps } = setup();
    const file = await readyImage(deps);
    await grantRendition(deps, file, spec, options);
    const replaced = await readyImage(deps, '0B', file);
    expect(await recorded(deps, file.id)).toBe(renditionKey(currentVersion(file)!, spec));
    const made = await grantRendition(deps, replaced, spec, options);
    expect(deps.telemetry.of('renditionMade')).toHaveLength(2);
    expect(made.url).toContain(renditionKey(currentVersion(replaced)!, spec));
    expect(deps.objects.objects.has(renditionKey(currentVersion(replaced)!, spec))).toBe(true);
    expect(await recorded(deps, file.id)).toBe(renditionKey(currentVersion(replaced)!, spec));
  });

  it('records a rendition made while another write changed the file but not its content', async () => {
    const { deps } = setup();
    const file = await readyImage(deps);
    const put = deps.objects.put.bind(deps.objects);
    deps.objects.put = async (key, body, type, ...rest) => {
      await put(key, body, type, ...rest);
      const now = (await deps.files.get(file.id))!;
      await deps.files.update(now, { tags: ['renamed-meanwhile'] }, new Date());
    };
    await grantRendition(deps, file, spec, options);
    const key = renditionKey(currentVersion(file)!, spec);
    expect(await recorded(deps, file.id)).toBe(key);
    expect(deps.objects.objects.has(key)).toBe(true);
  });

  it('deletes a rendition made for content replaced while it was made', async () => {
    const { deps } = setup();
    const file = await readyImage(deps);
    // The replacement (and the deletion of what it superseded) lands between the read of the file
    // and the rendition's put: only the rendition's own check after the put can find it.
    const put = deps.objects.put.bind(deps.objects);
    let replacedMeanwhile = false;
    deps.objects.put = async (key, body, type, ...rest) => {
      if (key.includes('/renditions/') && !replacedMeanwhile) {
        replacedMeanwhile = true;
        await readyImage(deps, '0B', file);
      }
      await put(key, body, type, ...rest);
    };
    await expect(grantRendition(deps, file, spec, options)).rejects.toMatchObject({ code: 'RENDITION_NOT_READY' });
    expect([...deps.objects.objects.keys()].filter((key) => key.includes('/renditions/'))).toEqual([]);
    expect(await recorded(deps, file.id)).toBeUndefined();
  });
});
