import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createClient } from '../../client/src/index';
import { Api, expectError } from './support/api';
import { startStack, type RunningStack } from './support/local-stack';

jest.setTimeout(240_000);

/**
 * The file-type catalogue as deployment data: a stack started with an operator's catalogue (the
 * default one, an MP4 type, a DICOM type, an ECG type sharing ".dat" with DICOM), then again on the
 * same data with the default catalogue, where the MP4 type is gone.
 */
const ROOT = join(__dirname, '..', '..');
const defaults = JSON.parse(readFileSync(join(ROOT, 'config', 'file-types.json'), 'utf8')) as { fileTypes: unknown[] };
const operatorTypes = [
  { id: 'mp4', name: 'MP4 video', mimeTypes: ['video/mp4'], extensions: ['mp4', 'm4v'], signatures: [{ offset: 4, hex: '66747970' }], processing: ['preview'], activeContent: false },
  { id: 'dicom', name: 'DICOM image', mimeTypes: ['application/dicom'], extensions: ['dcm', 'dat'], signatures: [{ offset: 128, hex: '4449434d' }], processing: [], activeContent: false },
  { id: 'ecg', name: 'ECG recording', mimeTypes: ['application/x-ecg'], extensions: ['ecg', 'dat'], accepts: ['*/*'], processing: [], activeContent: false },
];

/** An MP4's first box ("ftyp", brand isom), and some media data. */
const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisomisom\0\0\x02\0iso2', 'latin1').subarray(0, 20), Buffer.from([0, 0, 0x10, 0]), Buffer.from('mdat'), Buffer.alloc(4088, 0x5a)]);
/** DICOM Part 10 as a scanner writes it: a 128-byte preamble, "DICM", then data elements. */
const dicom = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.from([2, 0, 0, 0, 0x55, 0x4c, 4, 0, 0xc8, 0, 0, 0]), Buffer.alloc(2000, 0x31)]);
/** Bytes of no known format. */
const opaque = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 251));

let dir: string;
let dataDir: string;
let stack: RunningStack | undefined;
let api: Api;

function catalogue(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

async function createFile(body: Record<string, unknown>): Promise<any> {
  const created = await api.call('POST', '/v1/files', { body });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body;
}

/** Downloads the file's content as a browser would: the grant, then the bytes from S3. */
async function download(id: string) {
  const grant = await api.call('GET', `/v1/files/${id}/download`);
  expect(grant.status).toBe(200);
  const response = await fetch(grant.body.url);
  expect(response.status).toBe(200);
  return { bytes: Buffer.from(await response.arrayBuffer()), contentType: response.headers.get('content-type'), disposition: response.headers.get('content-disposition') };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fileport-file-types-'));
  dataDir = join(dir, 'data');
  const file = catalogue('operator.json', { fileTypes: [...defaults.fileTypes, ...operatorTypes] });
  stack = await startStack({ FILEPORT_FILE_TYPES_FILE: file }, dataDir);
  api = new Api(stack.apiUrl, stack.token);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ids: Record<string, string> = {};

describe('a stack with operator-added types', () => {
  it('serves its catalogue: the 16 types, binary, and the operator\'s', async () => {
    const list = await api.call('GET', '/v1/file-types');
    expect(list.status).toBe(200);
    expect(list.body.items.map((t: { id: string }) => t.id)).toEqual([
      ...['pdf', 'jpeg', 'png', 'webp', 'gif', 'tiff', 'svg', 'txt', 'csv', 'json', 'html', 'xml', 'docx', 'xlsx', 'pptx', 'zip'],
      ...['binary', 'mp4', 'dicom', 'ecg'],
    ]);
    expect((await api.call('GET', '/v1/file-types/mp4')).body).toEqual({
      id: 'mp4',
      name: 'MP4 video',
      mimeTypes: ['video/mp4'],
      extension: 'mp4',
      extensions: ['mp4', 'm4v'],
      signatures: [{ offset: 4, hex: '66747970' }],
      accepts: [],
      thumbnails: false,
      pageCount: false,
      preview: true,
      activeContent: false,
    });
    expect((await api.call('GET', '/v1/file-types/binary')).body).toMatchObject({ mimeTypes: ['application/octet-stream'], extension: '', accepts: ['*/*'] });
  });

  it.each([
    ['an mp4, by its MIME type', { name: 'Holiday clip.mp4', mimeType: 'video/mp4' }, 'mp4', mp4, 'video/mp4', 'attachment; filename="Holiday clip.mp4"'],
    ['a DICOM scan, by the extension of its name', { name: 'scan-0001.dcm' }, 'dicom', dicom, 'application/dicom', 'attachment; filename="scan-0001.dcm"'],
    ['an octet-stream file, by its MIME type', { name: 'capture.raw', mimeType: 'application/octet-stream' }, 'binary', opaque, 'application/octet-stream', 'attachment; filename="capture.raw"'],
  ])('takes %s through create → upload → ready → download', async (_what, body, fileTypeId, bytes, contentType, disposition) => {
    const file = await createFile(body);
    expect(file).toMatchObject({ fileTypeId, mimeType: contentType, status: 'pending' });
    await api.uploadTo(file.id, bytes);
    expect(await api.settled(file.id)).toMatchObject({ status: 'ready', size: bytes.length, error: null });
    const got = await download(file.id);
    expect(got.bytes.equals(bytes)).toBe(true);
    expect(got.contentType).toBe(contentType);
    expect(got.disposition).toContain(disposition);
    ids[fileTypeId] = file.id;
  });

  it('refuses content that is not what the type says, as for any type', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#345' } }).png().toBuffer();
    const file = await createFile({ name: 'not-a-video.mp4' });
    await api.uploadTo(file.id, png);
    expect(await api.settled(file.id)).toMatchObject({ status: 'failed', error: { code: 'CONTENT_MISMATCH', message: 'The content is image/png, not MP4 video.' } });
  });

  it.each([
    [{ name: 'a.pdf', fileTypeId: 'exe' }, 'UNKNOWN_FILE_TYPE', 'No file type of this deployment matches fileTypeId "exe"'],
    [{ name: 'a.pdf', mimeType: 'video/quicktime' }, 'UNKNOWN_FILE_TYPE', 'No file type of this deployment matches mimeType "video/quicktime"'],
    [{ name: 'trace.weird' }, 'UNKNOWN_FILE_TYPE', 'No file type of this deployment matches the extension ".weird" of name "trace.weird"'],
    [{ name: 'Makefile' }, 'UNKNOWN_FILE_TYPE', 'name "Makefile", which has no extension; give fileTypeId or mimeType'],
    [{ name: 'run-7.dat' }, 'AMBIGUOUS_FILE_TYPE', 'the extension ".dat" of name "run-7.dat" matches several file types (dicom, ecg); name one with fileTypeId.'],
  ])('refuses %j with 400 %s naming what was tried', async (body, code, message) => {
    const refused = await api.call('POST', '/v1/files', { body });
    expectError(refused, 400, code);
    expect(refused.body.error.message).toContain(message);
  });

  it('resolves fileTypeId before mimeType before the name', async () => {
    expect((await createFile({ name: 'run-7.dat', fileTypeId: 'ecg', mimeType: 'video/mp4' })).fileTypeId).toBe('ecg');
    expect((await createFile({ name: 'run-7.dat', mimeType: 'video/mp4' })).fileTypeId).toBe('mp4');
  });

  it('lets an admin narrow the tenant\'s types (allowedFileTypeIds), checked against the catalogue', async () => {
    const admin = api.as(await api.tokenFor('narrowed', ['files:read', 'files:write', 'files:admin']));
    const { warnings: _w, ...settings } = (await admin.call('GET', '/v1/settings')).body;
    expect(settings).not.toHaveProperty('allowedFileTypeIds');
    expectError(await admin.call('PUT', '/v1/settings', { body: { ...settings, allowedFileTypeIds: ['pdf', 'mov'] } }), 400, 'VALIDATION_ERROR');
    const put = await admin.call('PUT', '/v1/settings', { body: { ...settings, allowedFileTypeIds: ['pdf', 'dicom'] } });
    expect(put.status).toBe(200);
    expect(put.body.allowedFileTypeIds).toEqual(['pdf', 'dicom']);
    expect((await admin.call('POST', '/v1/files', { body: { name: 'scan.dcm' } })).status).toBe(201);
    const refused = await admin.call('POST', '/v1/files', { body: { name: 'clip.mp4' } });
    expectError(refused, 400, 'FILE_TYPE_NOT_ALLOWED');
    expect(refused.body.error.message).toBe('This tenant does not accept files of type mp4; its settings allow pdf, dicom (allowedFileTypeIds).');
    // Another tenant still takes every type.
    expect((await api.call('POST', '/v1/files', { body: { name: 'clip.mp4' } })).status).toBe(201);
  });

  it('lets the SDK upload a File with no fileTypeId: its name and type decide', async () => {
    const fileport = createClient({ baseUrl: stack!.apiUrl, token: stack!.token });
    const byType = await fileport.files.upload(new File([mp4], 'From the browser.m4v', { type: 'video/mp4' }));
    const byName = await fileport.files.upload(new File([dicom], 'scan-0002.dcm'));
    // What a browser says of a type it does not know: the name decides instead.
    const unknownToBrowser = await fileport.files.upload(new File([dicom], 'scan-0003.dcm', { type: 'application/octet-stream' }));
    expect([byType.file.fileTypeId, byName.file.fileTypeId, unknownToBrowser.file.fileTypeId]).toEqual(['mp4', 'dicom', 'dicom']);
    for (const { file } of [byType, byName, unknownToBrowser]) expect(await fileport.files.waitUntilProcessed(file.id)).toMatchObject({ status: 'ready' });
    await expect(fileport.files.upload(new File([opaque], 'capture.weird'))).rejects.toMatchObject({ status: 400, code: 'UNKNOWN_FILE_TYPE' });
  });
});

describe('the same data on a stack whose catalogue no longer has the mp4 type', () => {
  beforeAll(async () => {
    await stack?.stop();
    stack = undefined;
    stack = await startStack({ FILEPORT_FILE_TYPES_FILE: catalogue('without-mp4.json', { fileTypes: [...defaults.fileTypes, ...operatorTypes.filter((t) => t.id !== 'mp4')] }) }, dataDir);
    api = new Api(stack.apiUrl, stack.token);
  });

  it('refuses new files of the removed type', async () => {
    expectError(await api.call('POST', '/v1/files', { body: { name: 'clip.mp4' } }), 400, 'UNKNOWN_FILE_TYPE');
    expectError(await api.call('POST', '/v1/files', { body: { name: 'clip.mp4', fileTypeId: 'mp4' } }), 400, 'UNKNOWN_FILE_TYPE');
    expectError(await api.call('GET', '/v1/file-types/mp4'), 404, 'FILE_TYPE_NOT_FOUND');
  });

  it('still serves the existing file, as an attachment of type application/octet-stream, but takes no new content for it', async () => {
    const id = ids.mp4 as string;
    expect((await api.call('GET', `/v1/files/${id}`)).body).toMatchObject({ fileTypeId: 'mp4', mimeType: 'application/octet-stream', extension: '', status: 'ready' });
    expect((await api.call('GET', `/v1/files/${id}/versions`)).body.items).toMatchObject([{ version: 1, status: 'ready', size: mp4.length }]);
    expect((await api.call('GET', '/v1/files?fileTypeId=mp4')).body.items.map((f: { id: string }) => f.id)).toContain(id);
    const got = await download(id);
    expect(got.bytes.equals(mp4)).toBe(true);
    expect(got.contentType).toBe('application/octet-stream');
    expect(got.disposition).toContain('attachment; filename="Holiday clip.mp4"');
    const upload = await api.call('PUT', `/v1/files/${id}/upload`, { body: { size: 10 } });
    expectError(upload, 400, 'UNKNOWN_FILE_TYPE');
    expect(upload.body.error.message).toContain('no longer in this deployment\'s catalogue');
    // The other operator types are still there.
    expect((await api.call('GET', `/v1/files/${ids.dicom}`)).body).toMatchObject({ fileTypeId: 'dicom', mimeType: 'application/dicom' });
  });

  it('refuses to start on a bad catalogue, naming the type and the field', async () => {
    const bad = catalogue('bad.json', { fileTypes: [...defaults.fileTypes, { ...operatorTypes[0], id: 'video', processing: ['thumbnails'] }] });
    await expect(startStack({ FILEPORT_FILE_TYPES_FILE: bad })).rejects.toThrow(`file type video: processing "thumbnails" needs an image type the thumbnail processor reads`);
  });
});
