import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { recordAwsCalls } from './aws-call-recorder';
import type { Config } from '../config';

// Endpoints come from the SDK's own AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 / _DYNAMODB variables,
// which is how the same code reaches real AWS, LocalStack or the embedded emulators.

export function makeDocumentClient(): DynamoDBDocumentClient {
  // Recorded on the base client: the document client's commands are sent through its middleware.
  return DynamoDBDocumentClient.from(recordAwsCalls(new DynamoDBClient({})), { marshallOptions: { removeUndefinedValues: true } });
}

export function makeS3Client(config: Config): S3Client {
  const client = new S3Client({
    forcePathStyle: config.s3ForcePathStyle,
    // Without this the SDK signs a CRC32 of an empty body into presigned PUT URLs, and real S3
    // rejects every upload made with them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return recordAwsCalls(client);
}
