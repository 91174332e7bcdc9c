import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3EventRecord } from 'aws-lambda';
import S3rver from '@20minutes/s3rver';
import { freePort } from './free-port';

interface RawRecord {
  eventTime: string;
  eventName: string;
  awsRegion: string;
  userIdentity: S3EventRecord['userIdentity'];
  requestParameters: S3EventRecord['requestParameters'];
  responseElements: S3EventRecord['responseElements'];
  s3: { bucket: { name: string; arn: string; ownerIdentity: { principalId: string } }; object: { key: string; size?: number; eTag?: string } };
}

/** S3 form-encodes keys in events: spaces as `+`, slashes kept. */
const encodeEventKey = (key: string) => encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');

/**
 * Strictly increasing, fixed-width hex sequencers, seeded from the clock so they keep increasing
 * across restarts on the same data. (s3rver's own is the millisecond, equal for two quick PUTs.)
 */
function sequencers(): () => string {
  let last = 0n;
  return () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    last = now > last ? now : last + 1n;
    return last.toString(16).toUpperCase().padStart(20, '0');
  };
}

function corsXml(origins: string[]): string {
  const allowed = origins.map((o) => `<AllowedOrigin>${o}</AllowedOrigin>`).join('');
  const methods = ['GET', 'PUT', 'POST', 'HEAD'].map((m) => `<AllowedMethod>${m}</AllowedMethod>`).join('');
  return `<CORSConfiguration><CORSRule>${allowed}${methods}<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>`;
}

/**
 * The S3 emulator (`@20minutes/s3rver`, which verifies SigV4 signatures and expiry), on loopback,
 * with its events turned into the shape real S3 notifications have.
 */
export async function startS3(options: { port?: number; directory: string | null; bucket: string; corsOrigins: string[] }) {
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'fileport-s3-'));
  mkdirSync(directory, { recursive: true });
  const port = options.port || (await freePort());
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    configureBuckets: [{ name: options.bucket, configs: [corsXml(options.corsOrigins)] }],
  });
  await server.run();

  const listeners: ((record: S3EventRecord) => void)[] = [];
  const nextSequencer = sequencers();
  server.on('event', (event: { Records: RawRecord[] }) => {
    for (const raw of event.Records) {
      if (!raw.eventName.startsWith('ObjectCreated:')) continue;
      const record: S3EventRecord = {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: raw.awsRegion,
        eventTime: raw.eventTime,
        // s3rver reports a completed multipart upload (ETag `…-N`) as a POST.
        eventName: raw.eventName === 'ObjectCreated:Post' && raw.s3.object.eTag?.includes('-') ? 'ObjectCreated:CompleteMultipartUpload' : raw.eventName,
        userIdentity: raw.userIdentity,
        requestParameters: raw.requestParameters,
        responseElements: raw.responseElements,
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'fileport-local',
          bucket: { name: raw.s3.bucket.name, ownerIdentity: raw.s3.bucket.ownerIdentity, arn: raw.s3.bucket.arn },
          object: { key: encodeEventKey(raw.s3.object.key), size: raw.s3.object.size ?? 0, eTag: raw.s3.object.eTag ?? '', sequencer: nextSequencer() },
        },
      };
      for (const listener of listeners) listener(record);
    }
  });

  return {
    endpoint: `http://127.0.0.1:${port}`,
    onObjectCreated: (listener: (record: S3EventRecord) => void) => void listeners.push(listener),
    stop: async () => {
      await server.close();
      if (!options.directory) rmSync(directory, { recursive: true, force: true });
    },
  };
}
