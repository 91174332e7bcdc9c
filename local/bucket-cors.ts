import { PutBucketCorsCommand, type CORSRule, type S3Client } from '@aws-sdk/client-s3';

/**
 * The bucket's CORS rule, as lib/storage.ts deploys it: browsers of these origins PUT, POST and
 * GET objects through pre-signed URLs with whatever headers the URL signs (the signature decides
 * what a request may do, not CORS), and read the ETag, which a multipart upload must send back for
 * every part.
 */
export const bucketCorsRule = (origins: string[]): CORSRule => ({
  AllowedOrigins: origins,
  AllowedMethods: ['PUT', 'POST', 'GET', 'HEAD', 'DELETE'],
  AllowedHeaders: ['*'],
  ExposeHeaders: ['ETag'],
  MaxAgeSeconds: 3000,
});

/** Replaces the bucket's CORS configuration through the S3 API (PutBucketCors). */
export async function putBucketCors(s3: S3Client, bucket: string, origins: string[]): Promise<void> {
  await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [bucketCorsRule(origins)] } }));
}
