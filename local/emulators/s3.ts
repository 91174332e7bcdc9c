import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { S3EventRecord } from 'aws-lambda';
import type { CORSRule } from '@aws-sdk/client-s3';
import S3rver, { type S3rverEventRecord } from '@20minutes/s3rver';
import { bucketCorsRule } from '../bucket-cors';
import { allowedHostsOf } from '../hosts';

export interface S3Emulator {
  /** `http://127.0.0.1:<port>`; use path-style addressing (`forcePathStyle: true`). */
  endpoint: string;
  /** Closes the server (open connections are cut after a grace period); removes a temporary store. */
  stop(): Promise<void>;
  /**
   * Called synchronously for every ObjectCreated event, before the client gets its response, with
   * the record as S3 would deliver it. A throwing listener is logged; it does not fail the upload.
   */
  onObjectCreated(listener: (record: S3EventRecord) => void): void;
}

export interface S3EmulatorOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** Where objects persist; null: a temporary directory removed by stop(). */
  directory: string | null;
  /** Created at start when absent, with CORS for `corsOrigins`. */
  bucket: string;
  corsOrigins: string[];
  /** Host values answered besides 127.0.0.1, localhost and [::1] with the emulator's port (FILEPORT_LOCAL_ALLOWED_HOSTS). */
  allowedHosts?: string[];
}

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

const REGION = 'us-east-1';

/**
 * S3 form-encodes keys in event notifications (application/x-www-form-urlencoded: spaces as `+`,
 * everything but `*-._` and alphanumerics percent-encoded as UTF-8) and leaves `/` alone:
 * `dir/a b (1).txt` arrives as `dir/a+b+%281%29.txt`. Decode with
 * `decodeURIComponent(key.replace(/\+/g, ' '))`.
 */
export function encodeEventKey(key: string): string {
  return new URLSearchParams([['', key]]).toString().slice(1).replace(/%2F/g, '/');
}

// Sequencers: nanoseconds since the epoch from a monotonic clock anchored to the wall clock when
// this module loads, bumped by one when two events fall on the same reading. Strictly increasing
// within the process, and larger than any of an earlier run on the same data unless the wall clock
// went back. 20 hex digits, upper case, so comparing them as strings orders the events (S3's own
// sequencers only compare after padding to equal length; these never need it).
const clockBase = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
let lastSequencer = 0n;
export function nextSequencer(): string {
  const now = clockBase + process.hrtime.bigint();
  lastSequencer = now > lastSequencer ? now : lastSequencer + 1n;
  return lastSequencer.toString(16).toUpperCase().padStart(20, '0');
}

/** s3rver's event (lib/models/event.js) → the record S3 delivers (notification-content-structure). */
export function toS3EventRecord(raw: S3rverEventRecord, sequencer: string): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: raw.awsRegion || REGION,
    eventTime: raw.eventTime,
    eventName: raw.eventName,
    userIdentity: raw.userIdentity,
    requestParameters: raw.requestParameters,
    responseElements: raw.responseElements,
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'fileport-local',
      // s3rver writes `arn:aws:s3: : :bucket`
      bucket: { name: raw.s3.bucket.name, ownerIdentity: raw.s3.bucket.ownerIdentity, arn: `arn:aws:s3:::${raw.s3.bucket.name}` },
      object: {
        key: encodeEventKey(raw.s3.object.key),
        size: raw.s3.object.size ?? 0,
        eTag: (raw.s3.object.eTag ?? '').replace(/"/g, ''),
        sequencer,
      },
    },
  };
}

/** The rule as s3rver reads it at start (configureBuckets takes XML, as PutBucketCors does). */
function corsXml(rule: CORSRule): string {
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const list = (tag: string, values: string[] = []) => values.map((v) => `<${tag}>${escape(v)}</${tag}>`).join('');
  return (
    '<CORSConfiguration><CORSRule>' +
    list('AllowedOrigin', rule.AllowedOrigins) +
    list('AllowedMethod', rule.AllowedMethods) +
    list('AllowedHeader', rule.AllowedHeaders) +
    list('ExposeHeader', rule.ExposeHeaders) +
    (rule.MaxAgeSeconds === undefined ? '' : `<MaxAgeSeconds>${rule.MaxAgeSeconds}</MaxAgeSeconds>`) +
    '</CORSRule></CORSConfiguration>'
  );
}

/** Fails loudly when node_modules holds s3rver without patches/@20minutes+s3rver+*.patch. */
function assertPatched(): void {
  const file = (path: string) => readFileSync(require.resolve(`@20minutes/s3rver/${path}`), 'utf8');
  if (
    !file('lib/models/event.js').includes('ObjectCreated:CompleteMultipartUpload') ||
    !file('lib/controllers/bucket.js').includes('aes-128-cbc') ||
    !file('lib/controllers/object.js').includes('function verifyPostPolicy') ||
    // conditional writes and deletes, and unsigned x-amz-* headers refused on presigned requests
    !file('lib/controllers/object.js').includes('function writeCondition') ||
    !file('lib/middleware/authentication.js').includes('HeadersNotSigned')
  ) {
    throw new Error('@20minutes/s3rver is not patched (patches/@20minutes+s3rver+*.patch): run `npx patch-package`');
  }
}

/**
 * The S3 emulator: `@20minutes/s3rver` (patched, see patches/), verifying SigV4 signatures and
 * expiry (refusing x-amz-* headers a presigned request did not sign), POST policies, checksums and
 * conditional requests (PUT and CompleteMultipartUpload with `If-None-Match: *`, DELETE with
 * `If-Match`), on 127.0.0.1 only, with its events turned into the records real S3 notifications carry.
 */
export async function startS3(options: S3EmulatorOptions): Promise<S3Emulator> {
  assertPatched();
  if (options.corsOrigins.length === 0) throw new Error('startS3: corsOrigins must name at least one origin');
  const temporary = options.directory === null;
  const directory = temporary ? mkdtempSync(join(tmpdir(), 'fileport-s3-')) : resolve(options.directory as string);
  mkdirSync(directory, { recursive: true });
  // A temporary bucket goes with the process, even when it exits without stop(): a signal while
  // `npm start` is still starting exits at once (local/main.ts).
  const removeTemporary = () => rmSync(directory, { recursive: true, force: true });
  if (temporary) process.once('exit', removeTemporary);
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory,
    // Path-style only: a request to any host name other than an IP or localhost would otherwise be
    // read as a virtual-hosted bucket.
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket, configs: [corsXml(bucketCorsRule(options.corsOrigins))] }],
  });
  let port = 0;
  let allowedHosts: ReadonlySet<string> = new Set();
  // First of all middleware: only the emulator's own loopback names (and the operator's), as the
  // gateway does. Its credentials are public constants, so a web page using DNS rebinding could
  // otherwise sign requests itself and read or write the local bucket.
  (server as unknown as { middleware: ((ctx: { get(name: string): string; status: number; type: string; body: string }, next: () => Promise<void>) => Promise<void>)[] }).middleware.unshift(
    async (ctx, next) => {
      const host = ctx.get('host').toLowerCase();
      if (allowedHosts.has(host)) return next();
      ctx.status = 421;
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>HostNotAllowed</Code><Message>The S3 emulator answers only its own host names, not ${escapeXml(host.slice(0, 200))}.</Message></Error>`;
    },
  );
  try {
    ({ port } = (await server.run()) as AddressInfo);
    allowedHosts = allowedHostsOf(port, options.allowedHosts);
  } catch (error) {
    if (temporary) {
      process.removeListener('exit', removeTemporary);
      removeTemporary();
    }
    throw error;
  }

  const listeners: ((record: S3EventRecord) => void)[] = [];
  server.on('event', (event) => {
    for (const raw of event.Records) {
      if (!raw.eventName.startsWith('ObjectCreated:')) continue;
      const record = toS3EventRecord(raw, nextSequencer());
      for (const listener of listeners) {
        try {
          listener(record);
        } catch (error) {
          console.error('S3 emulator: an onObjectCreated listener failed', error);
        }
      }
    }
  });

  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    onObjectCreated: (listener) => void listeners.push(listener),
    stop: () =>
      (stopped ??= (async () => {
        const http = server.httpServer;
        // Idle keep-alive connections are closed at once; a request still running gets 2 s.
        const cut = setTimeout(() => http?.closeAllConnections(), 2000);
        try {
          await server.close();
        } finally {
          clearTimeout(cut);
          if (temporary) {
            process.removeListener('exit', removeTemporary);
            removeTemporary();
          }
        }
      })()),
  };
}
