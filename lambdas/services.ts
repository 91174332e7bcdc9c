import { DynamoFileRepository } from './adapters/dynamo-file-repository';
import { DynamoSettingsRepository } from './adapters/dynamo-settings-repository';
import { makeDocumentClient, makeS3Client } from './adapters/aws-clients';
import { S3ObjectStore } from './adapters/s3-object-store';
import { getConfig, type Config } from './config';
import type { Deps } from './domain/ports';

export type Services = Deps & { config: Config };

let services: Services | undefined;

/** Clients are built on first use and reused for the life of the Lambda container. */
export function getServices(): Services {
  if (!services) {
    const config = getConfig();
    services = {
      config,
      files: new DynamoFileRepository(makeDocumentClient(), config.tableName),
      settings: new DynamoSettingsRepository(makeDocumentClient(), config.tableName),
      objects: new S3ObjectStore(makeS3Client(config), config.bucketName),
      now: () => new Date(),
    };
  }
  return services;
}
