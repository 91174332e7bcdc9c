import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC_NAMESPACE, METRIC_SERVICE, metricNames, type MetricName } from '../lambdas/observability/metric-names';
import type { Api } from './api';
import type { MalwareScanning } from './malware-scanning';
import type { Processing } from './processing';
import type { FileEvents } from './events';
import type { Webhooks } from './webhooks';
import type { FileportSettings } from './deployment-settings';

export interface OperationsProps {
  api: Api;
  processing: Processing;
  /** The events publisher and its dead-letter queue (absent in setups without events). */
  events?: FileEvents;
  /** With `fileport:malwareScanning`: its function and dead-letter queue are alarmed on like the processors'. */
  malwareScanning?: MalwareScanning;
  /** The webhook delivery function and its dead-letter queue. */
  webhooks?: Webhooks;
  /** Subscribed to the alarm topic when not empty (`fileport:alarmEmail`). */
  alarmEmail?: FileportSettings['alarmEmail'];
}

/** Every alarm and graph reads 5-minute periods: CloudWatch's standard resolution for Lambda, SQS and API metrics is 1 minute, and 5 smooths single slow requests without hiding an outage for long. */
const PERIOD = Duration.minutes(5);

/*
 * Thresholds, and why these numbers. Every alarm treats missing data as "not breaching": no data means
 * nothing happened (no traffic, no failures, no file processing), which is the healthy state, not an
 * incident.
 */
/** A server error rate (%) above this is an outage for some callers: Fileport answers a client's mistake with a 4xx, so a healthy API has next to no 5xx. */
export const API_5XX_RATE_PERCENT = 1;
/** …counted only from this many server errors in a period, so that at low traffic one AWS blip (1 of 20 requests is 5%) pages nobody. */
export const API_5XX_MIN_ERRORS = 3;
/**
 * p99 latency (ms). A warm request takes tens of milliseconds and a cold start adds about 0.2 s
 * (`npm run bench`); 5 s sustained means a dependency is slow or functions run into their timeouts.
 * Long-polls (`GET /v1/files/{id}?wait=`, up to 10 s) count too, but they end as soon as the file
 * settles, which takes seconds for typical files.
 */
export const API_P99_LATENCY_MS = 5000;
/** Dead letters waiting at once (max in a period). Each dead letter is already reported by FilesFailedProcessing; ten at once is a systemic fault (a bad deploy, a permission, a dependency down), not one bad file. */
export const DEAD_LETTER_DEPTH = 10;
/** Age (s) of a dead letter: the dead-letter function drains its queue within seconds, so one waiting this long means it is failing on it. */
export const DEAD_LETTER_AGE_SECONDS = Duration.minutes(15).toSeconds();
/**
 * Age (s) of the oldest file in `processing`. Far beyond any processor's timeout (3 minutes at most),
 * so only a file whose processing failed and is being retried, or was lost, gets there; the reconciler
 * re-drives it at 2 hours and gives up at 12, so this leaves the operator time to act first.
 */
export const PROCESSING_LAG_SECONDS = Duration.minutes(30).toSeconds();

/** The lone-error tolerance of function error alarms: errors in this many of the last three periods. */
const ERROR_PERIODS = { datapointsToAlarm: 2, evaluationPeriods: 3 };

/**
 * What an operator needs to run Fileport: alarms on the API, every function, the queues and the
 * processing pipeline, each with the alarm topic as its alarm and OK action (so a recovery is
 * reported too), and one dashboard that shows all of it.
 */
export class Operations extends Construct {
  /** Every alarm notifies this topic; subscribe more endpoints (chat, paging) to it. */
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { api, processing } = props;
    this.topic = new AlarmTopic(this, 'AlarmTopic').topic;
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const httpApi = api.httpApi;
    const requests = httpApi.metricCount({ period: PERIOD, statistic: 'Sum', label: 'Requests' });
    const serverErrors = httpApi.metricServerError({ period: PERIOD, statistic: 'Sum', label: '5xx' });
    const clientErrors = httpApi.metricClientError({ period: PERIOD, statistic: 'Sum', label: '4xx' });
    const serverErrorRate = new cloudwatch.MathExpression({
      expression: `IF(errors >= ${API_5XX_MIN_ERRORS}, 100 * errors / requests, 0)`,
      usingMetrics: { errors: serverErrors, requests },
      period: PERIOD,
      label: 'API 5xx rate (%)',
    });
    this.alarm('ApiServerErrorRateAlarm', {
      description: `More than ${API_5XX_RATE_PERCENT}% of API requests (and at least ${API_5XX_MIN_ERRORS}) failed with a 5xx in 2 of the last 3 periods of 5 minutes.`,
      metric: serverErrorRate,
      threshold: API_5XX_RATE_PERCENT,
      ...ERROR_PERIODS,
    });
    this.alarm('ApiLatencyAlarm', {
      description: `The API's p99 latency has been over ${API_P99_LATENCY_MS} ms for 15 minutes.`,
      metric: httpApi.metricLatency({ period: PERIOD, statistic: 'p99' }),
      threshold: API_P99_LATENCY_MS,
      // Latency is noisy: only a slowness that lasts three periods is worth waking someone.
      evaluationPeriods: 3,
    });

    const functions: [string, lambda.Function][] = [
      ...Object.values(api.functions).map((fn): [string, lambda.Function] => [fn.node.id, fn]),
      ...[
        processing.metadataFunction,
        processing.thumbnailsFunction,
        processing.deadLettersFunction,
        processing.reconcilerFunction,
        ...(props.events?.publisher ? [props.events.publisher] : []),
        ...(props.malwareScanning ? [props.malwareScanning.function] : []),
      ].map(
        (fn): [string, lambda.Function] => [fn.node.id, fn],
      ),
      ...(props.webhooks ? [['WebhookDeliveryFunction', props.webhooks.deliveryFunction] as [string, lambda.Function]] : []),
    ];
    for (const [name, fn] of functions) {
      this.alarm(`${name}ErrorsAlarm`, {
        // Errors are what the handler did not handle: a crash, a timeout, running out of memory. The
        // API's functions answer their own failures with a 500 (the 5xx alarm); processors are retried.
        // One lone error (a timeout on a cold start, an AWS blip the retry absorbed) is noise; errors in
        // two of three periods are a recurring fault.
        description: `The ${name} Lambda failed (crash, timeout or out of memory) in 2 of the last 3 periods of 5 minutes.`,
        metric: fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        threshold: 0,
        ...ERROR_PERIODS,
      });
      this.alarm(`${name}ThrottlesAlarm`, {
        // No function has reserved concurrency, so any throttle means the account's concurrency is used
        // up (by Fileport or by something else in it): an API request refused, processing delayed.
        description: `The ${name} Lambda was throttled: the account's Lambda concurrency is exhausted.`,
        metric: fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        threshold: 0,
      });
    }

    this.alarm('FilesFailedProcessingAlarm', {
      description: 'Processing gave up on a file after every attempt (its file is now failed): look for the cause in the dead-letter function log.',
      // The dead-letter function runs only for dead letters: each run is a file that failed processing.
      metric: processing.deadLettersFunction.metricInvocations({ period: PERIOD, statistic: 'Sum' }),
      threshold: 0,
    });
    const deadLetterQueues = { ...processing.deadLetterQueues, ...(props.malwareScanning && { scanResults: props.malwareScanning.deadLetterQueue }) };
    for (const [name, queue] of Object.entries(deadLetterQueues) as [string, sqs.Queue][]) {
      const queueName = capitalize(name);
      this.alarm(`${queueName}DeadLetterAgeAlarm`, {
        description: `A message has waited in the ${name} dead-letter queue for ${DEAD_LETTER_AGE_SECONDS / 60} minutes: the dead-letter function is failing on it.`,
        metric: queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' }),
        threshold: DEAD_LETTER_AGE_SECONDS,
      });
      this.alarm(`${queueName}DeadLetterDepthAlarm`, {
        description: `More than ${DEAD_LETTER_DEPTH} messages wait in the ${name} dead-letter queue: many files are failing processing at once.`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        threshold: DEAD_LETTER_DEPTH,
      });
    }
    if (props.events) {
      this.alarm('EventsDeadLetterAlarm', {
        description:
          'Events of some table changes were not published after every retry: their stream positions wait in the events dead-letter queue. Find the cause in the PublisherFunction log, then republish from those positions (the stream keeps records 24 hours).',
        metric: props.events.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        // Any: each message is events receivers never got.
        threshold: 0,
      });
    }
    if (props.webhooks) {
      this.alarm('WebhookDeadLetterDepthAlarm', {
        // A receiver's failures are retried on the schedule and never reach it: a dead letter is an
        // event the function could not fan out or record (storage), or one EventBridge could not queue.
        description: 'Webhook events wait in the dead-letter queue: the delivery function failed on them 5 times, or EventBridge could not queue them; tenants miss these events.',
        metric: props.webhooks.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        threshold: 0,
      });
    }
    this.alarm('ProcessingLagAlarm', {
      description: `A file has been in processing for more than ${PROCESSING_LAG_SECONDS / 60} minutes (reported by the reconciler in 2 of its last 3 periods).`,
      metric: fileportMetric(metricNames.oldestProcessingAge, 'Maximum'),
      threshold: PROCESSING_LAG_SECONDS,
      // The reconciler reports every 5 minutes; two reports in a row make it more than one slow file's moment.
      datapointsToAlarm: 2,
      evaluationPeriods: 3,
    });
    this.alarm('ReconcilerGaveUpAlarm', {
      description: 'The reconciler gave up on a file stuck in processing for 12 hours and failed it (PROCESSING_STUCK).',
      // Each one is a user's file failed without a processor ever saying why.
      metric: fileportMetric(metricNames.reconcilerGaveUp, 'Sum'),
      threshold: 0,
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-operations`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 6 }),
    );
    this.dashboard.addWidgets(
      graph('API requests', [requests, clientErrors, serverErrors]),
      graph('API 5xx rate (%)', [serverErrorRate]),
      graph('API latency (ms)', [
        httpApi.metricLatency({ period: PERIOD, statistic: 'p50', label: 'p50' }),
        httpApi.metricLatency({ period: PERIOD, statistic: 'p99', label: 'p99' }),
        httpApi.metricIntegrationLatency({ period: PERIOD, statistic: 'p99', label: 'Lambda p99' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Lambda invocations', functions.map(([name, fn]) => fn.metricInvocations({ period: PERIOD, statistic: 'Sum', label: name })), 6),
      graph('Lambda errors', functions.map(([name, fn]) => fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: name })), 6),
      graph('Lambda duration p99 (ms)', functions.map(([name, fn]) => fn.metricDuration({ period: PERIOD, statistic: 'p99', label: name })), 6),
      graph('Lambda throttles', functions.map(([name, fn]) => fn.metricThrottles({ period: PERIOD, statistic: 'Sum', label: name })), 6),
    );
    const queues: [string, sqs.IQueue][] = [
      ['metadata', processing.metadataQueue],
      ['thumbnails', processing.thumbnailsQueue],
      ...Object.entries(processing.deadLetterQueues).map(([name, queue]): [string, sqs.IQueue] => [`${name} dead letters`, queue]),
      ...(props.webhooks
        ? [
            ['webhook deliveries', props.webhooks.queue],
            ['webhook dead letters', props.webhooks.deadLetterQueue],
          ] satisfies [string, sqs.IQueue][]
        : []),
    ];
    this.dashboard.addWidgets(
      graph('Queued messages', queues.map(([name, q]) => q.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: name }))),
      graph('Oldest queued message (s)', queues.map(([name, q]) => q.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum', label: name }))),
      graph('Files in processing: oldest (s), given up', [
        fileportMetric(metricNames.oldestProcessingAge, 'Maximum', 'Oldest processing (s)'),
        fileportMetric(metricNames.reconcilerGaveUp, 'Sum', 'Given up'),
      ]),
    );
    // The custom metrics' dimension values (URL kinds, error codes, refusal reasons) are open-ended,
    // so SEARCH finds every series there is instead of a list that would go stale.
    this.dashboard.addWidgets(
      graph('URLs granted, by kind', [search(metricNames.urlGranted, 'kind', 'Sum')], 6),
      graph('Processing outcomes, by status and error', [search(metricNames.processingOutcome, 'status', 'Sum'), search(metricNames.processingOutcome, 'errorCode,status', 'Sum')], 6),
      graph('Time from upload to ready (ms)', [
        fileportMetric(metricNames.timeToReady, 'p50', 'p50'),
        fileportMetric(metricNames.timeToReady, 'p99', 'p99'),
      ], 6),
      graph('Processing duration p99, by processor (ms)', [search(metricNames.processingDuration, 'processor', 'p99')], 6),
    );
    this.dashboard.addWidgets(
      graph('Share-token refusals, by reason', [search(metricNames.shareTokenRefused, 'reason', 'Sum')], 8),
      graph('Requests refused by a limit, by limit', [search(metricNames.throttled, 'limit', 'Sum')], 8),
      // Processing reads only what it needs (issue 16): a p99 that grows with the uploads' size says it does not.
      graph('Bytes read per processed object p99, by processor', [search(metricNames.processingBytesRead, 'processor', 'p99')], 8),
      // Each made once: a count that keeps pace with rendition requests means they are not served from S3.
      graph('Renditions made by sharp, by format', [search(metricNames.renditionMade, 'format', 'SampleCount')], 8),
    );
  }

  private alarm(
    id: string,
    props: { description: string; metric: cloudwatch.IMetric; threshold: number; evaluationPeriods?: number; datapointsToAlarm?: number },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmDescription: props.description,
      metric: props.metric,
      threshold: props.threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      datapointsToAlarm: props.datapointsToAlarm,
      // No data is nothing happening: no traffic, no failures, no files in processing.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    // Recoveries are reported too, so whoever was told of the alarm knows when it is over.
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }
}

/**
 * The topic alarms publish to. Encrypted with a key of its own: CloudWatch cannot publish to a topic
 * under the AWS-managed `aws/sns` key (its key policy cannot be changed to let CloudWatch use it),
 * and the data key is not shared with CloudWatch either.
 */
class AlarmTopic extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const key = new kms.Key(this, 'Key', {
      description: 'Fileport: encrypts the alarm notification topic',
      enableKeyRotation: true,
      // It protects notifications in flight, nothing kept: unlike the data key it goes with the
      // stack (after KMS's shortest waiting period) instead of being billed forever as an orphan.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // What CloudWatch needs to publish to an encrypted topic (CloudWatch user guide, "Amazon SNS
    // topic encryption for alarms").
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Fileport alarms',
      masterKey: key,
      // Denies publishing and subscribing over plain HTTP.
      enforceSSL: true,
    });
  }
}

/** A Fileport custom metric as emitted with only the `service` dimension (lambdas/observability/metric-names.ts). */
function fileportMetric(metricName: MetricName, statistic: string, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { service: METRIC_SERVICE },
    statistic,
    period: PERIOD,
    label,
  });
}

/** Every series of a Fileport metric emitted with `dimensions` (comma-separated) besides `service`. */
function search(metricName: MetricName, dimensions: string, statistic: string): cloudwatch.MathExpression {
  const schema = [METRIC_NAMESPACE, 'service', ...dimensions.split(',')].join(',');
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${schema}} MetricName="${metricName}" service="${METRIC_SERVICE}"', '${statistic}', ${PERIOD.toSeconds()})`,
    // A SEARCH names its own series; the label would replace every one of them.
    label: '',
    period: PERIOD,
  });
}

function graph(title: string, metrics: cloudwatch.IMetric[], width = 8): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left: metrics, width, height: 6 });
}

const capitalize = (word: string) => word[0]?.toUpperCase() + word.slice(1);
