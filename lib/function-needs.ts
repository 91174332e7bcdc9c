import * as iam from 'aws-cdk-lib/aws-iam';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { environmentVariables as names, type FunctionNeeds, type WorkQueueName } from '../lambdas/function-needs';
import type { FileportSettings } from './deployment-settings';
import type { FileportFunction } from './fileport-function';
import type { Storage } from './storage';

type NeededSettings = Pick<FileportSettings, 'maxFileSize' | 'maxMultipartFileSize' | 'tenantSizeLimits' | 'pendingFileTtlSeconds' | 'maxVersions' | 'malwareScanning'>;

/** What the needs are met with: the deployment's resources and the operator's settings. */
export interface NeedsContext {
  storage: Storage;
  /** Only the settings the needs read must be there. */
  settings: Partial<NeededSettings>;
  uploadIdSecret?: secretsmanager.ISecret;
  queues?: Partial<Record<WorkQueueName, sqs.IQueue>>;
  /** The bus Fileport's events go to (lib/events.ts). */
  eventBus?: events.IEventBus;
}

/**
 * Gives a function exactly what its needs say (`lambdas/function-needs.ts`): each grant with the
 * environment variable that names its target, so no function is told of a resource it may not use.
 */
export function grantNeeds(fn: FileportFunction, needs: FunctionNeeds, context: NeedsContext): void {
  const { storage } = context;
  const setting = <K extends keyof NeededSettings>(key: K): NeededSettings[K] => {
    const value = context.settings[key];
    if (value === undefined) throw new Error(`${fn.node.path} needs the setting ${key}`);
    return value as NeededSettings[K];
  };
  if (needs.table) {
    fn.addEnvironment(names.tableName, storage.table.tableName);
    storage.grantTable(fn, needs.table);
  }
  if (needs.pendingFileTtl) fn.addEnvironment(names.pendingFileTtlSeconds, String(setting('pendingFileTtlSeconds')));
  if (needs.sizeLimits) {
    fn.addEnvironment(names.maxFileSize, String(setting('maxFileSize')));
    fn.addEnvironment(names.maxMultipartFileSize, String(setting('maxMultipartFileSize')));
    fn.addEnvironment(names.tenantSizeLimits, JSON.stringify(setting('tenantSizeLimits')));
  }
  if (needs.objects) {
    fn.addEnvironment(names.bucketName, storage.bucket.bucketName);
    for (const { actions, prefixes } of needs.objects) storage.grantObjects(fn, actions, prefixes);
  }
  if (needs.listsObjects) {
    if (!needs.objects) throw new Error(`${fn.node.path} lists objects, so it needs the bucket (objects)`);
    storage.grantList(fn, needs.listsObjects);
  }
  if (needs.maxVersions) fn.addEnvironment(names.maxVersions, String(setting('maxVersions')));
  if (needs.malwareScanning) fn.addEnvironment(names.malwareScanning, setting('malwareScanning') ? 'on' : 'off');
  if (needs.objectKmsKey && storage.encryptionKey) fn.addEnvironment(names.objectKmsKeyArn, storage.encryptionKey.keyArn);
  if (needs.uploadIdSecret) {
    const secret = context.uploadIdSecret;
    if (!secret) throw new Error(`${fn.node.path} needs the upload id secret`);
    fn.addEnvironment(names.uploadIdSecretArn, secret.secretArn);
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['secretsmanager:GetSecretValue'], resourceArns: [secret.secretArn] });
  }
  for (const name of needs.sendsTo ?? []) {
    const queue = context.queues?.[name];
    if (!queue) throw new Error(`${fn.node.path} sends to the ${name} queue, which is not given`);
    fn.addEnvironment(names.queueUrl[name], queue.queueUrl);
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['sqs:SendMessage'], resourceArns: [queue.queueArn] });
  }
  if (needs.publishesEvents) {
    const bus = context.eventBus;
    if (!bus) throw new Error(`${fn.node.path} publishes events, and no bus is given`);
    fn.addEnvironment(names.eventBusName, bus.eventBusName);
    // That bus only: not the account's default bus, nor any other.
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['events:PutEvents'], resourceArns: [bus.eventBusArn] });
  }
}
