import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiFunctionName, processorFunctionName } from '../../lambdas/adapters/aws-call-recorder';
import { processors, routeGroups, type Processor } from '../../lambdas/routes';
import { LOCAL_BUCKET, LOCAL_TABLE } from '../../local/stack';
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

const { stack, template } = synthFileport();
const cfn = template.toJSON() as CfnTemplate;
const resolver = new TemplateResolver(cfn);
const id = (construct: Parameters<typeof logicalId>[1]) => logicalId(stack, construct);

const processorFunctions: Record<Processor, Parameters<typeof logicalId>[1]> = {
  metadata: stack.processing.metadataFunction,
  thumbnails: stack.processing.thumbnailsFunction,
  deadLetters: stack.processing.deadLettersFunction,
  reconciler: stack.processing.reconcilerFunction,
};

const names = {
  functions: Object.fromEntries([
    ...routeGroups.map((group) => [apiFunctionName(group), id(stack.api.functions[group])]),
    ...(Object.keys(processors) as Processor[]).map((processor) => [processorFunctionName(processor), id(processorFunctions[processor])]),
  ]) as Record<string, string>,
  buckets: { [LOCAL_BUCKET]: id(stack.storage.bucket) },
  tables: { [LOCAL_TABLE]: id(stack.storage.table) },
  // The local stack's queues (local/stack.ts makeQueues) by the names it gives them.
  queues: { 'fileport-metadata': id(stack.processing.metadataQueue), 'fileport-thumbnails': id(stack.processing.thumbnailsQueue) },
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
];

/** Granted, used by no recorded call, and kept: each with the reason (the same as the comment next to the grant). */
const justified: JustifiedGrant[] = [
  ...Object.values(names.functions).flatMap((functionId) => [
    {
      functionId,
      action: 'logs:CreateLogStream',
      reason: "The Lambda runtime writes the function's logs to its log group with the role (lib/fileport-function.ts); no SDK call of the code.",
    },
    {
      functionId,
      action: 'logs:PutLogEvents',
      reason: "The Lambda runtime writes the function's logs to its log group with the role (lib/fileport-function.ts); no SDK call of the code.",
    },
  ]),
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
