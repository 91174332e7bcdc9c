import { DEFAULT_RENDITIONS } from '../../../../lambdas/domain/transfer/rendition-spec';
import { copyFile } from '../../../../lambdas/domain/files/copies';
import { FileTypeCatalogue } from '../../../../lambdas/domain/files/file-types';
import { createFile } from '../../../../lambdas/domain/files/files';
import { settingsWarnings, validateSettings, type TenantSettings } from '../../../../lambdas/domain/settings/tenant-settings';
import { createUploadUrl } from '../../../../lambdas/domain/transfer/uploads';
import { processUploadedObject } from '../../../../lambdas/domain/processing/metadata-processing';
import { defaultFileTypes } from '../../support/file-types';
import { setup, uploadThroughGrant, writer } from '../../support/grants';

const MiB = 1024 * 1024;
const settings: TenantSettings = { disableForceDownloadForMimeTypes: [], maxFileSize: 5 * MiB, downloadUrlTtlSeconds: 60, uploadUrlTtlSeconds: 120, scanHold: 'hold', renditions: DEFAULT_RENDITIONS };

describe('allowedFileTypeIds', () => {
  it('takes ids of the catalogue only, each once', () => {
    expect(validateSettings({ ...settings, allowedFileTypeIds: ['pdf', 'png', 'pdf'] }, 40 * MiB, defaultFileTypes).allowedFileTypeIds).toEqual(['pdf', 'png']);
    expect(validateSettings(settings, 40 * MiB, defaultFileTypes)).not.toHaveProperty('allowedFileTypeIds');
    expect(() => validateSettings({ ...settings, allowedFileTypeIds: ['pdf', 'mp4', 'exe'] }, 40 * MiB, defaultFileTypes)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_ERROR', message: expect.stringContaining('allowedFileTypeIds: "mp4", "exe" are not file types of this deployment') }),
    );
  });

  it('refuses a new file of any other type, naming it and what is allowed; absent, every type goes', async () => {
    const { deps } = setup();
    expect((await createFile(deps, writer, { name: 'a.txt' })).fileTypeId).toBe('txt');
    await deps.settings.put(writer.tenantId, { ...settings, allowedFileTypeIds: ['pdf', 'png'] }, { updatedAt: new Date(), updatedBy: 'admin' });
    await expect(createFile(deps, writer, { name: 'b.txt' })).rejects.toMatchObject({
      code: 'FILE_TYPE_NOT_ALLOWED',
      status: 400,
      message: 'This tenant does not accept files of type txt; its settings allow pdf, png (allowedFileTypeIds).',
    });
    expect((await createFile(deps, writer, { name: 'c.png' })).fileTypeId).toBe('png');
    // Another tenant's settings are its own.
    expect((await createFile(deps, { ...writer, tenantId: 't2' }, { name: 'd.txt' })).fileTypeId).toBe('txt');
    expect(deps.files.items.size).toBe(3);
  });

  it('holds for copies too', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.txt', fileTypeId: 'txt' });
    await processUploadedObject(deps, await uploadThroughGrant(deps, writer, file, Buffer.from('hello\n'), '01'));
    expect((await deps.files.get(file.id))?.status).toBe('ready');
    await deps.settings.put(writer.tenantId, { ...settings, allowedFileTypeIds: ['pdf'] }, { updatedAt: new Date(), updatedBy: 'admin' });
    await expect(copyFile(deps, writer, file.id, {})).rejects.toMatchObject({ code: 'FILE_TYPE_NOT_ALLOWED' });
  });

  it('warns of an allowed type the operator removed since', () => {
    const withoutPdf = new FileTypeCatalogue(defaultFileTypes.types.filter((t) => t.id !== 'pdf'));
    expect(settingsWarnings({ ...settings, allowedFileTypeIds: ['pdf', 'png'] }, withoutPdf)).toEqual([
      { code: 'REMOVED_FILE_TYPES_ALLOWED', message: expect.stringContaining('allowedFileTypeIds lists pdf, no longer file types of this deployment') },
    ]);
    expect(settingsWarnings({ ...settings, allowedFileTypeIds: ['pdf', 'png'] }, defaultFileTypes)).toEqual([]);
  });
});

describe('a file whose type the operator removed', () => {
  it('gets no upload URL: its type takes no new content', async () => {
    const { deps } = setup();
    const file = await createFile(deps, writer, { name: 'a.pdf' });
    const without = { ...deps, fileTypes: new FileTypeCatalogue(defaultFileTypes.types.filter((t) => t.id !== 'pdf')) };
    await expect(createUploadUrl(without, writer, file.id, { expiresIn: 60 })).rejects.toMatchObject({
      code: 'UNKNOWN_FILE_TYPE',
      message: expect.stringContaining('fileTypeId "pdf" (the file\'s type, no longer in this deployment\'s catalogue)'),
    });
    await expect(createFile(without, writer, { name: 'b.pdf', fileTypeId: 'pdf' })).rejects.toMatchObject({ code: 'UNKNOWN_FILE_TYPE' });
  });
});
