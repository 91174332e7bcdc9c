import { DynamoFileRepository } from './adapters/dynamo-file-repository';
import { DynamoSettingsRepository } from './adapters/dynamo-settings-repository';
import { makeDocumentClient, makeS3Client } from './adapters/aws-clients';
import { S3ObjectStore } from './adapters/s3-object-store';
import { DynamoShareTokenRepository } from './adapters/dynamo-share-token-repository';
import { getConfig, type Config } from './config';
import type { SharingDeps } from './domain/ports';
import { EmfTelemetry } from './observability/emf';

export type Services = SharingDeps & { config: Config };

let services: Services | undefined;

/** Clients are built on first use and reused for the life of the Lambda container. */
export function getServices(): Services {
  if (!services) {
    const config = getConfig();
    const db = makeDocumentClient();
    services = {
      config,
      files: new DynamoFileRepository(db, config.tableName),
      shareTokens: new DynamoShareTokenRepository(db, config.tableName),
      settings: new DynamoSettingsRepository(db, config.tableName),
      objects: new S3ObjectStore(makeS3Client(config), config.bucketName, { kmsKeyArn: config.objectKmsKeyArn }),
      now: () => new Date(),
      telemetry: new EmfTelemetry(),
    };
  }
  return services;
}
