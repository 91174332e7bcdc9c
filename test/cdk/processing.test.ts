import { Match } from 'aws-cdk-lib/assertions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { logicalId, synthFileport, type Synthesized } from './fixtures';
import type { FileportFunction } from '../../lib/fileport-function';

let synthesized: Synthesized;

beforeAll(() => {
  synthesized = synthFileport();
});

const resources = () => synthesized.template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
const id = (construct: Parameters<typeof logicalId>[1]) => logicalId(synthesized.stack, construct);
const props = (construct: Parameters<typeof logicalId>[1]) => resources()[id(construct)]!.Properties;

describe.each([
  ['metadata', () => synthesized.stack.processing.metadataQueue, () => synthesized.stack.processing.metadataFunction],
  ['thumbnails', () => synthesized.stack.processing.thumbnailsQueue, () => synthesized.stack.processing.thumbnailsFunction],
] as const)('%s queue', (_name, queue: () => sqs.Queue, consumer: () => FileportFunction) => {
  it('dead-letters a message after 5 receives, into its own encrypted DLQ', () => {
    const redrive = props(queue()).RedrivePolicy;
    expect(redrive.maxReceiveCount).toBe(5);
    const dlqId = redrive.deadLetterTargetArn['Fn::GetAtt'][0] as string;
    expect(dlqId).not.toBe(id(queue()));
    expect(resources()[dlqId]?.Properties.SqsManagedSseEnabled).toBe(true);
    expect(resources()[dlqId]?.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('is encrypted (SSE-SQS) and only reachable over TLS, like its DLQ', () => {
    expect(props(queue()).SqsManagedSseEnabled).toBe(true);
    const dlqId = props(queue()).RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string;
    for (const queueId of [id(queue()), dlqId]) {
      synthesized.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  it('hides a message for at least six times its consumer timeout', () => {
    const timeout = props(consumer()).Timeout as number;
    expect(props(queue()).VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('feeds its function in small batches that report single failed messages', () => {
    synthesized.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id(queue()), 'Arn'] },
      FunctionName: { Ref: id(consumer()) },
      BatchSize: Match.anyValue(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const mapping = Object.values(synthesized.template.findResources('AWS::Lambda::EventSourceMapping')).find(
      (m) => m.Properties.FunctionName.Ref === id(consumer()),
    );
    expect(mapping?.Properties.BatchSize).toBeLessThanOrEqual(10);
  });

  it('has its dead-letter queue drained by the dead-letter function, with an alarm if it is not', () => {
    const dlqId = props(queue()).RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string;
    synthesized.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      FunctionName: { Ref: id(synthesized.stack.processing.deadLettersFunction) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(resources()[dlqId]?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * props(synthesized.stack.processing.deadLettersFunction).Timeout);
    synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });
});

it('has exactly two work queues and two DLQs (besides the events dead-letter queue, lib/events.ts, and the webhook delivery queue and its DLQ, test/cdk/webhooks.test.ts)', () => {
  synthesized.template.resourceCountIs('AWS::SQS::Queue', 7);
});

describe('recovery', () => {
  it('alarms as soon as processing gives up on a file (the dead-letter function ran)', () => {
    synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(synthesized.stack.processing.deadLettersFunction) } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('runs the reconciler every 5 minutes, with a stuck time longer than SQS retries take', () => {
    synthesized.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id(synthesized.stack.processing.reconcilerFunction), 'Arn'] } })],
    });
    const env = props(synthesized.stack.processing.reconcilerFunction).Environment.Variables;
    const metadataQueue = props(synthesized.stack.processing.metadataQueue);
    const retriesTake = metadataQueue.VisibilityTimeout * metadataQueue.RedrivePolicy.maxReceiveCount;
    expect(Number(env.FILEPORT_PROCESSING_STUCK_AFTER_SECONDS)).toBeGreaterThan(retriesTake);
    expect(Number(env.FILEPORT_PROCESSING_GIVE_UP_AFTER_SECONDS)).toBeGreaterThan(Number(env.FILEPORT_PROCESSING_STUCK_AFTER_SECONDS));
    expect(env).toMatchObject({
      FILEPORT_TABLE_NAME: { Ref: id(synthesized.stack.storage.table) },
      FILEPORT_METADATA_QUEUE_URL: { Ref: id(synthesized.stack.processing.metadataQueue) },
    });
  });
});

describe('S3 notifications', () => {
  it('send ObjectCreated events under content/ (and only there) to the metadata queue', () => {
    const notifications = Object.values(synthesized.template.findResources('Custom::S3BucketNotifications'));
    expect(notifications).toHaveLength(1);
    const config = notifications[0]!.Properties;
    expect(config.BucketName).toEqual({ Ref: id(synthesized.stack.storage.bucket) });
    expect(config.NotificationConfiguration).toEqual({
      QueueConfigurations: [
        {
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'content/' }] } },
          QueueArn: { 'Fn::GetAtt': [id(synthesized.stack.processing.metadataQueue), 'Arn'] },
        },
      ],
    });
  });
});

describe('processing functions', () => {
  it('metadata: 1024 MB, knows the table, the bucket, where to queue thumbnail jobs and how many versions a file keeps', () => {
    const fn = props(synthesized.stack.processing.metadataFunction);
    expect(fn.MemorySize).toBe(1024);
    expect(fn.Environment.Variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      FILEPORT_TABLE_NAME: { Ref: id(synthesized.stack.storage.table) },
      FILEPORT_BUCKET_NAME: { Ref: id(synthesized.stack.storage.bucket) },
      FILEPORT_FILE_TYPES_FILE: 'file-types.json',
      FILEPORT_THUMBNAIL_QUEUE_URL: { Ref: id(synthesized.stack.processing.thumbnailsQueue) },
      FILEPORT_MAX_VERSIONS: '10',
      FILEPORT_MALWARE_SCANNING: 'off',
    });
  });

  it('thumbnails: at least 1024 MB, knows the table and the bucket', () => {
    const fn = props(synthesized.stack.processing.thumbnailsFunction);
    expect(fn.MemorySize).toBeGreaterThanOrEqual(1024);
    expect(fn.Environment.Variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      FILEPORT_TABLE_NAME: { Ref: id(synthesized.stack.storage.table) },
      FILEPORT_BUCKET_NAME: { Ref: id(synthesized.stack.storage.bucket) },
      FILEPORT_FILE_TYPES_FILE: 'file-types.json',
    });
  });
});

describe('outputs', () => {
  it('name the API URL, the bucket and the table', () => {
    const outputs = synthesized.template.toJSON().Outputs;
    expect(JSON.stringify(outputs.ApiUrl.Value)).toContain('.execute-api.');
    expect(JSON.stringify(outputs.ApiUrl.Value)).toContain(id(synthesized.stack.api.httpApi));
    expect(outputs.BucketName.Value).toEqual({ Ref: id(synthesized.stack.storage.bucket) });
    expect(outputs.TableName.Value).toEqual({ Ref: id(synthesized.stack.storage.table) });
  });
});
