import { DEFAULT_RENDITIONS } from '../../../../lambdas/domain/transfer/rendition-spec';
import { PDFDocument } from 'pdf-lib';
import { grantDownload } from '../../../../lambdas/domain/transfer/downloads';
import { mayBeInline, mimeTypeMatches } from '../../../../lambdas/domain/files/file-types';
import { defaultFileTypes } from '../../support/file-types';
import { createFile } from '../../../../lambdas/domain/files/files';
import { processUploadedObject } from '../../../../lambdas/domain/processing/metadata-processing';
import { createMultipartUpload } from '../../../../lambdas/domain/transfer/multipart';
import type { ObjectStore, TenantSettings } from '../../../../lambdas/domain/ports';
import { patchTenantSettings, settingsDefaults, settingsWarnings, tenantSettings, updateTenantSettings, validateSettings } from '../../../../lambdas/domain/settings/tenant-settings';
import { effectiveSizeLimits, type SizeLimits } from '../../../../lambdas/domain/transfer/size-limits';
import { createUploadForm, createUploadUrl } from '../../../../lambdas/domain/transfer/uploads';
import { setup, uploadThroughGrant, writer, type TestDeps } from '../../support/grants';

const MiB = 1024 ** 2;
const limits: SizeLimits = { maxFileSize: 10 * MiB, maxMultipartFileSize: 40 * MiB, tenants: { big: { maxFileSize: 20 * MiB, maxMultipartFileSize: 80 * MiB } } };
const deployment = { uploadUrlTtlSeconds: 900, downloadUrlTtlSeconds: 600, sizeLimits: limits };
const valid: TenantSettings = { disableForceDownloadForMimeTypes: ['application/pdf'], maxFileSize: 5 * MiB, downloadUrlTtlSeconds: 60, uploadUrlTtlSeconds: 120, scanHold: 'hold', renditions: DEFAULT_RENDITIONS };

const rejects = (input: Partial<TenantSettings>, message: RegExp) =>
  expect(() => validateSettings({ ...valid, ...input }, 40 * MiB, defaultFileTypes)).toThrow(expect.objectContaining({ status: 400, code: 'VALIDATION_ERROR', message: expect.stringMatching(message) }));

describe('settings defaults', () => {
  it('are the deployment\'s URL lifetimes, the larger of the tenant\'s operator limits, and no inline type', () => {
    expect(settingsDefaults(deployment, 't1')).toEqual({ disableForceDownloadForMimeTypes: [], maxFileSize: 40 * MiB, downloadUrlTtlSeconds: 600, uploadUrlTtlSeconds: 900, scanHold: 'hold', renditions: DEFAULT_RENDITIONS });
    expect(settingsDefaults(deployment, 'big').maxFileSize).toBe(80 * MiB);
  });

  it('fill what a tenant never saved, and a stored maxFileSize above today\'s operator limit reads as that limit', async () => {
    const { deps } = setup();
    const defaults = settingsDefaults(deployment, 't1');
    expect(await tenantSettings(deps, 't1', defaults)).toEqual(defaults);
    await deps.settings.put('t1', { ...valid, maxFileSize: 40 * MiB }, { updatedAt: new Date(), updatedBy: 'u' });
    const lowered = settingsDefaults({ ...deployment, sizeLimits: { ...limits, maxMultipartFileSize: 30 * MiB } }, 't1');
    expect(await tenantSettings(deps, 't1', lowered)).toEqual({ ...valid, maxFileSize: 30 * MiB });
    // A field saved before it existed takes its default.
    deps.settings.items.set('t2', { settings: { maxFileSize: MiB } as TenantSettings, updatedAt: new Date(), updatedBy: 'u' });
    expect(await tenantSettings(deps, 't2', defaults)).toEqual({ ...defaults, maxFileSize: MiB });
  });
});

describe('settings validation', () => {
  it('takes URL lifetimes of 10 to 3600 whole seconds', () => {
    for (const ttl of [10, 3600]) expect(validateSettings({ ...valid, downloadUrlTtlSeconds: ttl, uploadUrlTtlSeconds: ttl }, 40 * MiB, defaultFileTypes)).toMatchObject({ downloadUrlTtlSeconds: ttl });
    for (const ttl of [9, 3601, 60.5, 0, -1, Number.NaN]) {
      rejects({ downloadUrlTtlSeconds: ttl }, /downloadUrlTtlSeconds must be a whole number of seconds from 10 to 3600/);
      rejects({ uploadUrlTtlSeconds: ttl }, /uploadUrlTtlSeconds must be a whole number of seconds from 10 to 3600/);
    }
  });

  it('takes a maxFileSize of 1 byte up to the operator\'s limit, and names the limit when it is over', () => {
    expect(validateSettings({ ...valid, maxFileSize: 1 }, 40 * MiB, defaultFileTypes).maxFileSize).toBe(1);
    expect(validateSettings({ ...valid, maxFileSize: 40 * MiB }, 40 * MiB, defaultFileTypes).maxFileSize).toBe(40 * MiB);
    rejects({ maxFileSize: 40 * MiB + 1 }, new RegExp(`maxFileSize must be a whole number of bytes from 1 to ${40 * MiB}`));
    rejects({ maxFileSize: 0 }, /maxFileSize/);
    rejects({ maxFileSize: 1.5 }, /maxFileSize/);
  });

  it('lowercases and deduplicates the MIME list, and takes type/subtype, type/* and */* only', () => {
    const { disableForceDownloadForMimeTypes } = validateSettings({ ...valid, disableForceDownloadForMimeTypes: ['Image/PNG', 'image/png', 'image/*', '*/*', 'application/vnd.ms-excel'] }, 40 * MiB, defaultFileTypes);
    expect(disableForceDownloadForMimeTypes).toEqual(['image/png', 'image/*', '*/*', 'application/vnd.ms-excel']);
    for (const bad of ['pdf', '*/png', 'image/', '/png', 'image/png; charset=x', 'image/*/*', 'image /png', '', 'a/b/c', '*']) {
      rejects({ disableForceDownloadForMimeTypes: [bad] }, /disableForceDownloadForMimeTypes: .* is not type\/subtype, type\/\* or \*\/\*/);
    }
  });

  it('takes at most 100 distinct types (duplicates count once)', () => {
    const types = Array.from({ length: 100 }, (_, i) => `application/x-${i}`);
    expect(validateSettings({ ...valid, disableForceDownloadForMimeTypes: [...types, ...types.map((t) => t.toUpperCase())] }, 40 * MiB, defaultFileTypes).disableForceDownloadForMimeTypes).toHaveLength(100);
    rejects({ disableForceDownloadForMimeTypes: [...types, 'application/x-100'] }, /at most 100 types, not 101/);
  });

  it('stores only what is valid, per tenant', async () => {
    const { deps } = setup();
    const defaults = settingsDefaults(deployment, 't1');
    await expect(updateTenantSettings(deps, 't1', { ...valid, maxFileSize: 41 * MiB }, { defaults, updatedBy: 'u1' })).rejects.toMatchObject({ status: 400 });
    expect(deps.settings.items.size).toBe(0);
    const saved = await updateTenantSettings(deps, 't1', { ...valid, disableForceDownloadForMimeTypes: ['IMAGE/*'] }, { defaults, updatedBy: 'u1' });
    expect(saved.disableForceDownloadForMimeTypes).toEqual(['image/*']);
    expect(await tenantSettings(deps, 't1', defaults)).toEqual(saved);
    expect(await tenantSettings(deps, 't2', settingsDefaults(deployment, 't2'))).toEqual(settingsDefaults(deployment, 't2'));
    expect(deps.settings.items.get('t1')?.updatedBy).toBe('u1');
  });

  it('warns that */* serves every type inline, and that active content is then shown as text', () => {
    expect(settingsWarnings(valid, defaultFileTypes)).toEqual([]);
    expect(settingsWarnings({ ...valid, disableForceDownloadForMimeTypes: ['*/*'] }, defaultFileTypes).map((w) => w.code)).toEqual(['ALL_TYPES_INLINE', 'ACTIVE_CONTENT_AS_TEXT']);
    const html = settingsWarnings({ ...valid, disableForceDownloadForMimeTypes: ['text/*'] }, defaultFileTypes);
    expect(html).toEqual([{ code: 'ACTIVE_CONTENT_AS_TEXT', message: expect.stringContaining('text/html') }]);
  });
});

describe('effective size limits', () => {
  it('are the tenant\'s maxFileSize where it is lower than the operator\'s, for each way of uploading', () => {
    const operator = { maxFileSize: 10 * MiB, maxMultipartFileSize: 40 * MiB };
    expect(effectiveSizeLimits(operator, undefined)).toEqual(operator);
    expect(effectiveSizeLimits(operator, 20 * MiB)).toEqual({ maxFileSize: 10 * MiB, maxMultipartFileSize: 20 * MiB });
    expect(effectiveSizeLimits(operator, 5 * MiB)).toEqual({ maxFileSize: 5 * MiB, maxMultipartFileSize: 5 * MiB });
    expect(effectiveSizeLimits(operator, 100 * MiB)).toEqual(operator);
  });

  it('bound every grant and are signed into its metadata for processing to check again', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.zip', fileTypeId: 'zip' });
    const grant = { expiresIn: 900, sizeLimits: limits, maxFileSize: 20 * MiB };
    await expect(createUploadUrl(deps, writer, file.id, { ...grant, size: 10 * MiB + 1 })).rejects.toMatchObject({ status: 413, code: 'FILE_TOO_LARGE' });
    await expect(createMultipartUpload(deps, writer, file.id, { ...grant, size: 20 * MiB + 1 })).rejects.toMatchObject({ status: 413, code: 'FILE_TOO_LARGE' });
    await createMultipartUpload(deps, writer, file.id, { ...grant, size: 20 * MiB });
    expect([...deps.objects.uploads.values()][0]?.metadata['max-size']).toBe(String(20 * MiB));

    const small = { ...grant, maxFileSize: 3 * MiB };
    await expect(createUploadForm(deps, writer, file.id, { ...small, size: 3 * MiB + 1 })).rejects.toMatchObject({ status: 413, code: 'FILE_TOO_LARGE' });
    await createUploadUrl(deps, writer, file.id, small);
    const form = await createUploadForm(deps, writer, file.id, small);
    expect(deps.objects.presigned.at(-1)?.metadata['max-size']).toBe(String(3 * MiB));
    expect(deps.objects.posted.at(-1)).toMatchObject({ maxSize: 3 * MiB, metadata: { 'max-size': String(3 * MiB) } });
    expect(form.maxFileSize).toBe(3 * MiB);
  });
});

async function pdfBytes() {
  const doc = await PDFDocument.create();
  doc.addPage();
  return doc.save();
}

async function readyFile(deps: TestDeps, name: string, fileTypeId: string, bytes: Uint8Array) {
  const created = await createFile(deps, writer, { name, fileTypeId });
  await processUploadedObject(deps, await uploadThroughGrant(deps, writer, created, bytes, '0A'));
  return (await deps.files.get(created.id))!;
}

/** What the download URL was signed to make S3 answer with. */
function signedHeaders(deps: TestDeps) {
  const spy = jest.spyOn(deps.objects as ObjectStore, 'presignGet');
  return () => spy.mock.calls.at(-1)?.[1];
}

describe('disposition', () => {
  const pdf = defaultFileTypes.find('pdf')!;
  const png = defaultFileTypes.find('png')!;
  const xml = defaultFileTypes.find('xml')!;

  it('matches the canonical MIME type exactly, by type/*, or by */*', () => {
    expect(mimeTypeMatches('image/png', 'image/png')).toBe(true);
    expect(mimeTypeMatches('image/png', 'image/*')).toBe(true);
    expect(mimeTypeMatches('image/png', '*/*')).toBe(true);
    expect(mimeTypeMatches('image/png', 'image/jpeg')).toBe(false);
    expect(mimeTypeMatches('image/png', 'text/*')).toBe(false);
    expect(mimeTypeMatches('imagex/png', 'image/*')).toBe(false);
    expect(mayBeInline(pdf, [])).toBe(false);
    expect(mayBeInline(pdf, ['application/pdf'])).toBe(true);
    expect(mayBeInline(png, ['application/pdf'])).toBe(false);
    expect(mayBeInline(png, ['image/*'])).toBe(true);
    // The canonical type only: XML is application/xml, so text/xml does not make it inline.
    expect(mayBeInline(xml, ['text/xml'])).toBe(false);
    expect(mayBeInline(xml, ['*/*'])).toBe(true);
  });

  it('is an attachment by default; inline is refused unless the type is listed', async () => {
    const { deps } = setup();
    const file = await readyFile(deps, 'Lease.pdf', 'pdf', await pdfBytes());
    const signed = signedHeaders(deps);
    const actor = { type: 'user', id: 'u1' } as const;
    await grantDownload(deps, file, { disposition: 'attachment', expiresIn: 60, inlineMimeTypes: [], actor });
    expect(signed()).toMatchObject({ contentType: 'application/pdf', contentDisposition: expect.stringMatching(/^attachment; filename="Lease.pdf"/) });
    for (const listed of [[], ['image/*'], ['application/json']]) {
      await expect(grantDownload(deps, file, { disposition: 'inline', expiresIn: 60, inlineMimeTypes: listed, actor })).rejects.toMatchObject({ status: 400, code: 'INLINE_NOT_ALLOWED' });
    }
    for (const listed of [['application/pdf'], ['application/*'], ['*/*']]) {
      await grantDownload(deps, file, { disposition: 'inline', expiresIn: 60, inlineMimeTypes: listed, actor });
      expect(signed()).toMatchObject({ contentType: 'application/pdf', contentDisposition: expect.stringMatching(/^inline; filename="Lease.pdf"/), expiresIn: 60 });
    }
  });

  it('serves active content inline as text/plain, and as its own type when an attachment', async () => {
    const { deps } = setup();
    const file = await readyFile(deps, 'page.html', 'html', Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>'));
    expect(file.status).toBe('ready');
    const signed = signedHeaders(deps);
    const actor = { type: 'user', id: 'u1' } as const;
    await grantDownload(deps, file, { disposition: 'inline', expiresIn: 60, inlineMimeTypes: ['*/*'], actor });
    expect(signed()).toMatchObject({ contentType: 'text/plain; charset=utf-8', contentDisposition: expect.stringMatching(/^inline;/) });
    await grantDownload(deps, file, { disposition: 'attachment', expiresIn: 60, inlineMimeTypes: ['*/*'], actor });
    expect(signed()).toMatchObject({ contentType: 'text/html', contentDisposition: expect.stringMatching(/^attachment;/) });
  });

  it('keeps a failed version an attachment even when its type is listed', async () => {
    const { deps } = setup();
    const file = await readyFile(deps, 'not.pdf', 'pdf', Buffer.from('plain text, not a PDF'));
    expect(file.status).toBe('failed');
    const signed = signedHeaders(deps);
    await grantDownload(deps, file, { disposition: 'inline', expiresIn: 60, inlineMimeTypes: ['application/pdf'], actor: { type: 'public' } });
    expect(signed()).toMatchObject({ contentDisposition: expect.stringMatching(/^attachment;/) });
  });
});

describe('a settings patch (JSON Merge Patch)', () => {
  const defaults = settingsDefaults(deployment, 't1');
  const options = { defaults, updatedBy: 'admin' };

  it('replaces the fields given, keeps the others, and a null one takes its default again (it is no longer saved)', async () => {
    const { deps } = setup();
    await updateTenantSettings(deps, 't1', valid, options);
    expect(await patchTenantSettings(deps, 't1', { uploadUrlTtlSeconds: 300, disableForceDownloadForMimeTypes: ['Image/PNG'] }, options)).toEqual({
      ...valid,
      uploadUrlTtlSeconds: 300,
      disableForceDownloadForMimeTypes: ['image/png'],
    });
    expect(await patchTenantSettings(deps, 't1', { downloadUrlTtlSeconds: null, maxFileSize: null }, options)).toEqual({
      ...valid,
      uploadUrlTtlSeconds: 300,
      disableForceDownloadForMimeTypes: ['image/png'],
      downloadUrlTtlSeconds: defaults.downloadUrlTtlSeconds,
      maxFileSize: defaults.maxFileSize,
    });
    expect(deps.settings.items.get('t1')?.settings).toEqual({ disableForceDownloadForMimeTypes: ['image/png'], uploadUrlTtlSeconds: 300, scanHold: 'hold', renditions: DEFAULT_RENDITIONS });
  });

  it('checks the merged result as a PUT does, and stores nothing when it fails', async () => {
    const { deps } = setup();
    await expect(patchTenantSettings(deps, 't1', { downloadUrlTtlSeconds: 5 }, options)).rejects.toMatchObject({ status: 400, message: expect.stringContaining('downloadUrlTtlSeconds') });
    await expect(patchTenantSettings(deps, 't1', { maxFileSize: defaults.maxFileSize + 1 }, options)).rejects.toMatchObject({ status: 400, message: expect.stringContaining('maxFileSize') });
    expect(deps.settings.items.has('t1')).toBe(false);
  });

  it('is written over the settings it read: a write in between is merged, not lost', async () => {
    const { deps } = setup();
    await updateTenantSettings(deps, 't1', valid, options);
    const read = deps.settings.getForUpdate.bind(deps.settings);
    let interleaved = false;
    deps.settings.getForUpdate = async (tenantId) => {
      const answer = await read(tenantId);
      if (!interleaved) {
        interleaved = true;
        // Another admin's change lands between this patch's read and its write.
        await updateTenantSettings(deps, 't1', { ...valid, downloadUrlTtlSeconds: 999 }, options);
      }
      return answer;
    };
    expect(await patchTenantSettings(deps, 't1', { uploadUrlTtlSeconds: 300 }, options)).toEqual({ ...valid, downloadUrlTtlSeconds: 999, uploadUrlTtlSeconds: 300 });
  });
});
