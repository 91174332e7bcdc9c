import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import { Rule } from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../lambdas/domain/events/model';
import { processors } from '../lambdas/processors';
import type { FunctionSettings } from './deployment-settings';
import { FileportFunction } from './fileport-function';
import { grantNeeds } from './function-needs';
import { consumeQueue, eventTargetQueues } from './processing';
import type { Storage } from './storage';

export interface WebhooksProps {
  storage: Storage;
  settings: FunctionSettings;
  /** The bus Fileport's events are published to. */
  bus: events.IEventBus;
}

/**
 * Tenant webhooks' delivery (issue 15 §2): a rule on the events bus sends every Fileport event to
 * the delivery queue, whose function fans it out to the tenants' endpoints and sends its own
 * retries back to the same queue with a delay (SQS holds a message at most 15 minutes: longer
 * waits are deferred again). A message the function fails on five times (storage, never a
 * receiver's failure, which is a scheduled retry) goes to the dead-letter queue, which alarms
 * (lib/operations.ts). The routes that manage endpoints are the `webhooks` route group.
 */
export class Webhooks extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly deliveryFunction: FileportFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    const { storage, settings, bus } = props;
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = eventTargetQueues(this, 'webhookDeliveries'));
    this.deliveryFunction = new FileportFunction(this, 'DeliveryFunction', {
      entry: processors.webhookDeliveries.entry,
      settings,
      description: 'Fileport webhooks: delivers events to the tenants’ endpoints, signed (Standard Webhooks), with retries',
      timeout: Duration.seconds(processors.webhookDeliveries.timeoutSeconds),
    });
    this.rule = new Rule(this, 'Rule', {
      description: 'Fileport: every Fileport event to the webhook delivery queue',
      eventBus: bus,
      eventPattern: { source: [EVENT_SOURCE] },
      // EventBridge retries a failed put to the queue (24 h by default); what it still cannot put
      // lands in the dead-letter queue, which alarms.
      targets: [new targets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue })],
    });
    // Events in order as far as a standard queue gives them: batches of 10, each message's
    // deliveries one after the other.
    consumeQueue(this.deliveryFunction, this.queue, 10);
    grantNeeds(this.deliveryFunction, processors.webhookDeliveries.needs, { storage, settings: {}, queues: { webhooks: this.queue } });
  }
}
