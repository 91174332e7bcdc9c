import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { METRIC_NAMESPACE, METRIC_SERVICE, metricNames } from '../../lambdas/observability/metric-names';
import { logicalId, renderArn, synthFileport, type Synthesized } from './fixtures';

type Resource = { Type: string; Properties: Record<string, any> };

let synthesized: Synthesized;
let resources: Record<string, Resource>;
let topicId: string;

beforeAll(() => {
  synthesized = synthFileport();
  resources = synthesized.template.toJSON().Resources;
  topicId = logicalId(synthesized.stack, operations().topic);
});

const operations = () => synthesized.stack.fileport.operations;
const id = (construct: IConstruct) => logicalId(synthesized.stack, construct);
const alarms = () => Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');

/** The alarms on one plain metric, by name, namespace and the logical id its one dimension names. */
function alarmsOn(namespace: string, metricName: string, dimension?: { name: string; value: unknown }): Record<string, any>[] {
  return alarms()
    .map(([, r]) => r.Properties)
    .filter(
      (p) =>
        p.Namespace === namespace &&
        p.MetricName === metricName &&
        (dimension === undefined || JSON.stringify(p.Dimensions) === JSON.stringify([{ Name: dimension.name, Value: dimension.value }])),
    );
}

function onlyAlarmOn(namespace: string, metricName: string, dimension?: { name: string; value: unknown }): Record<string, any> {
  const found = alarmsOn(namespace, metricName, dimension);
  expect({ metricName, dimension, count: found.length }).toEqual({ metricName, dimension, count: 1 });
  return found[0]!;
}

/** Every Fileport Lambda, by construct id: the API's route groups and the four processing functions. */
function fileportFunctions() {
  const { api, processing, events } = synthesized.stack;
  return [
    ...Object.values(api.functions),
    processing.metadataFunction,
    processing.thumbnailsFunction,
    processing.deadLettersFunction,
    processing.reconcilerFunction,
    events.publisher!,
    synthesized.stack.fileport.webhooks.deliveryFunction,
  ];
}

describe('alarm topic', () => {
  it('is encrypted with a rotated key of its own that CloudWatch may use, and refuses plain HTTP', () => {
    const topic = resources[topicId]!;
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0] as string;
    const key = resources[keyId]!;
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    // Nothing kept is under it: deleted with the stack, after KMS's shortest waiting period.
    expect({ DeletionPolicy: (key as any).DeletionPolicy, PendingWindowInDays: key.Properties.PendingWindowInDays }).toEqual({ DeletionPolicy: 'Delete', PendingWindowInDays: 7 });
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    // Not the data key (fileport:kmsKey): CloudWatch may use this key and no other.
    expect(synthesized.stack.storage.encryptionKey).toBeUndefined();
    synthesized.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('has no subscription unless fileport:alarmEmail is set, then one email subscription to that address', () => {
    synthesized.template.resourceCountIs('AWS::SNS::Subscription', 0);
    const { template, stack } = synthFileport({ 'fileport:alarmEmail': ' ops@example.com ' });
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: logicalId(stack, stack.fileport.operations.topic) },
    });
  });

  it('refuses an alarm email that is not one address, naming the context key', () => {
    for (const bad of ['ops', 'ops@example', 'ops@example.com,dev@example.com', 'ops @example.com', '@example.com']) {
      expect(() => synthFileport({ 'fileport:alarmEmail': bad })).toThrow(/fileport:alarmEmail/);
    }
  });
});

describe('alarms', () => {
  it('every alarm notifies the topic when it fires and when it recovers, and no data is not an incident', () => {
    const all = alarms();
    // 2 API, 2 per function (14), 1 dead-letter runs, 2 per dead-letter queue (2), processing lag, give-ups, the events and the webhook dead letters.
    expect(all).toHaveLength(2 + 2 * 14 + 1 + 2 * 2 + 2 + 1 + 1);
    expect(operations().alarms).toHaveLength(all.length);
    for (const [name, alarm] of all) {
      expect({ name, ...pick(alarm.Properties, ['AlarmActions', 'OKActions', 'TreatMissingData', 'ComparisonOperator']) }).toEqual({
        name,
        AlarmActions: [{ Ref: topicId }],
        OKActions: [{ Ref: topicId }],
        TreatMissingData: 'notBreaching',
        ComparisonOperator: 'GreaterThanThreshold',
      });
      expect(alarm.Properties.AlarmDescription.length).toBeGreaterThan(30);
    }
  });

  it('API 5xx rate: 5xx / Count of this HTTP API over 5 minutes, from 3 errors, above 1% in 2 of 3 periods', () => {
    const rate = alarms()
      .map(([, r]) => r.Properties)
      .filter((p) => p.Metrics !== undefined);
    expect(rate).toHaveLength(1);
    const alarm = rate[0]!;
    expect(pick(alarm, ['Threshold', 'EvaluationPeriods', 'DatapointsToAlarm'])).toEqual({ Threshold: 1, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    const byId = Object.fromEntries((alarm.Metrics as any[]).map((m) => [m.Id, m]));
    const expression = (alarm.Metrics as any[]).find((m) => m.Expression);
    expect(expression).toMatchObject({ Expression: 'IF(errors >= 3, 100 * errors / requests, 0)', ReturnData: true });
    const apiDimension = [{ Name: 'ApiId', Value: { Ref: id(synthesized.stack.api.httpApi) } }];
    expect(byId.errors).toMatchObject({
      ReturnData: false,
      MetricStat: { Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5xx', Dimensions: apiDimension }, Period: 300, Stat: 'Sum' },
    });
    expect(byId.requests).toMatchObject({
      ReturnData: false,
      MetricStat: { Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Count', Dimensions: apiDimension }, Period: 300, Stat: 'Sum' },
    });
  });

  it('API latency: p99 of this HTTP API above 5 s for 3 periods of 5 minutes', () => {
    const alarm = onlyAlarmOn('AWS/ApiGateway', 'Latency', { name: 'ApiId', value: { Ref: id(synthesized.stack.api.httpApi) } });
    expect(pick(alarm, ['ExtendedStatistic', 'Statistic', 'Period', 'Threshold', 'EvaluationPeriods', 'DatapointsToAlarm'])).toEqual({
      ExtendedStatistic: 'p99',
      Period: 300,
      Threshold: 5000,
      EvaluationPeriods: 3,
    });
  });

  it('each Lambda: errors in 2 of 3 periods of 5 minutes, and any throttle', () => {
    const functions = fileportFunctions();
    expect(functions).toHaveLength(14);
    // Every Lambda in the template but aws-cdk-lib's bucket-notification custom resource is covered.
    const lambdas = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function').map(([logical]) => logical);
    expect(lambdas.filter((logical) => !logical.startsWith('BucketNotificationsHandler')).sort()).toEqual(functions.map(id).sort());
    for (const fn of functions) {
      const dimension = { name: 'FunctionName', value: { Ref: id(fn) } };
      const errors = onlyAlarmOn('AWS/Lambda', 'Errors', dimension);
      expect({ fn: fn.node.id, ...pick(errors, ['Statistic', 'Period', 'Threshold', 'EvaluationPeriods', 'DatapointsToAlarm']) }).toEqual({
        fn: fn.node.id,
        Statistic: 'Sum',
        Period: 300,
        Threshold: 0,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
      });
      const throttles = onlyAlarmOn('AWS/Lambda', 'Throttles', dimension);
      expect({ fn: fn.node.id, ...pick(throttles, ['Statistic', 'Period', 'Threshold', 'EvaluationPeriods', 'DatapointsToAlarm']) }).toEqual({
        fn: fn.node.id,
        Statistic: 'Sum',
        Period: 300,
        Threshold: 0,
        EvaluationPeriods: 1,
      });
    }
  });

  it('processing gave up on a file: any run of the dead-letter function', () => {
    const alarm = onlyAlarmOn('AWS/Lambda', 'Invocations', { name: 'FunctionName', value: { Ref: id(synthesized.stack.processing.deadLettersFunction) } });
    expect(pick(alarm, ['Statistic', 'Period', 'Threshold', 'EvaluationPeriods'])).toEqual({ Statistic: 'Sum', Period: 300, Threshold: 0, EvaluationPeriods: 1 });
  });

  it('each dead-letter queue: a message older than 15 minutes, or more than 10 waiting', () => {
    const queues = Object.values(synthesized.stack.processing.deadLetterQueues);
    expect(queues).toHaveLength(2);
    for (const queue of queues) {
      const dimension = { name: 'QueueName', value: { 'Fn::GetAtt': [id(queue), 'QueueName'] } };
      const age = onlyAlarmOn('AWS/SQS', 'ApproximateAgeOfOldestMessage', dimension);
      expect(pick(age, ['Statistic', 'Period', 'Threshold', 'EvaluationPeriods'])).toEqual({ Statistic: 'Maximum', Period: 300, Threshold: 900, EvaluationPeriods: 1 });
      const depth = onlyAlarmOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible', dimension);
      expect(pick(depth, ['Statistic', 'Period', 'Threshold', 'EvaluationPeriods'])).toEqual({ Statistic: 'Maximum', Period: 300, Threshold: 10, EvaluationPeriods: 1 });
    }
    // The work queues themselves are not alarmed on: a backlog there is retried work, seen on the dashboard.
    for (const queue of [synthesized.stack.processing.metadataQueue, synthesized.stack.processing.thumbnailsQueue]) {
      expect(alarmsOn('AWS/SQS', 'ApproximateAgeOfOldestMessage', { name: 'QueueName', value: { 'Fn::GetAtt': [id(queue), 'QueueName'] } })).toEqual([]);
    }
  });

  it('processing lag: the oldest file in processing (the Lambdas\' custom metric) over 30 minutes in 2 of 3 periods', () => {
    expect(metricNames.oldestProcessingAge).toBe('OldestProcessingAge');
    const alarm = onlyAlarmOn(METRIC_NAMESPACE, metricNames.oldestProcessingAge, { name: 'service', value: METRIC_SERVICE });
    expect(pick(alarm, ['Statistic', 'Period', 'Threshold', 'EvaluationPeriods', 'DatapointsToAlarm'])).toEqual({
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 1800,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
  });

  it('reconciler give-ups: any file the reconciler failed', () => {
    const alarm = onlyAlarmOn('Fileport', 'ReconcilerGaveUp', { name: 'service', value: 'fileport' });
    expect(pick(alarm, ['Statistic', 'Period', 'Threshold', 'EvaluationPeriods'])).toEqual({ Statistic: 'Sum', Period: 300, Threshold: 0, EvaluationPeriods: 1 });
  });
});

describe('dashboard', () => {
  /** The dashboard body as JSON, references rendered as `<Logical>` / `<Logical.Attr>`. */
  function dashboard(): { widgets: { type: string; properties: Record<string, any> }[] } {
    const dashboards = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = dashboards[0]!.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
    return JSON.parse(body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : renderArn(part))).join(''));
  }
  const metricsOf = (title: string) => {
    const widget = dashboard().widgets.find((w) => w.properties.title === title);
    expect({ title, found: widget !== undefined }).toEqual({ title, found: true });
    return JSON.stringify(widget!.properties.metrics);
  };

  it('shows the state of every alarm', () => {
    const widget = dashboard().widgets.find((w) => w.type === 'alarm');
    expect([...widget!.properties.alarms].sort()).toEqual(alarms().map(([logical]) => `<${logical}.Arn>`).sort());
  });

  it('graphs the API: requests, 4xx, 5xx, the 5xx rate and latency of this HTTP API', () => {
    const api = `<${id(synthesized.stack.api.httpApi)}>`;
    const requests = metricsOf('API requests');
    for (const name of ['Count', '4xx', '5xx']) expect(requests).toContain(JSON.stringify(['AWS/ApiGateway', name, 'ApiId', api]).slice(1, -1));
    expect(metricsOf('API 5xx rate (%)')).toContain('100 * errors / requests');
    const latency = metricsOf('API latency (ms)');
    expect(latency).toContain(JSON.stringify(['AWS/ApiGateway', 'Latency', 'ApiId', api]).slice(1, -1));
    expect(latency).toContain('"stat":"p99"');
  });

  it("graphs every Lambda's invocations, errors, duration and throttles", () => {
    const graphs = { 'Lambda invocations': 'Invocations', 'Lambda errors': 'Errors', 'Lambda duration p99 (ms)': 'Duration', 'Lambda throttles': 'Throttles' };
    for (const [title, metricName] of Object.entries(graphs)) {
      const metrics = metricsOf(title);
      for (const fn of fileportFunctions()) expect(metrics).toContain(JSON.stringify(['AWS/Lambda', metricName, 'FunctionName', `<${id(fn)}>`]).slice(1, -1));
    }
  });

  it('graphs the depth and oldest message of every queue', () => {
    const { processing } = synthesized.stack;
    for (const title of ['Queued messages', 'Oldest queued message (s)']) {
      const metrics = metricsOf(title);
      for (const queue of [processing.metadataQueue, processing.thumbnailsQueue, ...Object.values(processing.deadLetterQueues)]) {
        expect(metrics).toContain(`"QueueName","<${id(queue)}.QueueName>"`);
      }
    }
  });

  it('graphs every custom metric of lambdas/observability/metric-names.ts, in the Fileport namespace with the service dimension', () => {
    const all = JSON.stringify(dashboard().widgets.map((w) => w.properties.metrics ?? []));
    for (const metricName of Object.values(metricNames)) {
      const explicit = all.includes(JSON.stringify([METRIC_NAMESPACE, metricName, 'service', METRIC_SERVICE]).slice(1, -1));
      const searched = all.includes(`MetricName=\\"${metricName}\\" service=\\"${METRIC_SERVICE}\\"`);
      expect({ metricName, shown: explicit || searched }).toEqual({ metricName, shown: true });
    }
    // The dimensions each one is broken down by (metric-names.ts documents them).
    expect(metricsOf('URLs granted, by kind')).toContain('{Fileport,service,kind} MetricName=\\"UrlGranted\\"');
    expect(metricsOf('Processing outcomes, by status and error')).toContain('{Fileport,service,errorCode,status} MetricName=\\"ProcessingOutcome\\"');
    expect(metricsOf('Processing duration p99, by processor (ms)')).toContain('{Fileport,service,processor} MetricName=\\"ProcessingDuration\\"');
    expect(metricsOf('Bytes read per processed object p99, by processor')).toContain('{Fileport,service,processor} MetricName=\\"ProcessingBytesRead\\"');
    expect(metricsOf('Share-token refusals, by reason')).toContain('{Fileport,service,reason} MetricName=\\"ShareTokenRefused\\"');
    expect(metricsOf('Requests refused by a limit, by limit')).toContain('{Fileport,service,limit} MetricName=\\"Throttled\\"');
  });
});

function pick(record: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => record[key] !== undefined).map((key) => [key, record[key]]));
}
