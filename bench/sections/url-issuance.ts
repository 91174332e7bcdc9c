import { createHash } from 'node:crypto';
import { CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { newContentKey } from '../../lambdas/domain/files/files';
import type { ApiResult } from '../../lambdas/http/request';
import type { RouteGroup } from '../../lambdas/routes';
import { gatewayClaims, lambdaContext, type ApiLambda } from '../../local/gateway';
import { startLocalStack } from '../../local/stack';
import { gatewayEvent, type Caller } from '../events';
import type { Figure, Section } from '../figures';
import { distribution, ratio, round, shuffled } from '../stats';

const MiB = 1024 * 1024;
const TARGET = 1.2;

/**
 * Section 1: what each URL-issuing Lambda costs over the least it must do.
 *
 * Each handler is the real group entrypoint, called in-process with the event the local gateway
 * builds (JWT claims included, none for share tokens and public links) against DynamoDB Local and
 * the S3 emulator. Its floor is the DynamoDB reads the route cannot do without, one after the other
 * as they depend on each other, and the same signing, called directly with clients configured as the
 * service's: for a member's grant one GetItem (the file) and the presign; for a share token the
 * token's GetItem, then the file's beside the UpdateItem that counts the token's requests (its rate
 * limit); for a public link the file's. Handler and floor calls alternate,
 * in a fresh order each round, so a GC pause or a busy neighbour lands on both alike.
 */
export const urlIssuance: Section = async ({ quick }) => {
  const samples = quick ? 200 : 2000;
  const warmup = quick ? 50 : 300;
  // Thousands of calls of one share token within a minute: the per-token limit must not answer them.
  process.env.FILEPORT_SHARE_TOKEN_REQUESTS_PER_MINUTE = '100000';
  const stack = await startLocalStack({ port: 0, dataDir: null });
  try {
    // Imported after the stack has set the environment the Lambdas read on first use.
    const lambdas = {
      uploads: ((await import('../../lambdas/entrypoints/api-uploads')) as { handler: ApiLambda }).handler,
      downloads: ((await import('../../lambdas/entrypoints/api-downloads')) as { handler: ApiLambda }).handler,
      files: ((await import('../../lambdas/entrypoints/api-files')) as { handler: ApiLambda }).handler,
      shared: ((await import('../../lambdas/entrypoints/api-shared')) as { handler: ApiLambda }).handler,
    } satisfies Partial<Record<RouteGroup, ApiLambda>>;
    const { getConfig } = await import('../../lambdas/config');
    const { makeDocumentClient, makeS3Client } = await import('../../lambdas/adapters/aws-clients');
    const { S3ObjectStore } = await import('../../lambdas/adapters/s3-object-store');
    const { tableSchema } = await import('../../lambdas/adapters/table-schema');
    const { contentDisposition } = await import('../../lambdas/domain/transfer/downloads');
    const { PUBLIC_URL_MAX_TTL_SECONDS } = await import('../../lambdas/domain/sharing/public-files');

    const jwt = await stack.auth.issue({ tenantId: 'bench', sub: 'bench-user', scopes: ['files:read', 'files:write'] }, stack.tenantClaim);
    const member: Caller = { jwt, claims: gatewayClaims(await stack.auth.verify(jwt)) };
    const invoke = (group: keyof typeof lambdas, method: string, path: string, body?: unknown, caller: Caller | undefined = member) =>
      lambdas[group](gatewayEvent(method, path, caller, body), lambdaContext(`fileport-${group}`));
    const expectOk = (result: ApiResult, what: string): Record<string, unknown> => {
      if (result.statusCode === undefined || result.statusCode < 200 || result.statusCode > 302) throw new Error(`${what} answered ${result.statusCode}: ${result.body}`);
      return JSON.parse(result.body || '{}') as Record<string, unknown>;
    };

    // A PDF-typed file to upload to, a ZIP-typed one for multipart uploads, and a public text file
    // with content to download, share and link to.
    const pdf = expectOk(await invoke('files', 'POST', '/v1/files', { name: 'Bench contract', fileTypeId: 'pdf' }), 'create');
    const zip = expectOk(await invoke('files', 'POST', '/v1/files', { name: 'Bench backup', fileTypeId: 'zip' }), 'create');
    const txt = expectOk(await invoke('files', 'POST', '/v1/files', { name: 'Bench notes', fileTypeId: 'txt' }), 'create');
    const grant = expectOk(await invoke('uploads', 'PUT', `/v1/files/${txt.id}/upload`), 'upload URL') as { url: string; headers: Record<string, string> };
    const put = await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: 'hello from the bench\n' });
    if (put.status !== 200) throw new Error(`PUT to the S3 emulator failed: ${put.status} ${await put.text()}`);
    await waitUntilReady(async () => String(expectOk(await invoke('files', 'GET', `/v1/files/${txt.id}`), 'get').status));
    expectOk(await invoke('files', 'PATCH', `/v1/files/${txt.id}`, { accessControl: 'public' }), 'publish');
    const share = expectOk(await invoke('files', 'POST', `/v1/files/${txt.id}/tokens`, { accessLevel: 'read' }), 'share') as { token: string };

    const config = getConfig();
    const db = makeDocumentClient();
    const s3 = makeS3Client(config);
    const objects = new S3ObjectStore(s3, config.bucketName);
    const getItem = async (pk: string, sk: string) => {
      const Key = { [tableSchema.partitionKey]: pk, [tableSchema.sortKey]: sk };
      const { Item } = await db.send(new GetCommand({ TableName: config.tableName, Key, ConsistentRead: true }));
      // A miss is cheaper than a hit: a floor that measured misses would flatter nothing and mean nothing.
      if (!Item) throw new Error(`The floor's GetItem found no ${pk} / ${sk}: the key layout changed`);
      return Item;
    };
    const getFile = (id: unknown) => getItem(`FILE#${String(id)}`, 'FILE');

    // What an upload grant signs, as the service signs it: Content-Type, If-None-Match (the URL creates
    // its object once) and the grant's metadata as headers (who, overwrite, the size limit).
    const grantMetadata = { 'uploaded-by': 'bench-user', overwrite: 'false', 'max-size': String(5 * 1024 * MiB) };
    const metadataHeaders = Object.keys(grantMetadata).map((name) => `x-amz-meta-${name}`);
    const putUrl = async (id: unknown) => {
      const item = await getFile(id);
      await getSignedUrl(
        s3,
        // A fresh key per grant, as the handler mints one.
        new PutObjectCommand({ Bucket: config.bucketName, Key: newContentKey({ id: String(item.id) }), ContentType: 'application/pdf', IfNoneMatch: '*', Metadata: grantMetadata }),
        { expiresIn: config.uploadUrlTtlSeconds, signableHeaders: new Set(['content-type', 'if-none-match', ...metadataHeaders]), unhoistableHeaders: new Set(metadataHeaders) },
      );
    };
    const form = async (id: unknown) => {
      const item = await getFile(id);
      await objects.presignPost(newContentKey({ id: String(item.id) }), { contentType: 'application/pdf', minSize: 0, maxSize: 5 * MiB, metadata: grantMetadata, expiresIn: config.uploadUrlTtlSeconds });
    };
    const multipart = (parts: number) => async (id: unknown) => {
      const item = await getFile(id);
      const Key = newContentKey({ id: String(item.id) });
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: config.bucketName, Key, ContentType: 'application/zip', Metadata: grantMetadata }));
      await Promise.all(
        Array.from({ length: parts }, (_, i) =>
          getSignedUrl(s3, new UploadPartCommand({ Bucket: config.bucketName, Key, UploadId, PartNumber: i + 1, ContentLength: 5 * MiB }), { expiresIn: config.uploadUrlTtlSeconds }),
        ),
      );
    };
    const disposition = contentDisposition('attachment', 'Bench notes.txt');
    const signGet = (item: Record<string, unknown>, expiresIn: number) =>
      getSignedUrl(s3, new GetObjectCommand({ Bucket: config.bucketName, Key: String(item.contentKey), ResponseContentType: 'text/plain', ResponseContentDisposition: disposition }), { expiresIn });
    const download = async (id: unknown) => void (await signGet(await getFile(id), config.downloadUrlTtlSeconds));
    const shareHash = createHash('sha256').update(share.token).digest('hex');
    const sharedDownload = async () => {
      const token = await getItem(`SHARE#${shareHash}`, 'SHARE');
      // The per-token request limit is part of what a token download is: its count, beside the file.
      const windowStart = Math.floor(Date.now() / 60_000) * 60_000;
      const [file] = await Promise.all([
        getFile(token.fileId),
        db.send(
          new UpdateCommand({
            TableName: config.tableName,
            Key: { [tableSchema.partitionKey]: `RATE#floor-${String(token.id)}`, [tableSchema.sortKey]: new Date(windowStart).toISOString() },
            UpdateExpression: 'ADD #n :one',
            ExpressionAttributeNames: { '#n': 'requests' },
            ExpressionAttributeValues: { ':one': 1 },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      ]);
      await signGet(file, config.downloadUrlTtlSeconds);
    };
    const publicLink = async (id: unknown) => void (await signGet(await getFile(id), PUBLIC_URL_MAX_TTL_SECONDS));

    const routes: Route[] = [
      { name: 'upload URL (PUT /v1/files/{id}/upload)', group: 'uploads', method: 'PUT', path: `/v1/files/${pdf.id}/upload`, floor: () => putUrl(pdf.id), floorName: 'GetItem + presigned PUT' },
      { name: 'download URL (GET /v1/files/{id}/download)', group: 'downloads', method: 'GET', path: `/v1/files/${txt.id}/download`, floor: () => download(txt.id), floorName: 'GetItem + presigned GET' },
      { name: 'upload form (POST /v1/files/{id}/upload-form)', group: 'uploads', method: 'POST', path: `/v1/files/${pdf.id}/upload-form`, floor: () => form(pdf.id), floorName: 'GetItem + POST policy' },
      ...[1, 10].map(
        (parts): Route => ({
          name: `multipart upload, ${parts} part URL${parts > 1 ? 's' : ''} (POST /v1/files/{id}/multipart)`,
          group: 'uploads',
          method: 'POST',
          path: `/v1/files/${zip.id}/multipart`,
          body: { size: parts * 5 * MiB, partSize: 5 * MiB },
          status: 201,
          floor: () => multipart(parts)(zip.id),
          floorName: `GetItem + CreateMultipartUpload + ${parts} presigned part PUT${parts > 1 ? 's' : ''}`,
        }),
      ),
      { name: 'shared download URL (GET /v1/shared/{token}/download)', group: 'shared', method: 'GET', path: `/v1/shared/${share.token}/download`, anonymous: true, floor: sharedDownload, floorName: 'token GetItem, then file GetItem and request count UpdateItem, + presigned GET' },
      { name: 'public link (GET /v1/public/{id}/{name})', group: 'shared', method: 'GET', path: `/v1/public/${txt.id}/notes.txt`, anonymous: true, status: 302, floor: () => publicLink(txt.id), floorName: 'GetItem + presigned GET' },
    ];

    const figures: Figure[] = [];
    for (const route of routes) {
      const timings = { handler: [] as number[], floor: [] as number[] };
      const status = route.status ?? 200;
      for (let i = 0; i < warmup + samples; i++) {
        const event = gatewayEvent(route.method, route.path, route.anonymous ? undefined : member, route.body);
        const context = lambdaContext(`fileport-${route.group}`);
        const contenders = {
          // Only the status is checked inside the timing; the floor parses no answer either.
          handler: async () => {
            const result = await lambdas[route.group](event, context);
            if (result.statusCode !== status) throw new Error(`${route.name} answered ${result.statusCode}: ${result.body}`);
          },
          floor: route.floor,
        };
        for (const which of shuffled(['handler', 'floor'] as const)) {
          const started = performance.now();
          await contenders[which]();
          const elapsed = performance.now() - started;
          if (i >= warmup) timings[which].push(elapsed * 1000);
        }
      }
      const measured = distribution(`${route.name} handler`, 'µs', timings.handler);
      const floor = distribution(route.floorName, 'µs', timings.floor);
      const r = ratio(measured.median, floor.median);
      figures.push({
        section: 'url-issuance',
        ...measured,
        floor,
        ratio: r,
        target: `ratio ≤ ${TARGET} at p50`,
        pass: r <= TARGET,
        extra: { 'overhead p50 µs': round(measured.median - floor.median), warmup },
      });
    }
    // What each part URL adds: the slope between the 1-part and the 10-part upload.
    const [one, ten] = figures.filter((f) => f.name.startsWith('multipart upload'));
    if (one && ten && one.floor && ten.floor) {
      ten.extra = { ...ten.extra, 'µs per part URL': round((ten.median - one.median) / 9), 'floor µs per part URL': round((ten.floor.median - one.floor.median) / 9) };
    }
    db.destroy();
    s3.destroy();
    return figures;
  } finally {
    await stack.stop();
  }
};

interface Route {
  name: string;
  group: 'uploads' | 'downloads' | 'shared';
  method: string;
  path: string;
  body?: unknown;
  /** The route's success status; 200 when absent. */
  status?: number;
  /** Called without a JWT, as share-token and public routes are. */
  anonymous?: boolean;
  floor: () => Promise<void>;
  floorName: string;
}

async function waitUntilReady(status: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (let s = await status(); s !== 'ready'; s = await status()) {
    if (s === 'failed' || Date.now() > deadline) throw new Error(`The uploaded bench file is ${s}, not ready`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
