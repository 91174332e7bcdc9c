import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../lambdas/adapters/s3-object-store';
import { SNIFF_BYTES } from '../../lambdas/domain/processing/metadata-processing';
import { processors } from '../../lambdas/processors';
import { Api, eventually } from '../../test/integration/support/api';
import { startStack, type RunningStack } from '../../test/integration/support/local-stack';
import { contentBody, contentSha256 } from '../../test/support/generated-content';
import type { Figure, Measured, Section } from '../figures';
import { distribution, median, ratio, round, shuffled } from '../stats';

/**
 * Section "time-to-ready" (issue 16, section 5): what processing an upload costs, by size.
 *
 * On a local stack started as the integration tests start it (`npm start`'s program in its own
 * process, the real processors behind S3 events and queues), objects of type `binary` are uploaded
 * with one pre-signed PUT, each size WITH a declared SHA-256 (S3 verifies it on the way in, the
 * metadata processor reads it back) and WITHOUT (the processor streams the object to hash it). The
 * bytes come from a deterministic generator, streamed: a 2 GB body never sits in memory.
 *
 * - Time to ready: from the PUT's answer to `GET /v1/files/{id}?wait=10` answering `ready` (looped).
 * - Bytes read and duration of the metadata processor for the object: its `ProcessingBytesRead` and
 *   `ProcessingDuration` metric lines (EMF, on the stack's stdout, with `processor` and `key`), counted
 *   at the object-store port.
 * - Lambda cost per 1,000 files: median metadata duration (s) × its deployed memory
 *   (lambdas/processors.ts, 1,024 MB) × US$0.0000133334 per GB-s, plus US$0.20 per million requests:
 *   AWS Lambda arm64 prices in US East (N. Virginia), first 7.5 billion GB-s a month, as published on
 *   2026-12-05. This machine's cores are faster than a 1,024 MB Lambda's ~0.6 vCPU
 *   (shared/MEASUREMENTS.md: expect ~1.7× these durations there); the figures say both.
 *
 * Floors: a bare HeadObject with checksum mode of the same 2 GB object (the SDK against the emulator:
 * what reading the verified checksum back costs at least), against the metadata processor's own read
 * of the object through the real adapter (the HEAD and the ranged GET of the bytes it sniffs, sent
 * at once: reported with a bare ranged GET beside it, since the emulator answers one request at a
 * time where S3 answers both together) and against its whole run; and the 2 GB declared-checksum
 * run against the 1 KB one (size independence: target ratio ≤ 1.2 at p50).
 *
 * One 1 KB upload of each kind is processed first and not counted: the processors' first run loads
 * their modules, as a cold Lambda would. Each file is deleted once measured (the emulator's disk).
 */
const SECTION = 'time-to-ready';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const BUCKET = 'fileport-local';

/** AWS Lambda arm64, US East (N. Virginia), first 7.5 billion GB-s a month; as published on PRICE_DATE. */
const PRICE_PER_GB_SECOND = 0.0000133334;
const PRICE_PER_REQUEST = 0.2 / 1e6;
const PRICE_DATE = '2026-12-05';
const PRICE_TEXT = `arm64 us-east-1 US$${PRICE_PER_GB_SECOND}/GB-s + US$0.20/1M requests (${PRICE_DATE})`;
/** shared/MEASUREMENTS.md: a 1,024 MB Lambda has roughly 0.6 vCPU, ~1.7× the times measured here. */
const LAMBDA_SLOWDOWN = 1.7;
const SIZE_INDEPENDENCE_TARGET = 1.2;

type Mode = 'declared' | 'undeclared';
const MODE_TEXT: Record<Mode, string> = { declared: 'declared SHA-256', undeclared: 'no declared checksum' };

interface SizeClass {
  label: string;
  bytes: number;
  samples: number;
}

interface Sample {
  readyMs: number;
  bytesRead: number;
  durationMs: number;
}

type Line = Record<string, unknown>;

/** The metadata processor's metric lines for the object at `key`: the last run's (a retried run logs again). */
async function metricsFor(stack: RunningStack, key: string): Promise<{ bytesRead: number; durationMs: number }> {
  const lines = await eventually(
    async () =>
      stack
        .logLines()
        .filter((text) => text.startsWith('{') && (text.includes('"ProcessingBytesRead"') || text.includes('"ProcessingDuration"')))
        .map((text) => JSON.parse(text) as Line)
        .filter((line) => line.key === key && line.processor === 'metadata'),
    (found) => found.some((l) => 'ProcessingBytesRead' in l) && found.some((l) => 'ProcessingDuration' in l),
    10_000,
  );
  const last = (name: string) => lines.filter((l) => name in l).pop()?.[name];
  const bytesRead = last('ProcessingBytesRead');
  const durationMs = last('ProcessingDuration');
  if (typeof bytesRead !== 'number' || typeof durationMs !== 'number') throw new Error(`No metadata metric lines for ${key}: ${JSON.stringify(lines)}`);
  return { bytesRead, durationMs };
}

/** The fields of the API's answers the section reads. */
interface Answer {
  id: string;
  url: string;
  headers: Record<string, string>;
  status: string;
  size: number;
  checksumSha256: string | null;
  error: unknown;
}

const expectOk = (response: { status: number; body: unknown }, status: number, what: string): Answer => {
  if (response.status !== status) throw new Error(`${what} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body as Answer;
};

/** The content key of the file's current version, as its download URL names it. */
async function contentKeyOf(api: Api, id: string): Promise<string> {
  const download = expectOk(await api.call('GET', `/v1/files/${id}/download`), 200, 'The download URL');
  return decodeURIComponent(new URL(download.url).pathname.split('/').slice(2).join('/'));
}

export const timeToReady: Section = async ({ quick }) => {
  const classes: SizeClass[] = quick
    ? [
        { label: '1 KB', bytes: KiB, samples: 2 },
        { label: '1 MB', bytes: MiB, samples: 2 },
        { label: '10 MB', bytes: 10 * MiB, samples: 2 },
        { label: '20 MB', bytes: 20 * MiB, samples: 2 },
      ]
    : [
        { label: '1 KB', bytes: KiB, samples: 20 },
        { label: '10 MB', bytes: 10 * MiB, samples: 10 },
        { label: '200 MB', bytes: 200 * MiB, samples: 5 },
        { label: '2 GB', bytes: 2 * GiB, samples: 3 },
      ];
  const largest = classes[classes.length - 1] as SizeClass;
  const smallest = classes[0] as SizeClass;
  const headSamples = quick ? 20 : 100;
  const memoryMb = processors.metadata.memorySize;

  const stack = await startStack();
  const s3 = new S3Client({ endpoint: stack.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  // The metadata processor's own read of an object, through the same client as the floor's HEAD.
  const store = new S3ObjectStore(s3, BUCKET);
  const portReads: number[] = [];
  const ranges: number[] = [];
  try {
    const root = new Api(stack.apiUrl, stack.token);
    const api = root.as(await root.tokenFor('bench', ['files:read', 'files:write'], 'bench-user'));

    /** Uploads one object and measures it; the bare HeadObjects of it when `heads` is given. */
    const sample = async (size: SizeClass, mode: Mode, checksumSha256: string | undefined, heads?: number[]): Promise<Sample> => {
      const id = expectOk(await api.call('POST', '/v1/files', { body: { name: `bench-${size.label.replace(' ', '')}.bin`, fileTypeId: 'binary' } }), 201, 'Creating the file').id;
      const grant = expectOk(await api.call('PUT', `/v1/files/${id}/upload`, { body: { size: size.bytes, ...(mode === 'declared' && { checksumSha256 }) } }), 200, 'The upload URL');
      const put = await fetch(grant.url, {
        method: 'PUT',
        headers: { ...grant.headers, 'Content-Length': String(size.bytes) },
        body: contentBody(size.bytes),
        duplex: 'half',
      } as RequestInit);
      if (put.status !== 200) throw new Error(`The PUT of ${size.label} answered ${put.status}: ${await put.text()}`);
      const uploaded = performance.now();
      let file: Answer;
      do file = expectOk(await api.call('GET', `/v1/files/${id}?wait=10`), 200, 'Waiting for the file');
      while (file.status === 'pending' || file.status === 'processing');
      const readyMs = performance.now() - uploaded;
      if (file.status !== 'ready' || file.size !== size.bytes) throw new Error(`The ${size.label} file ended ${file.status} (${JSON.stringify(file.error)}), size ${file.size}`);
      if (mode === 'declared' && file.checksumSha256 !== checksumSha256) throw new Error(`The ${size.label} file's checksum is ${file.checksumSha256}, not the declared ${checksumSha256}`);
      const key = await contentKeyOf(api, id);
      const metrics = await metricsFor(stack, key);
      if (heads) {
        for (let i = 0; i < headSamples; i++) {
          // Taking turns, as the uploads do: the processor's read of the object, and the bare HEAD.
          for (const which of shuffled(['bare', 'port', 'range'] as const)) {
            const started = performance.now();
            if (which === 'range') {
              const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: `bytes=0-${SNIFF_BYTES - 1}` }));
              const bytes = await got.Body?.transformToByteArray();
              if (bytes?.length !== SNIFF_BYTES) throw new Error(`The ranged GET of ${key} gave ${bytes?.length} bytes`);
              ranges.push(performance.now() - started);
              continue;
            }
            const checksum =
              which === 'bare'
                ? (await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }))).ChecksumSHA256
                : (await store.readHead(key, SNIFF_BYTES))?.checksums.sha256;
            const elapsed = performance.now() - started;
            if (checksum !== checksumSha256) throw new Error(`The ${which} read of ${key} gave checksum ${checksum}, not ${checksumSha256}`);
            (which === 'bare' ? heads : portReads).push(elapsed);
          }
        }
      }
      expectOk(await api.call('DELETE', `/v1/files/${id}`), 204, 'Deleting the file');
      return { readyMs, ...metrics };
    };

    // Warm-up, not counted: the processors' first run loads their modules.
    const smallSum = contentSha256(smallest.bytes);
    await sample(smallest, 'declared', smallSum);
    await sample(smallest, 'undeclared', undefined);

    const samples = new Map<string, Sample[]>();
    const heads: number[] = [];
    for (const size of classes) {
      const checksum = contentSha256(size.bytes);
      const declared: Sample[] = [];
      const undeclared: Sample[] = [];
      for (let i = 0; i < size.samples; i++) {
        // Taking turns, who goes first changing every round: a machine that slows down moves both alike.
        const order: Mode[] = i % 2 === 0 ? ['declared', 'undeclared'] : ['undeclared', 'declared'];
        for (const mode of order) {
          const measured = await sample(size, mode, checksum, mode === 'declared' && size === largest ? heads : undefined);
          (mode === 'declared' ? declared : undeclared).push(measured);
        }
      }
      samples.set(`${size.label} declared`, declared);
      samples.set(`${size.label} undeclared`, undeclared);
    }

    const figures: Figure[] = [];
    for (const size of classes) {
      for (const mode of ['declared', 'undeclared'] as const) {
        const runs = samples.get(`${size.label} ${mode}`) ?? [];
        const durationS = median(runs.map((r) => r.durationMs)) / 1000;
        const costPer1000 = 1000 * (durationS * (memoryMb / 1024) * PRICE_PER_GB_SECOND + PRICE_PER_REQUEST);
        const bytesRead = median(runs.map((r) => r.bytesRead));
        const duration = distribution('metadata duration', 'ms', runs.map((r) => r.durationMs));
        figures.push({
          section: SECTION,
          ...distribution(`time to ready, ${size.label}, ${MODE_TEXT[mode]}`, 'ms', runs.map((r) => r.readyMs)),
          extra: {
            'bytes read': bytesRead,
            'read / size': Number((bytesRead / size.bytes).toPrecision(3)),
            'metadata p50 ms': duration.median,
            'metadata p99 ms': duration.p99 ?? duration.median,
            'US$ / 1,000 files': Number(costPer1000.toPrecision(3)),
            [`US$ / 1,000 files at ~0.6 vCPU (${memoryMb} MB Lambda: ~${LAMBDA_SLOWDOWN}× time)`]: Number(
              (1000 * (durationS * LAMBDA_SLOWDOWN * (memoryMb / 1024) * PRICE_PER_GB_SECOND + PRICE_PER_REQUEST)).toPrecision(3),
            ),
            price: PRICE_TEXT,
          },
        });
      }
    }

    const durationsOf = (size: SizeClass): number[] => (samples.get(`${size.label} declared`) ?? []).map((r) => r.durationMs);
    const largeRun = distribution(`metadata processor, ${largest.label}, declared SHA-256`, 'ms', durationsOf(largest));
    const smallRun: Measured = distribution(`metadata processor, ${smallest.label}, declared SHA-256`, 'ms', durationsOf(smallest));
    const head = distribution('bare HeadObject with checksum mode (SDK → emulator), same object', 'ms', heads);
    const largeMedian = median(durationsOf(largest));
    const independence = ratio(largeMedian, median(durationsOf(smallest)));
    figures.push(
      {
        section: SECTION,
        ...largeRun,
        floor: head,
        ratio: ratio(largeMedian, median(heads)),
        extra: {
          'what the run does besides': 'reads the file (GetItem), the object head (sniffed bytes, ranged GET) and records the version (UpdateItem)',
          'metadata bytes read': median((samples.get(`${largest.label} declared`) ?? []).map((r) => r.bytesRead)),
          'HeadObject samples': heads.length,
        },
      },
      {
        section: SECTION,
        ...distribution(`checksum read back, ${largest.label}, declared SHA-256: the metadata processor's object read (HEAD + first ${SNIFF_BYTES / KiB} KB, at once)`, 'ms', portReads),
        floor: head,
        ratio: ratio(median(portReads), median(heads)),
        extra: {
          'what it reads besides': `the first ${SNIFF_BYTES} bytes (a ranged GET sent with the HEAD), which the processor sniffs the type from`,
          'bare ranged GET p50 ms': Number(median(ranges).toPrecision(3)),
          'ratio to the slower of the two bare requests': ratio(median(portReads), Math.max(median(heads), median(ranges))),
        },
      },
      {
        section: SECTION,
        name: `metadata processor, ${largest.label} vs ${smallest.label}, declared SHA-256 (size independence)`,
        unit: 'ms',
        median: largeRun.median,
        p99: largeRun.p99,
        samples: largeRun.samples,
        floor: smallRun,
        ratio: independence,
        target: `ratio ≤ ${SIZE_INDEPENDENCE_TARGET} (p50)`,
        pass: independence <= SIZE_INDEPENDENCE_TARGET,
        extra: { 'size ratio': round(largest.bytes / smallest.bytes) },
      },
    );
    return figures;
  } finally {
    s3.destroy();
    await stack.stop();
  }
};
