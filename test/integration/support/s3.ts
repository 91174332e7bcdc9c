import { HeadObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';

/** The local stack's S3 emulator, read directly: whether an object exists, whatever the API says. */
export class EmulatorS3 {
  private readonly client: S3Client;

  constructor(endpoint: string) {
    this.client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  }

  /** The object a pre-signed URL names (path-style: `/<bucket>/<key>`). */
  static objectOf(url: string): { bucket: string; key: string } {
    const [bucket, ...key] = new URL(url).pathname.split('/').slice(1);
    return { bucket: bucket as string, key: key.map(decodeURIComponent).join('/') };
  }

  async exists(url: string): Promise<boolean> {
    const { bucket, key } = EmulatorS3.objectOf(url);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return false;
      throw error;
    }
  }

  /** The keys under `prefix` in the stack's bucket (the first 1,000). */
  async keys(prefix: string, bucket = 'fileport-local'): Promise<string[]> {
    const listed = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (listed.Contents ?? []).map((o) => o.Key as string);
  }

  close(): void {
    this.client.destroy();
  }
}

/** The S3 error a call failed with, or undefined when it succeeded. */
export async function s3Error(call: Promise<unknown>): Promise<{ name: string; status: number | undefined } | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    if (!(error instanceof S3ServiceException)) throw error;
    return { name: error.name, status: error.$metadata.httpStatusCode };
  }
}
