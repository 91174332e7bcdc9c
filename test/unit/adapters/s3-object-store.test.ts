import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../../lambdas/adapters/s3-object-store';

interface Version {
  eTag: string;
  bytes: Buffer;
}

/**
 * An S3 client answering HEADs and GETs from `versions`, which the test moves between requests: the
 * object as each request finds it. It records each request as it is sent and as it is answered.
 */
function fakeS3(versionFor: (request: number) => Version | undefined) {
  const log: string[] = [];
  const bodies: Readable[] = [];
  let requests = 0;
  const send = async (command: HeadObjectCommand | GetObjectCommand) => {
    const n = requests++;
    const name = command instanceof HeadObjectCommand ? 'HEAD' : `GET${command.input.IfMatch ? ` If-Match ${command.input.IfMatch}` : ''}`;
    log.push(`sent ${name}`);
    // Every request is answered a turn later, so requests sent at once are both sent before either is answered.
    await new Promise((resolve) => setImmediate(resolve));
    const version = versionFor(n);
    log.push(`answered ${name}`);
    if (!version) {
      if (command instanceof HeadObjectCommand) throw new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 } });
      throw new NoSuchKey({ message: 'No such key', $metadata: { httpStatusCode: 404 } });
    }
    const common = { ETag: `"${version.eTag}"`, Metadata: { 'fileport-test': 'yes' } };
    if (command instanceof HeadObjectCommand) return { ...common, ContentLength: version.bytes.length, ChecksumSHA256: `sha-of-${version.eTag}`, ChecksumType: 'FULL_OBJECT' };
    if (command.input.IfMatch && command.input.IfMatch !== `"${version.eTag}"`) throw new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 } });
    const body = Readable.from([version.bytes.subarray(0, 4)]);
    bodies.push(body);
    return { ...common, ContentLength: 4, ContentRange: `bytes 0-3/${version.bytes.length}`, Body: body };
  };
  return { client: { send } as unknown as S3Client, log, bodies };
}

const first: Version = { eTag: 'e1', bytes: Buffer.from('first bytes') };
const second: Version = { eTag: 'e2', bytes: Buffer.from('second, longer bytes') };

describe('S3ObjectStore.readHead', () => {
  it('sends the HEAD (checksums) and the ranged GET (first bytes) at once, and takes them when they agree', async () => {
    const s3 = fakeS3(() => first);
    const head = await new S3ObjectStore(s3.client, 'bucket').readHead('content/f/u', 4);
    expect(s3.log).toEqual(['sent HEAD', 'sent GET', 'answered HEAD', 'answered GET']);
    expect(head).toEqual({ bytes: Buffer.from('firs'), size: first.bytes.length, eTag: 'e1', metadata: { 'fileport-test': 'yes' }, checksums: { sha256: 'sha-of-e1', crc64nvme: null, type: 'FULL_OBJECT' } });
  });

  it('asks again, one after the other, when the object was replaced between the two: the newer bytes with their own checksum', async () => {
    // The HEAD finds the first object, the GET sent with it already the second.
    const s3 = fakeS3((n) => (n === 0 ? first : second));
    const head = await new S3ObjectStore(s3.client, 'bucket').readHead('content/f/u', 4);
    expect(s3.log.filter((line) => line.startsWith('sent'))).toEqual(['sent HEAD', 'sent GET', 'sent HEAD', 'sent GET If-Match "e2"']);
    expect(head).toMatchObject({ bytes: Buffer.from('seco'), size: second.bytes.length, eTag: 'e2', checksums: { sha256: 'sha-of-e2' } });
    // The first GET's body, of bytes not taken, was let go rather than left open.
    expect(s3.bodies[0]!.destroyed).toBe(true);
  });

  it('answers nothing for a missing object, and for one deleted between the two', async () => {
    expect(await new S3ObjectStore(fakeS3(() => undefined).client, 'bucket').readHead('content/f/u', 4)).toBeUndefined();
    const deleted = fakeS3((n) => (n === 0 ? first : undefined));
    expect(await new S3ObjectStore(deleted.client, 'bucket').readHead('content/f/u', 4)).toBeUndefined();
    expect(deleted.log.filter((line) => line.startsWith('sent'))).toEqual(['sent HEAD', 'sent GET', 'sent HEAD']);
  });
});
