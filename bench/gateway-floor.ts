import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { importJWK, jwtVerify, type JWK } from 'jose';

/**
 * The gateway section's floor: the least a server can do to grant an upload URL for real, in its own
 * process and on node:http alone. It verifies the same ES256 JWT with jose (issuer, audience, expiry),
 * reads the file with one GetItem from the same DynamoDB Local, checks the tenant, and presigns a PUT
 * of a fresh key against the same S3 emulator, signed as the service signs it: no routing,
 * validation, middleware or error mapping.
 * Prints its URL once listening. Environment: BENCH_JWKS_URL, BENCH_ISSUER, BENCH_AUDIENCE,
 * BENCH_TENANT_CLAIM, BENCH_TABLE, BENCH_BUCKET and the AWS endpoint variables the stack set.
 */
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

async function main(): Promise<void> {
  const { keys } = (await (await fetch(env('BENCH_JWKS_URL'))).json()) as { keys: JWK[] };
  const publicKey = await importJWK(keys[0] as JWK, 'ES256');
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const s3 = new S3Client({ forcePathStyle: true });
  const [table, bucket, claim] = [env('BENCH_TABLE'), env('BENCH_BUCKET'), env('BENCH_TENANT_CLAIM')];
  const verifyOptions = { issuer: env('BENCH_ISSUER'), audience: env('BENCH_AUDIENCE'), algorithms: ['ES256'] };

  const answer = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    const bytes = Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': bytes.length });
    res.end(bytes);
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      try {
        const { payload } = await jwtVerify((req.headers.authorization ?? '').slice('Bearer '.length), publicKey, verifyOptions);
        const id = /^\/v1\/files\/([^/]+)\/upload$/.exec(req.url ?? '')?.[1] ?? '';
        const { Item } = await db.send(new GetCommand({ TableName: table, Key: { pk: `FILE#${id}`, sk: 'FILE' }, ConsistentRead: true }));
        if (!Item || Item.tenantId !== payload[claim]) return answer(res, 404, { error: { code: 'FILE_NOT_FOUND', message: 'No such file.' } });
        // Signed as the service signs an upload grant: the grant's metadata travels as headers.
        const metadata = { 'uploaded-by': encodeURIComponent(String(payload.sub)), overwrite: 'false', 'max-size': '5368709120' };
        const headers: Record<string, string> = { 'content-type': 'application/pdf', 'if-none-match': '*', ...Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`x-amz-meta-${k}`, v])) };
        const metadataHeaders = Object.keys(headers).filter((name) => name.startsWith('x-amz-meta-'));
        const key = `content/${id.replaceAll('-', '')}/${randomUUID().replaceAll('-', '')}`;
        const url = await getSignedUrl(
          s3,
          new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: 'application/pdf', IfNoneMatch: '*', Metadata: metadata }),
          { expiresIn: 900, signableHeaders: new Set(Object.keys(headers)), unhoistableHeaders: new Set(metadataHeaders) },
        );
        answer(res, 200, { url, method: 'PUT', headers, expiresAt: new Date(Date.now() + 900_000).toISOString() });
      } catch {
        answer(res, 401, { error: { code: 'UNAUTHORIZED', message: 'Bad token.' } });
      }
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    console.log(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
