import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import sharp from 'sharp';
import type { ApiResult } from '../../lambdas/http/request';
import { gatewayClaims, lambdaContext, type ApiLambda } from '../../local/gateway';
import { LOCAL_BUCKET, startLocalStack } from '../../local/stack';
import { Api } from '../../test/integration/support/api';
import { gatewayEvent, type Caller } from '../events';
import type { Figure, Section } from '../figures';
import { encoders, writeImage } from '../inputs';
import { distribution, median, ratio, shuffled } from '../stats';

/**
 * Section "renditions" (issue 16, section 4, and its floors in section 5): what a rendition costs
 * through the renditions group's real entrypoint, called in-process with the event the local gateway
 * builds (as share-tokens calls the shared group), against the local stack's emulators.
 *
 * - First request: each sample is a rendition never made before (a file of its own, the same photo
 *   uploaded again), so the handler reads the original from S3, runs sharp and stores the result.
 *   Floor: one bare sharp resize + WebP encode of the same original to the same box, fit and
 *   settings, with the reading and storing no rendition made on request can do without: one
 *   GetObject of the same bytes and one PutObject of the result, against the same emulator. The
 *   issue names sharp alone; beside it, reading 1.9 MB and storing the result weigh a quarter of a
 *   12 MP JPEG's resize, so that ratio is reported too (`ratio to sharp alone`), not targeted.
 * - Later requests: renditions made already, so the handler answers from the rendition's record,
 *   read in one batch with the file and the settings, and a signature. Floor (the issue's): a bare
 *   HeadObject + getSignedUrl of the same key (same content type and disposition), with the SDK
 *   client configured as the adapter's.
 *
 * The two kinds alternate with their floors (a fresh order each round), so a busy neighbour moves
 * both alike. Every file is processed (ready, with its thumbnails) before anything is timed: no
 * processing runs in this process while it is measured.
 */
const SECTION = 'renditions';
const TARGET = 1.2;
const SPEC = { width: 1024, height: 1024, fit: 'inside', format: 'webp' } as const;
/** Where the floor keeps its copy of the original: outside any file's keys. */
const FLOOR_ORIGINAL = 'content/bench-floor/original.jpg';
const QUERY = `width=${SPEC.width}&height=${SPEC.height}&fit=${SPEC.fit}&format=${SPEC.format}`;

interface Answer {
  id: string;
  url: string;
  status: string;
  thumbnails: unknown[];
}

export const renditions: Section = async ({ quick }) => {
  const firstSamples = quick ? 2 : 30;
  const laterSamples = quick ? 30 : 300;
  const warmup = quick ? 5 : 30;
  const [width, height] = quick ? [1224, 816] : [4000, 3000];

  const dir = mkdtempSync(join(tmpdir(), 'fileport-bench-renditions-'));
  const stack = await startLocalStack({ port: 0, dataDir: null });
  try {
    const imagePath = join(dir, 'photo.jpg');
    const what = await writeImage(imagePath, width, height, encoders.jpeg, 'JPEG');
    const original = readFileSync(imagePath);

    // Imported after the stack has set the environment the Lambdas read on first use.
    const { handler: renditionsLambda } = (await import('../../lambdas/entrypoints/api-renditions')) as { handler: ApiLambda };
    const { WEBP } = await import('../../lambdas/inspect/make-thumbnails');
    const jwt = await stack.auth.issue({ tenantId: 'bench', sub: 'bench-user', scopes: ['files:read', 'files:write'] }, stack.tenantClaim);
    const member: Caller = { jwt, claims: gatewayClaims(await stack.auth.verify(jwt)) };
    const api = new Api(stack.apiUrl, jwt);

    // One file per first request, one more to warm the handler (sharp, the SDK clients) untimed.
    const ids: string[] = [];
    for (let i = 0; i <= firstSamples; i++) ids.push(await api.upload({ name: `Photo ${i}.jpg`, fileTypeId: 'jpeg' }, original, 'image/jpeg'));
    for (const id of ids) {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const file = (await api.call<Answer>('GET', `/v1/files/${id}?wait=10`)).body;
        if (file.status === 'ready' && file.thumbnails.length === 2) break;
        if (file.status === 'failed' || Date.now() > deadline) throw new Error(`The photo ${id} did not become ready with thumbnails: ${JSON.stringify(file)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    const request = (id: string) => gatewayEvent('GET', `/v1/files/${id}/renditions?${QUERY}`, member);
    const expectUrl = (result: ApiResult, what: string): string => {
      if (result.statusCode !== 200) throw new Error(`${what} answered ${result.statusCode}: ${result.body}`);
      return (JSON.parse(result.body ?? '{}') as Answer).url;
    };
    const sharpAlone = (bytes: Buffer) => sharp(bytes).resize({ width: SPEC.width, height: SPEC.height, fit: SPEC.fit }).webp(WEBP).toBuffer({ resolveWithObject: true });
    // The floor's own copy of the original, read as the handler reads its file's, and its own keys to store at.
    const s3 = new S3Client({ forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    await s3.send(new PutObjectCommand({ Bucket: LOCAL_BUCKET, Key: FLOOR_ORIGINAL, Body: original, ContentType: 'image/jpeg' }));
    let floorPuts = 0;
    const floorRender = async () => {
      const got = await s3.send(new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: FLOOR_ORIGINAL }));
      const { data, info } = await sharpAlone(Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()));
      await s3.send(new PutObjectCommand({ Bucket: LOCAL_BUCKET, Key: `thumbnails/bench-floor/${floorPuts++}.webp`, Body: data, ContentType: 'image/webp' }));
      return info;
    };

    // Untimed: the first call loads what a warm function has loaded.
    const [warmId, ...sampleIds] = ids as [string, ...string[]];
    const keys = [keyOf(expectUrl(await renditionsLambda(request(warmId), lambdaContext('fileport-renditions')), 'The warm-up rendition'))];
    await floorRender();

    const first: number[] = [];
    const firstFloor: number[] = [];
    const firstSharp: number[] = [];
    let made: { width: number; height: number } | undefined;
    for (const id of sampleIds) {
      const event = request(id);
      for (const which of shuffled(['real', 'floor', 'sharp'] as const)) {
        const started = performance.now();
        if (which === 'real') {
          const url = expectUrl(await renditionsLambda(event, lambdaContext('fileport-renditions')), 'A first rendition request');
          first.push(performance.now() - started);
          keys.push(keyOf(url));
        } else if (which === 'floor') {
          made = await floorRender();
          firstFloor.push(performance.now() - started);
        } else {
          await sharpAlone(original);
          firstSharp.push(performance.now() - started);
        }
      }
    }

    // Later requests: the renditions made above, in turn, beside a bare HeadObject + signature of the same key.
    const later: number[] = [];
    const laterFloor: number[] = [];
    const allIds = [warmId, ...sampleIds];
    for (let i = 0; i < warmup + laterSamples; i++) {
      const index = i % allIds.length;
      const event = request(allIds[index] as string);
      const key = keys[index] as string;
      for (const which of shuffled(['real', 'floor'] as const)) {
        const started = performance.now();
        if (which === 'real') {
          const url = expectUrl(await renditionsLambda(event, lambdaContext('fileport-renditions')), 'A later rendition request');
          const elapsed = performance.now() - started;
          if (keyOf(url) !== key) throw new Error(`A later request answered another key than the first: ${url}`);
          if (i >= warmup) later.push(elapsed);
        } else {
          const head = await s3.send(new HeadObjectCommand({ Bucket: LOCAL_BUCKET, Key: key }));
          await getSignedUrl(s3, new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: key, ResponseContentType: 'image/webp', ResponseContentDisposition: 'inline; filename="photo-1024x1024-inside.webp"' }), {
            expiresIn: 300,
          });
          const elapsed = performance.now() - started;
          if (head.ContentLength === undefined) throw new Error(`HeadObject of ${key} answered no length`);
          if (i >= warmup) laterFloor.push(elapsed);
        }
      }
    }
    s3.destroy();

    const figure = (name: string, real: number[], floorName: string, floor: number[], extra: Figure['extra']): Figure => {
      const r = ratio(median(real), median(floor));
      return {
        section: SECTION,
        ...distribution(name, 'ms', real),
        floor: distribution(floorName, 'ms', floor),
        ratio: r,
        target: `ratio ≤ ${TARGET} (p50)`,
        pass: r <= TARGET,
        extra,
      };
    };
    const box = `${SPEC.width}×${SPEC.height} ${SPEC.fit} ${SPEC.format}`;
    return [
      figure(`rendition, first request (made by sharp, stored), ${box}`, first, `GetObject of the original, bare sharp resize + WebP encode, PutObject`, firstFloor, {
        input: what,
        'sharp alone p50 ms': Number(median(firstSharp).toPrecision(3)),
        'ratio to sharp alone': ratio(median(first), median(firstSharp)),
        'original MB': Number((original.length / 1024 ** 2).toFixed(2)),
        result: made ? `${made.width}×${made.height}` : '',
        'each sample': 'a rendition never made before (a file of its own)',
      }),
      figure(`rendition, later request (served from S3), ${box}`, later, 'bare HeadObject + getSignedUrl of the same key', laterFloor, {
        'renditions requested in turn': allIds.length,
        warmup,
        'what the handler does': 'reads the file (which records its renditions) and the tenant settings in one BatchGetItem, checks the allowlist, signs, writes an audit line',
      }),
    ];
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};

/** The object key a pre-signed URL names (path style: /bucket/key). */
function keyOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split('/').slice(2).join('/'));
}
