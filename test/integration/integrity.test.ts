import { createHash } from 'node:crypto';
import { Api, eventually, expectError } from './support/api';
import { makePdf, useStack } from './support/local-stack';
import { EmulatorS3 } from './support/s3';

jest.setTimeout(120_000);

const local = useStack();
let writer: Api;
let s3: EmulatorS3;
beforeAll(async () => {
  const api = local.api();
  writer = api.as(await api.tokenFor('demo', ['files:read', 'files:write'], 'alice'));
  s3 = new EmulatorS3(local.stack().s3Endpoint);
});
afterAll(() => s3?.close());

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

describe('a declared SHA-256', () => {
  it('is signed into the upload (as S3 checks it, and as metadata), stored, and returned with the file and its downloads', async () => {
    const pdf = await makePdf(2);
    const id = await writer.create({ name: 'Checked.pdf', fileTypeId: 'pdf' });
    const grant = await writer.call('PUT', `/v1/files/${id}/upload`, { body: { size: pdf.length, checksumSha256: sha256(pdf) } });
    expect(grant.status).toBe(200);
    expect(grant.body.headers).toEqual({
      'Content-Type': 'application/pdf',
      'If-None-Match': '*',
      'x-amz-meta-uploaded-by': 'alice',
      'x-amz-meta-overwrite': 'false',
      'x-amz-meta-max-size': String(5 * 1024 ** 3),
      'x-amz-meta-checksum-sha256': sha256(pdf),
      'x-amz-checksum-sha256': sha256(pdf),
      'x-amz-sdk-checksum-algorithm': 'SHA256',
    });
    const signed = new URL(grant.body.url).searchParams.get('X-Amz-SignedHeaders')?.split(';');
    expect(signed).toEqual(expect.arrayContaining(['x-amz-checksum-sha256', 'x-amz-sdk-checksum-algorithm', 'x-amz-meta-checksum-sha256']));
    expect((await fetch(grant.body.url, { method: 'PUT', headers: grant.body.headers, body: pdf })).status).toBe(200);

    expect(await writer.settled(id)).toMatchObject({ status: 'ready', checksumSha256: sha256(pdf) });
    const download = await writer.call('GET', `/v1/files/${id}/download`);
    expect(download.body.checksumSha256).toBe(sha256(pdf));
    expect(sha256(Buffer.from(await (await fetch(download.body.url)).arrayBuffer()))).toBe(download.body.checksumSha256);
  });

  it('that a PUT body does not match is refused by S3 itself (400 BadDigest): nothing is stored', async () => {
    const pdf = await makePdf(2);
    const id = await writer.create({ name: 'Corrupted.pdf', fileTypeId: 'pdf' });
    const grant = (await writer.call('PUT', `/v1/files/${id}/upload`, { body: { checksumSha256: sha256(Buffer.from('the bytes the client meant to send')) } })).body;
    const put = await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: pdf });
    expect(put.status).toBe(400);
    expect(await put.text()).toContain('<Code>BadDigest</Code>');
    expect(await s3.exists(grant.url)).toBe(false);
    expect((await writer.call('GET', `/v1/files/${id}`)).body).toMatchObject({ status: 'pending', contentVersion: null });
  });

  it('of a whole multipart object (which S3 cannot check) is verified by processing: a mismatch fails the version and deletes the bytes', async () => {
    const parts = [Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(5 * 1024 * 1024 - 4, 7)]), Buffer.from('tail')];
    const whole = Buffer.concat(parts);
    const id = await writer.create({ name: 'Corrupted.zip', fileTypeId: 'zip' });
    const declared = sha256(Buffer.from('the bytes the client meant to send'));
    const upload = (await writer.call('POST', `/v1/files/${id}/multipart`, { body: { size: whole.length, partSize: 5 * 1024 * 1024, checksumSha256: declared } })).body;
    const etags = [];
    for (const [i, part] of parts.entries()) {
      const put = await fetch(upload.parts[i].url, { method: 'PUT', body: part });
      expect(put.status).toBe(200);
      etags.push({ partNumber: i + 1, etag: put.headers.get('etag') as string });
    }
    expect((await writer.call('POST', `/v1/files/${id}/multipart/${upload.uploadId}/complete`, { body: { parts: etags } })).status).toBe(200);
    expect(await writer.settled(id)).toMatchObject({ status: 'failed', checksumSha256: sha256(whole), error: { code: 'CHECKSUM_MISMATCH' } });
    expect(await eventually(() => s3.keys(`content/${id.replaceAll('-', '')}/`), (keys) => keys.length === 0)).toEqual([]);
    expectError(await writer.call('GET', `/v1/files/${id}/download`), 409, 'NOT_UPLOADED');
    expect((await writer.call('GET', `/v1/files/${id}/versions`)).body.items).toEqual([
      expect.objectContaining({ version: 1, status: 'failed', error: expect.objectContaining({ code: 'CHECKSUM_MISMATCH' }) }),
    ]);

    // Nothing was kept, so no files:overwrite is needed to upload the right bytes.
    const retry = await writer.call('PUT', `/v1/files/${id}/upload`, { body: { checksumSha256: sha256(whole) } });
    expect(retry.status).toBe(200);
    expect((await fetch(retry.body.url, { method: 'PUT', headers: retry.body.headers, body: whole })).status).toBe(200);
    const file = await eventually(
      async () => (await writer.call('GET', `/v1/files/${id}?wait=10`)).body,
      (current) => current.contentVersion === 2 && current.status !== 'processing',
    );
    expect(file).toMatchObject({ status: 'ready', contentVersion: 2, checksumSha256: sha256(whole) });
  });

  it('cannot be changed by the client: another checksum header than the signed one is refused by S3', async () => {
    const pdf = await makePdf(1);
    const id = await writer.create({ name: 'Swapped.pdf', fileTypeId: 'pdf' });
    const grant = (await writer.call('PUT', `/v1/files/${id}/upload`, { body: { checksumSha256: sha256(pdf) } })).body;
    const other = sha256(Buffer.from('other'));
    for (const header of ['x-amz-checksum-sha256', 'x-amz-meta-checksum-sha256']) {
      const put = await fetch(grant.url, { method: 'PUT', headers: { ...grant.headers, [header]: other }, body: pdf });
      expect(put.status).toBe(403);
    }
    expect((await writer.call('GET', `/v1/files/${id}`)).body.status).toBe('pending');
  });

  it('must be the base64 of a SHA-256', async () => {
    const id = await writer.create({ name: 'Bad.pdf', fileTypeId: 'pdf' });
    for (const checksumSha256 of ['abc', createHash('sha256').update('x').digest('hex'), createHash('md5').update('x').digest('base64')]) {
      expectError(await writer.call('PUT', `/v1/files/${id}/upload`, { body: { checksumSha256 } }), 400, 'VALIDATION_ERROR');
    }
  });
});
