import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiFunctionName, processorFunctionName } from '../../lambdas/adapters/aws-call-recorder';
import { routeGroups } from '../../lambdas/routes';
import { processors, type Processor } from '../../lambdas/processors';
import { LOCAL_BUCKET, LOCAL_TABLE } from '../../local/stack';
import { LOCAL_EVENT_BUS } from '../../local/service-environment';
import { logicalId, synthFileport } from '../cdk/fixtures';
import { DEFAULT_RECORDING_DIR } from '../integration/support/record-aws-calls';
import { checkConformance, formatReport, readRecordedCalls, TemplateResolver, toTemplateCall, type CfnTemplate, type IamCall, type JustifiedGrant } from '../support/iam-conformance';

/**
 * Every AWS call the integration suite saw the Lambdas make is allowed by the deployed IAM policies
 * (and the bucket's and queues' own policies), and nothing is granted that no call uses. Runs after
 * the integration suite (`npm test`, or `npm run test:iam` after `npm run test:integration` or a
 * part of it), on what it recorded; the report is written next to the recording.
 */

const directory = process.env.FILEPORT_RECORD_AWS_CALLS || DEFAULT_RECORDING_DIR;

// With malware scanning: the malware-scanning suite records the scan-result function's calls.
const { stack, template } = synthFileport({ 'fileport:malwareScanning': true });
const scanning = stack.fileport.malwareScanning;
if (!scanning) throw new Error('fileport:malwareScanning makes the scan-result function');
const cfn = template.toJSON() as CfnTemplate;
const resolver = new TemplateResolver(cfn);
const id = (construct: Parameters<typeof logicalId>[1]) => logicalId(stack, construct);

const processorFunctions: Record<Processor, Parameters<typeof logicalId>[1]> = {
  metadata: stack.processing.metadataFunction,
  thumbnails: stack.processing.thumbnailsFunction,
  deadLetters: stack.processing.deadLettersFunction,
  reconciler: stack.processing.reconcilerFunction,
  events: stack.events.publisher!,
  scanResults: scanning.function,
  webhookDeliveries: stack.fileport.webhooks.deliveryFunction,
};

const names = {
  functions: Object.fromEntries([
    ...routeGroups.map((group) => [apiFunctionName(group), id(stack.api.functions[group])]),
    ...(Object.keys(processors) as Processor[]).map((processor) => [processorFunctionName(processor), id(processorFunctions[processor])]),
  ]) as Record<string, string>,
  buckets: { [LOCAL_BUCKET]: id(stack.storage.bucket) },
  tables: { [LOCAL_TABLE]: id(stack.storage.table) },
  // The local stack's queues (local/aws-services.ts localQueues) by the names it gives them.
  queues: {
    'fileport-metadata': id(stack.processing.metadataQueue),
    'fileport-thumbnails': id(stack.processing.thumbnailsQueue),
    'fileport-scan-results': id(scanning.queue),
    'fileport-webhooks': id(stack.fileport.webhooks.queue),
  },
  buses: { [LOCAL_EVENT_BUS]: id(stack.events.bus) },
};

/**
 * Calls the deployed functions make that the local stack cannot: each is evaluated like a recorded
 * one (it must be allowed) and counts as the use of its grant. Every entry says why it is not recorded.
 */
const declaredCalls: (IamCall & { reason: string })[] = [
  {
    functionId: id(stack.api.functions.uploads),
    action: 'secretsmanager:GetSecretValue',
    resource: String(resolver.ref(id(stack.api.uploadIdSecret))),
    context: { 'aws:SecureTransport': 'true' },
    via: 'declared',
    reason:
      'The uploads function reads the upload-id signing key from Secrets Manager (lambdas/adapters/upload-id-keys.ts); the local stack has no Secrets Manager and gives it the key itself (FILEPORT_UPLOAD_ID_KEY). The signed request is tested in test/unit/adapters/secrets-manager.test.ts.',
  },
  {
    functionId: id(stack.api.functions.links),
    action: 'secretsmanager:GetSecretValue',
    resource: String(resolver.ref(id(stack.api.uploadIdSecret))),
    context: { 'aws:SecureTransport': 'true' },
    via: 'declared',
    reason: 'The links function signs multipart upload ids with the same key as the uploads function, read the same way (see above).',
  },
];

const bucketArn = resolver.getAtt(id(stack.storage.bucket), 'Arn');
const tableArn = resolver.getAtt(id(stack.storage.table), 'Arn');
const thumbnailObjects = `${bucketArn}/thumbnails/*`;

/**
 * Granted, possibly used by no recorded call, and kept: each with the reason (the same as the
 * comment next to the grant in lib/). An entry whose grant no longer exists fails the check.
 */
const justified: JustifiedGrant[] = [
  ...Object.values(names.functions).flatMap((functionId) => [
    { functionId, action: 'logs:CreateLogStream', reason: "The Lambda runtime writes the function's logs with its role (lib/fileport-function.ts): no call of the code." },
    { functionId, action: 'logs:PutLogEvents', reason: "The Lambda runtime writes the function's logs with its role (lib/fileport-function.ts): no call of the code." },
  ]),
  // Every function but file-types, which has no data access.
  ...Object.entries(names.functions)
    .filter(([name]) => name !== apiFunctionName('file-types') && name !== processorFunctionName('events'))
    .flatMap(([, functionId]) =>
    ['dynamodb:GetItem', 'dynamodb:BatchGetItem'].map((action) => ({
      functionId,
      action,
      resource: tableArn,
      reason:
        'Reads coalesce (lambdas/adapters/consistent-reads.ts): a read alone is a GetItem, reads started together one BatchGetItem, so which of the two a function makes depends on timing (lib/storage.ts ItemAction).',
    })),
  ),
  {
    functionId: id(stack.api.functions.shared),
    action: 's3:DeleteObject',
    resource: thumbnailObjects,
    reason: "Deleting a file with a full share token removes its thumbnails too (lambdas/domain/files/files.ts); the suite's shared deletes are of files without thumbnails (lib/api.ts).",
  },
  {
    functionId: id(stack.api.functions.links),
    action: 's3:GetObject',
    resource: `${bucketArn}/content/*`,
    reason: 'A multipart completion through an upload link, retried after S3 completed it, reads one byte of the object to know it exists (lambdas/domain/transfer/multipart.ts), as the uploads function does; the suite retries no completion through a link.',
  },
  {
    functionId: id(stack.api.functions.renditions),
    action: 's3:DeleteObject',
    resource: thumbnailObjects,
    reason: 'A rendition made for content replaced (or a file deleted) while it was made deletes itself (lambdas/domain/transfer/renditions.ts): a race the integration suite does not provoke; tested in test/unit/domain/transfer/renditions.test.ts.',
  },
  {
    functionId: id(stack.processing.deadLettersFunction),
    action: 's3:ListBucket',
    resource: bucketArn,
    reason: 'A file failed for newer content than it described loses the old content\'s renditions, found by listing their prefix (lambdas/domain/processing/version-claims.ts deleteSuperseded); as rare as its thumbnail deletes above.',
  },
  {
    functionId: id(stack.processing.metadataFunction),
    action: 's3:DeleteObject',
    resource: thumbnailObjects,
    reason: 'Removes the thumbnails of content a new upload superseded (lambdas/domain/processing/metadata-processing.ts); tested in test/unit/domain/processing/metadata-processing.test.ts (lib/processing.ts).',
  },
  {
    functionId: id(stack.processing.thumbnailsFunction),
    action: 's3:DeleteObject',
    resource: thumbnailObjects,
    reason: 'Deletes the thumbnails it wrote when the file changed while it made them (lambdas/domain/processing/thumbnail-processing.ts), a race the suite does not provoke (lib/processing.ts).',
  },
  {
    functionId: id(scanning.function),
    action: 's3:DeleteObject',
    resource: thumbnailObjects,
    reason: 'Deletes the thumbnails of content found infected (lambdas/domain/scanning/scan-results.ts); the suite’s infected upload is the EICAR text file, which has none. Tested in test/unit/domain/scanning/scan-results.test.ts (lambdas/processors.ts).',
  },
  {
    functionId: id(scanning.function),
    action: 's3:GetObject',
    resource: `${bucketArn}/content/*`,
    reason: 'Reads one byte of an object whose scan result came before processing recorded its version (a race), to know whether to retry; whether a run meets the race depends on timing (lambdas/processors.ts).',
  },
  {
    functionId: id(stack.processing.deadLettersFunction),
    action: 's3:DeleteObject',
    resource: thumbnailObjects,
    reason: "A file failed for newer content than it described loses the old content's thumbnails (lambdas/domain/processing/processing-recovery.ts); tested in test/unit/domain/processing/processing-recovery.test.ts (lib/processing.ts).",
  },
];

it('every recorded AWS call is allowed by the synthesized policies, and every grant is used or justified', async () => {
  const recorded = readRecordedCalls(directory);
  // No recording means no integration run (or a recorder that stopped working): never a pass.
  if (recorded.files.length === 0 || recorded.calls.length === 0) {
    throw new Error(`No AWS calls were recorded in ${directory}: run the integration suite first (npm run test:integration), which records them.`);
  }
  const calls = [...recorded.calls.map((call) => toTemplateCall(resolver, names, call)), ...declaredCalls];
  const report = await checkConformance({ template: cfn, calls, checkedFunctions: Object.values(names.functions), justified });
  const text = `${formatReport(report)}\nRecorded by ${recorded.files.length} local stack process(es) in ${directory}.\n`;
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'report.txt'), text);
  console.log(text);

  expect(report.denied.map((d) => `${d.call.functionId} ${d.call.action} ${d.call.resource} (${d.call.via}): ${d.result}, ${d.detail}`)).toEqual([]);
  expect(report.ignoredContextKeys.map((i) => `${i.call.functionId} ${i.call.action}: ${i.keys.join(', ')}`)).toEqual([]);
  expect(report.unused.map((g) => `${g.functionId} ${g.action} ${g.resource}`)).toEqual([]);
  expect(report.staleJustifications).toEqual([]);
}, 300_000);
