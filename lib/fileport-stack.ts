import { Aspects, CfnOutput, CfnResource, Stack, Validations, type IAspect, type StackProps } from 'aws-cdk-lib';
import type { Construct, IConstruct } from 'constructs';
import { Api } from './api';
import { Operations } from './operations';
import { Processing } from './processing';
import { readSettings } from './settings';
import { Storage } from './storage';

/**
 * The whole service in one stack. It is environment-agnostic (no account, no region, no lookups),
 * so `cdk synth` runs anywhere, including CI machines without AWS credentials.
 */
export class FileportStack extends Stack {
  readonly storage: Storage;
  readonly api: Api;
  readonly processing: Processing;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // Server access logs are delivered under a bucket policy instead of the legacy
    // LogDeliveryWrite ACL, which needs ACLs enabled on the log bucket. Set on the stack rather
    // than in cdk.json so the stack is the same in any App, including the tests'.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const settings = readSettings(this);

    this.storage = new Storage(this, 'Storage', settings);
    this.api = new Api(this, 'Api', { storage: this.storage, settings });
    this.processing = new Processing(this, 'Processing', { storage: this.storage, settings });
    new Operations(this, 'Operations', { api: this.api, processing: this.processing, alarmEmail: settings.alarmEmail });
    acknowledgeBucketNotificationsHandler(this);
    Aspects.of(this).add(new AcknowledgementsInTemplate());

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the Fileport HTTP API' });
    new CfnOutput(this, 'BucketName', { value: this.storage.bucket.bucketName, description: 'Bucket of file contents and thumbnails' });
    new CfnOutput(this, 'TableName', { value: this.storage.table.tableName, description: 'DynamoDB table of file metadata' });
    const users = this.api.userPool;
    if (users) {
      new CfnOutput(this, 'UserPoolId', { value: users.userPool.userPoolId, description: 'Fallback Cognito user pool (no external issuer set)' });
      new CfnOutput(this, 'UserPoolClientId', { value: users.client.userPoolClientId, description: 'App client of the fallback user pool' });
    }
  }
}

/**
 * `bucket.addEventNotification` brings a CDK-owned singleton Lambda (a custom resource that calls
 * PutBucketNotificationConfiguration at deploy time). Its role is created by aws-cdk-lib and is not
 * ours to change, so its one finding is acknowledged here.
 */
function acknowledgeBucketNotificationsHandler(stack: Stack): void {
  const handler = stack.node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'));
  if (!handler) return;
  Validations.of(handler).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      'Role of the aws-cdk-lib S3 bucket-notifications custom resource handler, created by the library; the managed policy only lets it write its own logs, and its S3 permission is scoped to the Fileport bucket.',
  });
}

/**
 * Writes each resource's cdk-nag acknowledgements (its own and its parents') into its template
 * metadata, in cdk-nag's own format (`cdk_nag.rules_to_suppress`): the reasons ship with what is
 * deployed, for an auditor reading the template or a scanner run on it, not only in this source.
 */
class AcknowledgementsInTemplate implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof CfnResource)) return;
    const rules = new Map<string, string>();
    for (const scope of node.node.scopes) {
      for (const entry of scope.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) rules.set(id, reason);
      }
    }
    if (rules.size === 0) return;
    node.addMetadata('cdk_nag', { rules_to_suppress: [...rules].map(([id, reason]) => ({ id, reason })) });
  }
}
