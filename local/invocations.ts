import { randomUUID } from 'node:crypto';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { processors } from '../lambdas/processors';
import { apiFunctionName, asInvocationOf, processorFunctionName } from '../lambdas/adapters/aws-call-recorder';
import { lambdaContext, type ApiLambda } from './gateway';
import type { LambdaName, LoadedLambda } from './lambda-code';
import type { QueueConsumer } from './local-queue';

/*
 * Every invocation of a function goes through one of these, one per way Lambda invokes Fileport's
 * functions (an API Gateway HTTP API v2 event, an SQS batch, a stream batch, a scheduled event), with
 * a Lambda context of its own: what wraps an invocation (a recorder of its AWS calls) wraps it here.
 */

/** A route group's function, as the gateway invokes it. */
export function apiLambda(fn: LoadedLambda): ApiLambda {
  return asInvocationOf(functionNameOf(fn.name), (event, context) => fn.handler(event, context) as ReturnType<ApiLambda>);
}

/** A processor, as its queue's event source mapping invokes it: an SQS event, the batch failures back. */
export function sqsConsumer(fn: LoadedLambda): QueueConsumer {
  return asInvocationOf(functionNameOf(fn.name), (event) => fn.handler(event, lambdaContext(`fileport-${fn.name}`)) as ReturnType<QueueConsumer>);
}

/** The events publisher, as its stream's event source mapping invokes it: a DynamoDB stream batch, the batch failures back. */
export function streamConsumer(fn: LoadedLambda): (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void> {
  return asInvocationOf(functionNameOf(fn.name), (event: DynamoDBStreamEvent) => fn.handler(event, lambdaContext(`fileport-${fn.name}`)) as Promise<DynamoDBBatchResponse | void>);
}

/** The reconciler, as its EventBridge schedule invokes it. */
export function scheduled(fn: LoadedLambda): () => Promise<{ redriven: number; gaveUp: number }> {
  return asInvocationOf(functionNameOf(fn.name), async () => {
    const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const region = process.env.AWS_REGION ?? 'us-east-1';
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time,
      region,
      resources: [`arn:aws:events:${region}:000000000000:rule/fileport-reconciler-schedule`],
      detail: {},
    };
    return (await fn.handler(event, lambdaContext(`fileport-${fn.name}`))) as { redriven: number; gaveUp: number };
  });
}

/** The deployed function a local one stands for, as the IAM conformance check names it (lambdas/adapters/aws-call-recorder.ts). */
const functionNameOf = (name: LambdaName): string => (name in processors ? processorFunctionName(name) : apiFunctionName(name));
