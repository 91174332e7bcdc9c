import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Fileport } from '../../lib/fileport';
import { logicalId, outdirForTest, renderArn, synthFileport } from './fixtures';

const { stack, template } = synthFileport();
const id = (construct: Parameters<typeof logicalId>[1]) => logicalId(stack, construct);
const busId = id(stack.events.bus);
const publisherId = id(stack.events.publisher!);
const tableId = id(stack.storage.table);
const dlqId = id(stack.events.deadLetterQueue);

/** The statements of the publisher role's policies, resources rendered as cdk-nag names them. */
function publisherStatements(): { actions: string[]; resources: string[] }[] {
  const fn = template.toJSON().Resources[publisherId];
  const role = (fn.Properties.Role['Fn::GetAtt'] as string[])[0];
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role),
  );
  return policies
    .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
    .map((s) => ({ actions: [s.Action].flat().sort(), resources: [s.Resource].flat().map(renderArn).sort() }))
    .sort((a, b) => a.actions[0]!.localeCompare(b.actions[0]!));
}

describe('events', () => {
  it('creates a bus of its own and names it to the publisher (and as an output)', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ FILEPORT_EVENT_BUS_NAME: { Ref: busId } }) },
    });
    template.hasOutput('EventBusName', { Value: { Ref: busId } });
  });

  it('the table streams new and old images', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } });
  });

  it("the publisher reads the table's stream, filtered to files and share tokens, retried from the first failed record, its failures dead-lettered", () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: publisherId },
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 6 * 3600,
      ParallelizationFactor: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlqId, 'Arn'] } } },
      FilterCriteria: {
        Filters: [
          { Pattern: JSON.stringify({ dynamodb: { Keys: { sk: { S: ['FILE'] } } } }) },
          { Pattern: JSON.stringify({ eventName: ['INSERT', 'REMOVE'], dynamodb: { Keys: { sk: { S: [{ prefix: 'TOKEN#' }] } } } }) },
        ],
      },
    });
  });

  it('the publisher may put events on its bus and read the stream, and nothing else', () => {
    expect(publisherStatements()).toEqual([
      { actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], resources: [`<${tableId}.StreamArn>`] },
      { actions: ['dynamodb:ListStreams'], resources: ['*'] },
      { actions: ['events:PutEvents'], resources: [`<${busId}.Arn>`] },
      { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: expect.any(Array) as string[] },
      { actions: ['sqs:SendMessage'], resources: [`<${dlqId}.Arn>`] },
    ]);
  });

  it('alarms on any message in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Dimensions: [{ Name: 'FunctionName', Value: { Ref: publisherId } }], MetricName: 'Errors' });
  });

  it("an operator's table without a stream gets the bus and no publisher, with a warning that says why", () => {
    const app = new App({ outdir: outdirForTest(), context: { 'aws:cdk:bundling-stacks': [] } });
    const own = new Stack(app, 'Own');
    const fileport = new Fileport(own, 'Files', { table: dynamodb.Table.fromTableName(own, 'Theirs', 'acme-documents') });
    expect(fileport.events.publisher).toBeUndefined();
    // Every event source mapping reads a queue: none reads a stream.
    const mappings = Object.values(Template.fromStack(own).findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings.length).toBeGreaterThan(0);
    for (const mapping of mappings) expect(JSON.stringify(mapping.Properties.EventSourceArn)).toMatch(/Queue/);
    Annotations.fromStack(own).hasWarning('*', Match.stringLikeRegexp('The table has no stream: no events are published'));
  });
});
