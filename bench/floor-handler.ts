import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { randomUUID } from 'node:crypto';

/**
 * The floor of `npm run bench`'s Lambda weight: the least an upload-URL Lambda can be, one
 * DynamoDB GetItem and one S3 presign with the SDK bundled, and nothing else (no validation, no
 * middleware, no error mapping). It is bundled with the same settings as every Fileport Lambda and
 * never deployed; an API Lambda heavier than this by much carries something it should not.
 */
let clients: { db: DynamoDBDocumentClient; s3: S3Client } | undefined;

export async function handler(event: { pathParameters?: Record<string, string | undefined> }): Promise<{ statusCode: number; body: string }> {
  // Built on first use, as lambdas/services.ts builds Fileport's, so init times compare like for like.
  clients ??= { db: DynamoDBDocumentClient.from(new DynamoDBClient({})), s3: new S3Client({}) };
  const id = event.pathParameters?.id ?? '';
  const { Item } = await clients.db.send(new GetCommand({ TableName: process.env.FILEPORT_TABLE_NAME, Key: { pk: `FILE#${id}`, sk: 'FILE' } }));
  if (!Item) return { statusCode: 404, body: '{}' };
  const url = await getSignedUrl(clients.s3, new PutObjectCommand({ Bucket: process.env.FILEPORT_BUCKET_NAME, Key: `content/${id.replaceAll('-', '')}/${randomUUID().replaceAll('-', '')}` }), { expiresIn: 900 });
  return { statusCode: 200, body: JSON.stringify({ url }) };
}
