import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
// In your app: the `lib/index.ts` of your Fileport checkout.
import { Fileport } from '../../lib';

export interface DocumentsStackProps extends StackProps {
  /** The bucket the app already keeps its documents in. */
  bucketName: string;
  /** The app's existing table, with Fileport's schema (see FileportProps.table). */
  tableName: string;
}

/**
 * A team's own stack with Fileport inside it: their identity provider, their bucket and table, x86
 * Lambdas, and tighter limits than Fileport's defaults. What is not given here (the share-token
 * limits, the pending-file TTL…) comes from the app's `fileport:*` context, else Fileport's defaults.
 */
export class DocumentsStack extends Stack {
  readonly files: Fileport;

  constructor(scope: Construct, id: string, props: DocumentsStackProps) {
    super(scope, id, props);
    this.files = new Fileport(this, 'Files', {
      jwtIssuer: 'https://login.acme.example',
      jwtAudience: ['documents-api'],
      tenantClaim: 'org_id',
      corsOrigins: ['https://documents.acme.example'],
      architecture: 'x86_64',
      maxVersions: 3,
      maxFileSize: 100 * 1024 ** 2,
      bucket: s3.Bucket.fromBucketName(this, 'Documents', props.bucketName),
      table: dynamodb.Table.fromTableName(this, 'DocumentIndex', props.tableName),
    });
    new CfnOutput(this, 'FilesApiUrl', { value: this.files.url, description: 'Fileport API of the documents app' });
  }
}
