import { DeleteObjectsCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ObjectStore, StoredObject } from '../domain/ports';

/**
 * S3 as the object store. Presigning happens here and nowhere else, so every URL the service hands
 * out gets the same signed headers.
 */
export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  presignPut(key: string, options: { contentType: string; contentLength?: number; expiresIn: number; uploadId: string }): Promise<string> {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ContentType: options.contentType,
      ContentLength: options.contentLength,
      // Hoisted into the query string by the presigner: it makes every URL unique and records on
      // the object which grant it was uploaded with.
      Metadata: { 'upload-id': options.uploadId },
    });
    const signableHeaders = new Set(['content-type', ...(options.contentLength === undefined ? [] : ['content-length'])]);
    return getSignedUrl(this.s3, command, { expiresIn: options.expiresIn, signableHeaders });
  }

  presignGet(key: string, options: { expiresIn: number; contentType: string; contentDisposition: string }): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentType: options.contentType,
      ResponseContentDisposition: options.contentDisposition,
    });
    return getSignedUrl(this.s3, command, { expiresIn: options.expiresIn });
  }

  async readHead(key: string, length: number): Promise<{ bytes: Uint8Array; size: number; eTag: string } | undefined> {
    const object = await this.get(key, `bytes=0-${length - 1}`);
    if (!object) return undefined;
    const chunks: Uint8Array[] = [];
    let read = 0;
    for await (const chunk of object.body) {
      chunks.push(chunk);
      read += chunk.length;
      if (read >= length) break;
    }
    return { bytes: Buffer.concat(chunks).subarray(0, length), size: object.size, eTag: object.eTag };
  }

  read(key: string): Promise<StoredObject | undefined> {
    return this.get(key);
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const result = await this.s3.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      const failed = (result.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) throw new Error(`Could not delete ${failed.length} object(s): ${failed[0]?.Code ?? 'unknown error'}`);
    }
  }

  private async get(key: string, range?: string): Promise<StoredObject | undefined> {
    try {
      const result = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range }));
      const size = totalSize(result.ContentRange) ?? result.ContentLength ?? 0;
      return { size, eTag: (result.ETag ?? '').replaceAll('"', ''), body: (result.Body ?? emptyBody()) as AsyncIterable<Uint8Array> };
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      // A range on an empty object is unsatisfiable: the object exists and is zero bytes long.
      if (range && error instanceof S3ServiceException && error.$metadata.httpStatusCode === 416) return this.get(key);
      throw error;
    }
  }
}

/** `bytes 0-4095/123456` → 123456. */
function totalSize(contentRange: string | undefined): number | undefined {
  const total = contentRange?.split('/')[1];
  return total && total !== '*' ? Number(total) : undefined;
}

async function* emptyBody(): AsyncIterable<Uint8Array> {}
