import { Aspects, CfnResource, Stack, Validations, type IAspect } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { Api } from './api';
import { FileEvents } from './events';
import { MalwareScanning } from './malware-scanning';
import { Operations } from './operations';
import { Processing } from './processing';
import { readSettings, type FileportSettings } from './deployment-settings';
import { Storage } from './storage';
import { Webhooks } from './webhooks';

/**
 * The same options as the `fileport:*` context keys, by the same names (lib/deployment-settings.ts). A prop
 * given here wins over the context, which wins over the default; either is checked the same way.
 */
export interface FileportProps extends Partial<FileportSettings> {
  /**
   * A bucket of yours for file contents and thumbnails, instead of one Fileport creates. It is used
   * as it is: Fileport subscribes its metadata queue to `content/` uploads and grants its functions
   * their prefixes, but sets no CORS rule, encryption, lifecycle or access logging on it. Browsers
   * upload to it directly, so it needs the CORS rule a created bucket gets (lib/storage.ts), and a
   * rule that aborts incomplete multipart uploads.
   */
  bucket?: s3.IBucket;
  /**
   * A table of yours for file metadata, instead of one Fileport creates. It must have the schema of
   * lambdas/adapters/table-schema.ts: string keys `pk` and `sk`, a global index `gsi1` on string
   * keys `gsi1pk` and `gsi1sk` projecting ALL, and TTL on `ttl`. Fileport grants its functions the
   * item calls they make on it and its index, nothing else.
   */
  table?: dynamodb.ITable;
}

/**
 * The whole Fileport service as one construct, for a stack of yours or for FileportStack: the
 * bucket and table (or yours), the HTTP API with its JWT authorizer, and the processing pipeline.
 * Put at most one in a stack under the id `Default` to get the logical ids FileportStack deploys.
 */
export class Fileport extends Construct {
  readonly settings: FileportSettings;
  readonly storage: Storage;
  readonly api: Api;
  readonly processing: Processing;
  /** The events bus (rules go on `events.bus`) and its publisher. */
  readonly events: FileEvents;
  /** GuardDuty Malware Protection and the scan-result function; only with `fileport:malwareScanning`. */
  readonly malwareScanning?: MalwareScanning;
  /** Tenant webhooks' delivery: the rule on the events bus, its queue and function. */
  readonly webhooks: Webhooks;
  /** Alarms (with their topic) and the dashboard. */
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props: FileportProps = {}) {
    super(scope, id);
    // Server access logs are delivered under a bucket policy instead of the legacy
    // LogDeliveryWrite ACL, which needs ACLs enabled on the log bucket. Set here rather than in
    // cdk.json so a Fileport is the same in any App, a test's or an operator's.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const { bucket, table, ...overrides } = props;
    this.settings = readSettings(this, overrides);

    this.storage = new Storage(this, 'Storage', { ...this.settings, existingBucket: bucket, existingTable: table });
    this.api = new Api(this, 'Api', { storage: this.storage, settings: this.settings });
    this.processing = new Processing(this, 'Processing', { storage: this.storage, settings: this.settings });
    this.events = new FileEvents(this, 'Events', { storage: this.storage, settings: this.settings });
    this.webhooks = new Webhooks(this, 'Webhooks', { storage: this.storage, settings: this.settings, bus: this.events.bus });
    if (this.settings.malwareScanning) this.malwareScanning = new MalwareScanning(this, 'MalwareScanning', { storage: this.storage, settings: this.settings });
    this.operations = new Operations(this, 'Operations', {
      api: this.api,
      processing: this.processing,
      events: this.events,
      webhooks: this.webhooks,
      malwareScanning: this.malwareScanning,
      alarmEmail: this.settings.alarmEmail,
    });

    const notificationsHandler = bucketNotificationsHandler(Stack.of(this));
    Aspects.of(this).add(new AcknowledgementsInTemplate());
    if (notificationsHandler) Aspects.of(notificationsHandler).add(new AcknowledgementsInTemplate());
  }

  /** Base URL of the HTTP API. */
  get url(): string {
    return this.api.url;
  }
}

/**
 * `bucket.addEventNotification` brings a CDK-owned singleton Lambda (a custom resource that calls
 * PutBucketNotificationConfiguration at deploy time), one per stack, beside this construct. Its
 * role is created by aws-cdk-lib and is not ours to change, so its one finding is acknowledged here.
 */
function bucketNotificationsHandler(stack: Stack): IConstruct | undefined {
  const handler = stack.node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'));
  if (!handler) return undefined;
  Validations.of(handler).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      'Role of the aws-cdk-lib S3 bucket-notifications custom resource handler, created by the library; the managed policy only lets it write its own logs, and its S3 permission is scoped to the Fileport bucket.',
  });
  return handler;
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
