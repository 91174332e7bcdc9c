import { Match } from 'aws-cdk-lib/assertions';
import { logicalId, permissionsOf, roleOf, synthFileport, type Synthesized } from './fixtures';
import type { IConstruct } from 'constructs';

let synthesized: Synthesized;

beforeAll(() => {
  synthesized = synthFileport();
});

const resources = () => synthesized.template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
const id = (construct: IConstruct) => logicalId(synthesized.stack, construct);
const webhooks = () => synthesized.stack.fileport.webhooks;
const arn = (construct: IConstruct) => `<${id(construct)}.Arn>`;

/** `action → sorted resources` the role of `fn` is granted, for one service. */
function grants(fn: IConstruct, service: string): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const p of permissionsOf(synthesized.template, roleOf(synthesized.template, id(fn)))) {
    expect(p.effect).toBe('Allow');
    if (p.action.startsWith(`${service}:`)) (result[p.action] ??= []).push(p.resource);
  }
  for (const list of Object.values(result)) list.sort();
  return result;
}

describe('webhook delivery', () => {
  it('has a rule on the events bus sending every Fileport event to the delivery queue', () => {
    const rule = resources()[id(webhooks().rule)]!.Properties;
    expect(rule.EventBusName).toEqual({ Ref: id(synthesized.stack.fileport.events.bus) });
    expect(rule.EventPattern).toEqual({ source: ['fileport'] });
    expect(rule.State).toBe('ENABLED');
    expect(rule.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [id(webhooks().queue), 'Arn'] }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(webhooks().deadLetterQueue), 'Arn'] } } }),
    ]);
  });

  it('lets only that rule send to the queue', () => {
    synthesized.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id(webhooks().queue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: Match.arrayWith(['sqs:SendMessage']),
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [id(webhooks().rule), 'Arn'] } } },
          }),
        ]),
      },
    });
  });

  it('dead-letters after 5 receives; both queues encrypted and TLS-only; the queue hides a message six times the function timeout', () => {
    const queue = resources()[id(webhooks().queue)]!.Properties;
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [id(webhooks().deadLetterQueue), 'Arn'] }, maxReceiveCount: 5 });
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (resources()[id(webhooks().deliveryFunction)]!.Properties.Timeout as number));
    for (const q of [webhooks().queue, webhooks().deadLetterQueue]) {
      expect(resources()[id(q)]!.Properties.SqsManagedSseEnabled).toBe(true);
      synthesized.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id(q) }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
    expect(resources()[id(webhooks().deadLetterQueue)]!.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('feeds the delivery function from the queue, reporting single failed messages', () => {
    synthesized.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id(webhooks().queue), 'Arn'] },
      FunctionName: { Ref: id(webhooks().deliveryFunction) },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('alarms on any message in the dead-letter queue', () => {
    const alarms = Object.values(synthesized.template.findResources('AWS::CloudWatch::Alarm')).filter(
      (a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' && JSON.stringify(a.Properties.Dimensions).includes(id(webhooks().deadLetterQueue)),
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [expect.anything()] });
  });

  it('gives the delivery function exactly its items of the table, its own queue to consume and send its retries to, and no object', () => {
    const fn = webhooks().deliveryFunction;
    const table = arn(synthesized.stack.storage.table);
    expect(grants(fn, 'dynamodb')).toEqual({
      'dynamodb:BatchGetItem': [table],
      'dynamodb:GetItem': [table],
      'dynamodb:PutItem': [table],
      'dynamodb:UpdateItem': [table],
      'dynamodb:Query': [table],
    });
    expect(grants(fn, 's3')).toEqual({});
    const queue = arn(webhooks().queue);
    expect(grants(fn, 'sqs')).toEqual({ 'sqs:SendMessage': [queue], 'sqs:DeleteMessage': [queue], 'sqs:GetQueueAttributes': [queue], 'sqs:ReceiveMessage': [queue] });
    const env = resources()[id(fn)]!.Properties.Environment.Variables as Record<string, unknown>;
    expect(env.FILEPORT_WEBHOOK_QUEUE_URL).toEqual({ Ref: id(webhooks().queue) });
    // Deployed, never loopback.
    expect(env.FILEPORT_WEBHOOK_ALLOW_LOOPBACK).toBeUndefined();
  });

  it('gives the webhooks route group its items of the table and nothing else', () => {
    const fn = synthesized.stack.api.functions.webhooks;
    const table = arn(synthesized.stack.storage.table);
    expect(grants(fn, 'dynamodb')).toEqual({
      'dynamodb:BatchGetItem': [table],
      'dynamodb:GetItem': [table],
      'dynamodb:PutItem': [table],
      'dynamodb:UpdateItem': [table],
      'dynamodb:DeleteItem': [table],
      'dynamodb:Query': [table],
    });
    expect(grants(fn, 's3')).toEqual({});
    expect(grants(fn, 'sqs')).toEqual({});
    expect(resources()[id(fn)]!.Properties.Timeout).toBe(15);
  });
});
