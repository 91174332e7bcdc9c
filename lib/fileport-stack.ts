import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Api } from './api';
import type { FileEvents } from './events';
import { Fileport, type FileportProps } from './fileport';
import type { Processing } from './processing';
import type { Storage } from './storage';

export interface FileportStackProps extends StackProps {
  /** Options of the Fileport construct; whatever is not given comes from context (`fileport:*`). */
  fileport?: FileportProps;
}

/**
 * The whole service in one stack: the Fileport construct and its outputs. It is environment-agnostic
 * (no account, no region, no lookups), so `cdk synth` runs anywhere, including CI machines without
 * AWS credentials.
 */
export class FileportStack extends Stack {
  readonly fileport: Fileport;

  constructor(scope: Construct, id: string, props: FileportStackProps = {}) {
    super(scope, id, props);
    // `Default` leaves the construct out of every logical id: the resources keep the ids they had
    // when the stack built them itself, so deployed stacks update in place (test/cdk/retention.test.ts).
    this.fileport = new Fileport(this, 'Default', props.fileport);

    new CfnOutput(this, 'ApiUrl', { value: this.fileport.url, description: 'Base URL of the Fileport HTTP API' });
    new CfnOutput(this, 'BucketName', { value: this.storage.bucket.bucketName, description: 'Bucket of file contents and thumbnails' });
    new CfnOutput(this, 'EventBusName', { value: this.events.bus.eventBusName, description: 'EventBridge bus of Fileport events (source fileport): add rules to route them' });
    new CfnOutput(this, 'TableName', { value: this.storage.table.tableName, description: 'DynamoDB table of file metadata' });
    const users = this.api.userPool;
    if (users) {
      new CfnOutput(this, 'UserPoolId', { value: users.userPool.userPoolId, description: 'Fallback Cognito user pool (no external issuer set)' });
      new CfnOutput(this, 'UserPoolClientId', { value: users.client.userPoolClientId, description: 'App client of the fallback user pool' });
    }
  }

  get storage(): Storage {
    return this.fileport.storage;
  }

  get api(): Api {
    return this.fileport.api;
  }

  get processing(): Processing {
    return this.fileport.processing;
  }

  get events(): FileEvents {
    return this.fileport.events;
  }
}
