import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { RecordedCall } from '../../lambdas/adapters/aws-call-recorder';

/**
 * The IAM conformance check: every AWS call the Lambdas were seen to make (recorded by
 * lambdas/adapters/aws-call-recorder.ts while the integration suite ran) is evaluated, with
 * @cloud-copilot/iam-simulate, against the policies of the function's role as the CDK app
 * synthesizes them — and against the resource's own policy (bucket, queue, key) — and every grant no
 * call used is reported. The template's intrinsic functions are resolved against a fixed account,
 * region and partition, with a resource's logical id standing for its generated name.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const PARTITION = 'aws';

// CloudFormation JSON: any value.
type Json = any;

export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Json }>;
  Parameters?: Record<string, { Default?: Json }>;
  Conditions?: Record<string, Json>;
}

/** A call to evaluate: the recorded ones (mapped to the template's names) and those the template implies. */
export interface IamCall {
  /** The function's logical id in the template. */
  functionId: string;
  action: string;
  /** ARN with the template's resolved names. */
  resource: string;
  context: Record<string, string>;
  /** How the call is made (sdk, presigned-url, post-form, local-queue, event-source-mapping, kms-via-s3, declared). */
  via: string;
  /** The S3 operation, when it is not the action's name (UploadPart is s3:PutObject, say). */
  operation?: string;
}

/** A granted action on a resource pattern, in a function role's policy. */
export interface Grant {
  functionId: string;
  action: string;
  resource: string;
}

/** An unused grant that stays, and why. Matches on the function's logical id (or any), the action, and the resource (or any). */
export interface JustifiedGrant {
  functionId?: string;
  action: string;
  resource?: string;
  reason: string;
}

export interface Denial {
  call: IamCall;
  result: string;
  /** Why: the statements that decided, or the simulator's validation errors. */
  detail: string;
}

export interface ConformanceReport {
  /** Distinct calls evaluated. */
  calls: number;
  denied: Denial[];
  /** Recorded context keys the simulator ignored for the action (recorded wrongly: a recorder bug). */
  ignoredContextKeys: { call: IamCall; keys: string[] }[];
  /** Granted and used by no call, nor justified. */
  unused: Grant[];
  /** Granted, used by no call, and justified (with the reason). */
  justified: (Grant & { reason: string })[];
  /** Justifications that match no grant at all: out of date (the grant is gone), reported so the list stays honest. */
  staleJustifications: JustifiedGrant[];
  /** Functions of the template that no call was attributed to, and whose grants were therefore not checked. */
  uncheckedFunctions: string[];
}

/** Resolves the template's intrinsic functions to strings, as CloudFormation would in ACCOUNT/REGION. */
export class TemplateResolver {
  constructor(readonly template: CfnTemplate) {}

  resource(logicalId: string): { Type: string; Properties?: Json } {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`The template has no resource ${logicalId}`);
    return resource;
  }

  /** The generated (or given) physical name of a resource. */
  nameOf(logicalId: string): string {
    const { Type, Properties = {} } = this.resource(logicalId);
    const explicit: Record<string, string> = {
      'AWS::S3::Bucket': 'BucketName',
      'AWS::DynamoDB::Table': 'TableName',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::IAM::Role': 'RoleName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::SecretsManager::Secret': 'Name',
      'AWS::SNS::Topic': 'TopicName',
    };
    const property = explicit[Type];
    if (property && Properties[property] !== undefined) return String(this.resolve(Properties[property]));
    // Bucket names are lower case; other names keep the logical id as it is.
    return Type === 'AWS::S3::Bucket' ? logicalId.toLowerCase() : logicalId;
  }

  ref(name: string): Json {
    const pseudo: Record<string, string> = {
      'AWS::Partition': PARTITION,
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': 'Fileport',
      'AWS::StackId': `arn:${PARTITION}:cloudformation:${REGION}:${ACCOUNT}:stack/Fileport/00000000-0000-0000-0000-000000000000`,
    };
    if (name in pseudo) return pseudo[name];
    const parameter = this.template.Parameters?.[name];
    if (parameter) return parameter.Default;
    const { Type } = this.resource(name);
    const resolvedName = this.nameOf(name);
    switch (Type) {
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${resolvedName}`;
      case 'AWS::SecretsManager::Secret':
        // Secrets Manager appends six random characters to a secret's ARN.
        return `arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:${resolvedName}-AbCdEf`;
      case 'AWS::SNS::Topic':
        return `arn:${PARTITION}:sns:${REGION}:${ACCOUNT}:${resolvedName}`;
      default:
        return resolvedName;
    }
  }

  getAtt(logicalId: string, attribute: string): string {
    const { Type } = this.resource(logicalId);
    const name = this.nameOf(logicalId);
    const arns: Record<string, () => string> = {
      'AWS::S3::Bucket': () => `arn:${PARTITION}:s3:::${name}`,
      'AWS::DynamoDB::Table': () => `arn:${PARTITION}:dynamodb:${REGION}:${ACCOUNT}:table/${name}`,
      'AWS::SQS::Queue': () => `arn:${PARTITION}:sqs:${REGION}:${ACCOUNT}:${name}`,
      'AWS::IAM::Role': () => `arn:${PARTITION}:iam::${ACCOUNT}:role/${name}`,
      'AWS::Lambda::Function': () => `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:${name}`,
      'AWS::Logs::LogGroup': () => `arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`,
      'AWS::KMS::Key': () => `arn:${PARTITION}:kms:${REGION}:${ACCOUNT}:key/${name}`,
      'AWS::SNS::Topic': () => `arn:${PARTITION}:sns:${REGION}:${ACCOUNT}:${name}`,
      'AWS::Events::Rule': () => `arn:${PARTITION}:events:${REGION}:${ACCOUNT}:rule/${name}`,
      'AWS::Events::EventBus': () => `arn:${PARTITION}:events:${REGION}:${ACCOUNT}:event-bus/${name}`,
    };
    if (attribute === 'Arn' && arns[Type]) return arns[Type]();
    if (Type === 'AWS::SQS::Queue' && attribute === 'QueueName') return name;
    if (Type === 'AWS::SQS::Queue' && attribute === 'QueueUrl') return String(this.ref(logicalId));
    if (Type === 'AWS::S3::Bucket' && attribute === 'RegionalDomainName') return `${name}.s3.${REGION}.amazonaws.com`;
    if (Type === 'AWS::S3::Bucket' && attribute === 'DomainName') return `${name}.s3.amazonaws.com`;
    if (Type === 'AWS::KMS::Key' && attribute === 'KeyId') return name;
    if (Type === 'AWS::DynamoDB::Table' && attribute === 'StreamArn') return `arn:${PARTITION}:dynamodb:${REGION}:${ACCOUNT}:table/${name}/stream/2026-01-01T00:00:00.000`;
    throw new Error(`Cannot resolve Fn::GetAtt ${logicalId}.${attribute} (${Type}): teach TemplateResolver.getAtt`);
  }

  condition(name: string): boolean {
    const condition = this.template.Conditions?.[name];
    if (condition === undefined) throw new Error(`The template has no condition ${name}`);
    return Boolean(this.resolve(condition));
  }

  /** The value with every intrinsic function resolved. */
  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys as [string];
      const argument = value[fn];
      switch (fn) {
        case 'Ref':
          return this.ref(argument);
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(argument) ? argument : String(argument).split(/\.(.*)/);
          return this.getAtt(id, attribute);
        }
        case 'Fn::Join': {
          const [separator, parts] = argument as [string, Json[]];
          return (this.resolve(parts) as Json[]).join(separator);
        }
        case 'Fn::Sub': {
          const [text, variables = {}] = typeof argument === 'string' ? [argument, {}] : (argument as [string, Record<string, Json>]);
          return text.replace(/\$\{([^}!]+)\}/g, (_all: string, name: string) => {
            if (name in variables) return String(this.resolve(variables[name]));
            const [id, attribute] = name.split(/\.(.*)/) as [string, string | undefined];
            return String(attribute ? this.getAtt(id, attribute) : this.ref(id));
          });
        }
        case 'Fn::Select': {
          const [index, list] = argument as [Json, Json];
          return (this.resolve(list) as Json[])[Number(this.resolve(index))];
        }
        case 'Fn::Split': {
          const [separator, text] = argument as [string, Json];
          return String(this.resolve(text)).split(separator);
        }
        case 'Fn::If': {
          const [condition, whenTrue, whenFalse] = argument as [string, Json, Json];
          return this.resolve(this.condition(condition) ? whenTrue : whenFalse);
        }
        case 'Fn::Equals': {
          const [a, b] = this.resolve(argument) as [Json, Json];
          return JSON.stringify(a) === JSON.stringify(b);
        }
        case 'Fn::Not':
          return !(this.resolve(argument) as Json[])[0];
        case 'Fn::And':
          return (this.resolve(argument) as Json[]).every(Boolean);
        case 'Fn::Or':
          return (this.resolve(argument) as Json[]).some(Boolean);
        case 'Condition':
          return this.condition(argument);
        default:
          if (fn.startsWith('Fn::')) throw new Error(`Cannot resolve ${fn}: teach TemplateResolver.resolve`);
      }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
  }

  /** The logical id a `{Ref}` or `{Fn::GetAtt}` names. */
  static target(value: Json): string | undefined {
    if (value && typeof value === 'object') {
      if (typeof value.Ref === 'string') return value.Ref;
      if (Array.isArray(value['Fn::GetAtt'])) return value['Fn::GetAtt'][0];
    }
    return undefined;
  }
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The logical id of a function's role. */
export function roleOfFunction(resolver: TemplateResolver, functionId: string): string {
  const fn = resolver.resource(functionId);
  if (fn.Type !== 'AWS::Lambda::Function') throw new Error(`${functionId} is a ${fn.Type}, not a function`);
  const role = TemplateResolver.target(fn.Properties?.Role);
  if (!role) throw new Error(`The role of ${functionId} is not a role of the template`);
  return role;
}

/** Every policy document attached to a role: its inline policies and the AWS::IAM::Policy resources naming it. */
export function policiesOfRole(resolver: TemplateResolver, roleId: string): { name: string; policy: Json }[] {
  const role = resolver.resource(roleId);
  if (asArray(role.Properties?.ManagedPolicyArns).length > 0) {
    throw new Error(`${roleId} has managed policies, whose statements are not in the template: the check cannot see what they grant`);
  }
  const inline = asArray<Json>(role.Properties?.Policies).map((p) => ({ name: `${roleId}/${String(p.PolicyName)}`, policy: resolver.resolve(p.PolicyDocument) }));
  const attached = Object.entries(resolver.template.Resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && asArray<Json>(r.Properties?.Roles).some((ref) => TemplateResolver.target(ref) === roleId))
    .map(([id, r]) => ({ name: id, policy: resolver.resolve(r.Properties.PolicyDocument) }));
  return [...inline, ...attached];
}

/** The grants (each allowed action on each resource pattern) of a function's role. */
export function grantsOf(resolver: TemplateResolver, functionId: string): Grant[] {
  const grants: Grant[] = [];
  for (const { policy } of policiesOfRole(resolver, roleOfFunction(resolver, functionId))) {
    for (const statement of asArray<Json>(policy.Statement)) {
      if (statement.Effect !== 'Allow') continue;
      for (const action of asArray<string>(statement.Action ?? statement.NotAction)) {
        for (const resource of asArray<string>(statement.Resource ?? statement.NotResource)) grants.push({ functionId, action, resource });
      }
    }
  }
  return grants;
}

/** The resource policy that applies to a request on `resource`: the bucket's, queue's or key's, or none. */
export function resourcePolicyFor(resolver: TemplateResolver, resource: string): Json | undefined {
  const statements: Json[] = [];
  for (const [, r] of Object.entries(resolver.template.Resources)) {
    const props = r.Properties ?? {};
    if (r.Type === 'AWS::S3::BucketPolicy') {
      const bucket = String(resolver.resolve(props.Bucket));
      if (resource === `arn:${PARTITION}:s3:::${bucket}` || resource.startsWith(`arn:${PARTITION}:s3:::${bucket}/`)) statements.push(...asArray(resolver.resolve(props.PolicyDocument).Statement));
    } else if (r.Type === 'AWS::SQS::QueuePolicy') {
      const arns = asArray<Json>(props.Queues).map((url) => {
        const name = String(resolver.resolve(url)).split('/').pop();
        return `arn:${PARTITION}:sqs:${REGION}:${ACCOUNT}:${name}`;
      });
      if (arns.includes(resource)) statements.push(...asArray(resolver.resolve(props.PolicyDocument).Statement));
    }
  }
  for (const [id, r] of Object.entries(resolver.template.Resources)) {
    if (r.Type === 'AWS::KMS::Key' && resource === resolver.getAtt(id, 'Arn')) statements.push(...asArray(resolver.resolve(r.Properties?.KeyPolicy).Statement));
  }
  return statements.length === 0 ? undefined : { Version: '2012-10-17', Statement: statements };
}

/**
 * The calls the template itself implies a function's role makes: Lambda's poller receives and
 * deletes each event source mapping's messages with the function's role (and decrypts them when the
 * queue has a customer key).
 */
export function impliedCalls(resolver: TemplateResolver): IamCall[] {
  const calls: IamCall[] = [];
  for (const r of Object.values(resolver.template.Resources)) {
    if (r.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const functionId = TemplateResolver.target(r.Properties?.FunctionName);
    const source = String(resolver.resolve(r.Properties?.EventSourceArn));
    if (functionId && /^arn:[^:]+:dynamodb:.*\/stream\//.test(source)) {
      // A table stream's poller (the actions of AWSLambdaDynamoDBExecutionRole): ListStreams names no stream.
      for (const action of ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator']) {
        calls.push({ functionId, action, resource: source, context: { 'aws:SecureTransport': 'true' }, via: 'event-source-mapping' });
      }
      calls.push({ functionId, action: 'dynamodb:ListStreams', resource: '*', context: { 'aws:SecureTransport': 'true' }, via: 'event-source-mapping' });
      const onFailure = r.Properties?.DestinationConfig?.OnFailure?.Destination;
      if (onFailure !== undefined) {
        calls.push({ functionId, action: 'sqs:SendMessage', resource: String(resolver.resolve(onFailure)), context: { 'aws:SecureTransport': 'true' }, via: 'event-source-mapping' });
      }
      continue;
    }
    if (!functionId || !source.startsWith(`arn:${PARTITION}:sqs:`)) continue;
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']) {
      calls.push({ functionId, action, resource: source, context: { 'aws:SecureTransport': 'true' }, via: 'event-source-mapping' });
    }
    const queueId = TemplateResolver.target(r.Properties?.EventSourceArn);
    const keyId = queueId && TemplateResolver.target(resolver.resource(queueId).Properties?.KmsMasterKeyId);
    if (keyId && resolver.resource(keyId).Type === 'AWS::KMS::Key') {
      calls.push({ functionId, action: 'kms:Decrypt', resource: resolver.getAtt(keyId, 'Arn'), context: { 'kms:ViaService': `sqs.${REGION}.amazonaws.com` }, via: 'event-source-mapping' });
    }
  }
  return calls;
}

/**
 * The KMS calls S3 makes with the caller's rights when the bucket encrypts with a customer key:
 * writes need a data key, reads (and multipart uploads, and the source of a copy) decrypt one.
 */
export function kmsCallsOf(resolver: TemplateResolver, call: IamCall): IamCall[] {
  const match = /^arn:aws:s3:::([^/]+)\//.exec(call.resource);
  if (!match) return [];
  const bucketId = Object.keys(resolver.template.Resources).find((id) => resolver.resource(id).Type === 'AWS::S3::Bucket' && resolver.nameOf(id) === match[1]);
  if (!bucketId) return [];
  const rules = asArray<Json>(resolver.resource(bucketId).Properties?.BucketEncryption?.ServerSideEncryptionConfiguration);
  const key = rules.map((rule) => rule.ServerSideEncryptionByDefault).find((d) => d?.SSEAlgorithm === 'aws:kms' && d.KMSMasterKeyID !== undefined)?.KMSMasterKeyID;
  if (key === undefined) return [];
  let keyArn = String(resolver.resolve(key));
  if (!keyArn.startsWith('arn:')) keyArn = `arn:${PARTITION}:kms:${REGION}:${ACCOUNT}:key/${keyArn}`;
  const bucketKey = rules.some((rule) => rule.BucketKeyEnabled === true);
  const context = {
    'kms:ViaService': `s3.${REGION}.amazonaws.com`,
    // With an S3 Bucket Key, the encryption context is the bucket's ARN, not the object's.
    'kms:EncryptionContext:aws:s3:arn': bucketKey ? `arn:${PARTITION}:s3:::${match[1]}` : call.resource,
  };
  const kms = (action: string): IamCall => ({ functionId: call.functionId, action, resource: keyArn, context, via: 'kms-via-s3', operation: call.operation });
  if (call.action === 's3:GetObject') return [kms('kms:Decrypt')];
  if (call.action !== 's3:PutObject') return [];
  // Multipart uploads decrypt the data key of earlier parts; a copy decrypts its source.
  const decrypts = ['CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload'].includes(call.operation ?? '');
  return decrypts ? [kms('kms:GenerateDataKey'), kms('kms:Decrypt')] : [kms('kms:GenerateDataKey')];
}

/** How recorded names become the template's: the local stack's bucket, table and queue names, by logical id. */
export interface NameMapping {
  /** `api:files` → the function's logical id. */
  functions: Record<string, string>;
  /** Local bucket name → bucket logical id. */
  buckets: Record<string, string>;
  /** Local table name → table logical id. */
  tables: Record<string, string>;
  /** Local queue name → queue logical id. */
  queues: Record<string, string>;
  /** Secret ARN or name as recorded → secret logical id. */
  secrets?: Record<string, string>;
  /** Local event bus name → bus logical id. */
  buses?: Record<string, string>;
}

/** A recorded call in the template's terms; throws when it names something the template does not have. */
export function toTemplateCall(resolver: TemplateResolver, names: NameMapping, call: RecordedCall): IamCall {
  if (call.function === null) throw new Error(`A call was made outside any function's invocation (the local stack must run each in asInvocationOf): ${JSON.stringify(call)}`);
  const functionId = names.functions[call.function];
  if (!functionId) throw new Error(`The recorded function ${call.function} has no function in the template's mapping`);
  const [, , service, , , ...rest] = call.resource.split(':');
  const path = rest.join(':');
  const mapped = (kind: string, table: Record<string, string>, name: string) => {
    const id = table[name];
    if (!id) throw new Error(`${call.function} called ${call.action} on ${kind} ${name}, which the template does not have`);
    return resolver.nameOf(id);
  };
  let resource: string;
  if (service === 's3') {
    const slash = path.indexOf('/');
    const bucket = slash < 0 ? path : path.slice(0, slash);
    resource = `arn:${PARTITION}:s3:::${mapped('bucket', names.buckets, bucket)}${slash < 0 ? '' : path.slice(slash)}`;
  } else if (service === 'dynamodb') {
    const [, table, ...index] = path.split('/');
    resource = `arn:${PARTITION}:dynamodb:${REGION}:${ACCOUNT}:table/${mapped('table', names.tables, table ?? '')}${index.length ? `/${index.join('/')}` : ''}`;
  } else if (service === 'events') {
    const bus = path.replace(/^event-bus\//, '');
    resource = `arn:${PARTITION}:events:${REGION}:${ACCOUNT}:event-bus/${mapped('event bus', names.buses ?? {}, bus)}`;
  } else if (service === 'sqs') {
    resource = `arn:${PARTITION}:sqs:${REGION}:${ACCOUNT}:${mapped('queue', names.queues, path)}`;
  } else if (call.service === 'secretsmanager') {
    const id = names.secrets?.[call.resource];
    if (!id) throw new Error(`${call.function} read the secret ${call.resource}, which the template does not have`);
    resource = String(resolver.ref(id));
  } else {
    throw new Error(`The checker does not know ${call.service} (${call.action} on ${call.resource}): teach toTemplateCall`);
  }
  return { functionId, action: call.action, resource, context: call.context, via: call.via, ...(call.operation ? { operation: call.operation } : {}) };
}

/** Every recorded call in `directory` (calls-*.jsonl, one JSON object a line). */
export function readRecordedCalls(directory: string): { files: string[]; calls: RecordedCall[] } {
  let files: string[];
  try {
    files = readdirSync(directory).filter((f) => /^calls-.*\.jsonl$/.test(f));
  } catch {
    files = [];
  }
  const calls = files.flatMap((file) =>
    readFileSync(join(directory, file), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as RecordedCall),
  );
  return { files, calls };
}

const principalOf = (resolver: TemplateResolver, functionId: string) => {
  // The function runs as a session of its role, named after the function.
  const role = resolver.nameOf(roleOfFunction(resolver, functionId));
  return `arn:${PARTITION}:sts::${ACCOUNT}:assumed-role/${role}/${resolver.nameOf(functionId)}`;
};

function describeDecision(analysis: Json): string {
  const denies = [...asArray<Json>(analysis?.identityAnalysis?.denyStatements), ...asArray<Json>(analysis?.resourceAnalysis?.denyStatements)];
  if (denies.length > 0) return `denied by ${denies.map((d) => JSON.stringify(d.statement)).join('; ')}`;
  if (analysis?.identityAnalysis?.result !== 'Allowed') return 'no statement of the role allows it';
  return `identity: ${String(analysis?.identityAnalysis?.result)}, resource policy: ${String(analysis?.resourceAnalysis?.result)}`;
}

/**
 * Evaluates every call and reports denials, and each function's grants no call used (minus the
 * justified ones). `checkedFunctions`: the functions whose grants are held to the calls (the ones
 * the recording speaks for); the others are listed as unchecked.
 */
export async function checkConformance(options: {
  template: CfnTemplate;
  calls: IamCall[];
  checkedFunctions: string[];
  justified?: JustifiedGrant[];
}): Promise<ConformanceReport> {
  const resolver = new TemplateResolver(options.template);
  const distinct = new Map<string, IamCall>();
  const add = (call: IamCall) => distinct.set(JSON.stringify([call.functionId, call.action, call.resource, call.context, call.operation ?? '']), call);
  for (const call of [...options.calls, ...impliedCalls(resolver)]) {
    add(call);
    kmsCallsOf(resolver, call).forEach(add);
  }

  const policies = new Map<string, { name: string; policy: Json }[]>();
  const policiesOf = (functionId: string) => {
    let found = policies.get(functionId);
    if (!found) policies.set(functionId, (found = policiesOfRole(resolver, roleOfFunction(resolver, functionId))));
    return found;
  };
  const used = new Set<string>();
  const grantKey = (g: Grant) => JSON.stringify([g.functionId, g.action, g.resource]);
  const report: ConformanceReport = { calls: distinct.size, denied: [], ignoredContextKeys: [], unused: [], justified: [], staleJustifications: [], uncheckedFunctions: [] };

  for (const call of distinct.values()) {
    const simulation: Simulation = {
      request: {
        principal: principalOf(resolver, call.functionId),
        action: call.action,
        resource: { resource: call.resource, accountId: ACCOUNT },
        contextVariables: call.context,
      },
      identityPolicies: policiesOf(call.functionId),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourcePolicyFor(resolver, call.resource),
    };
    const response = await runSimulation(simulation, {});
    if (response.resultType === 'error') {
      report.denied.push({ call, result: 'error', detail: `the simulator refused the request: ${response.errors.message} ${JSON.stringify(response.errors)}` });
      continue;
    }
    if (response.resultType !== 'single') {
      report.denied.push({ call, result: response.overallResult, detail: 'a wildcard resource was recorded: record the exact resource' });
      continue;
    }
    const { analysis, ignoredContextKeys } = response.result;
    if (ignoredContextKeys && ignoredContextKeys.length > 0) report.ignoredContextKeys.push({ call, keys: ignoredContextKeys });
    if (response.overallResult !== 'Allowed') {
      report.denied.push({ call, result: response.overallResult, detail: describeDecision(analysis) });
      continue;
    }
    // The grants that allowed it: each allow statement's matching action and resource patterns, as the simulator explains them.
    for (const statement of analysis.identityAnalysis?.allowStatements ?? []) {
      const actions = asArray<Json>(statement.explain.actions).filter((a) => a.matches === true);
      const resources = asArray<Json>(statement.explain.resources).filter((r) => r.matches === true);
      for (const action of actions) for (const resource of resources) used.add(grantKey({ functionId: call.functionId, action: action.action, resource: resource.resource }));
    }
  }

  const justifications = options.justified ?? [];
  // A justification stays valid while its grant exists, used or not: a partial run of the suite may not use it.
  const justificationMatched = new Set<JustifiedGrant>();
  const matchesJustification = (grant: Grant, j: JustifiedGrant) =>
    (j.functionId === undefined || j.functionId === grant.functionId) && j.action === grant.action && (j.resource === undefined || j.resource === grant.resource);
  const seen = new Set<string>();
  for (const functionId of options.checkedFunctions) {
    for (const grant of grantsOf(resolver, functionId)) {
      const key = grantKey(grant);
      for (const j of justifications) if (matchesJustification(grant, j)) justificationMatched.add(j);
      if (used.has(key) || seen.has(key)) continue;
      seen.add(key);
      const justification = justifications.find((j) => matchesJustification(grant, j));
      if (justification) {
        report.justified.push({ ...grant, reason: justification.reason });
      } else {
        report.unused.push(grant);
      }
    }
  }
  report.staleJustifications = justifications.filter((j) => !justificationMatched.has(j));
  report.uncheckedFunctions = Object.entries(options.template.Resources)
    .filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && !options.checkedFunctions.includes(id))
    .map(([id]) => id);
  return report;
}

/** The report as text: what was denied, what is granted but unused, what stays and why. */
export function formatReport(report: ConformanceReport): string {
  const lines = [`IAM conformance: ${report.calls} distinct calls evaluated.`];
  lines.push(`Denied: ${report.denied.length}`);
  for (const d of report.denied) lines.push(`  ${d.call.functionId} ${d.call.action} ${d.call.resource} (${d.call.via}${d.call.operation ? ` ${d.call.operation}` : ''}) ${JSON.stringify(d.call.context)}: ${d.result}, ${d.detail}`);
  lines.push(`Recorded condition keys the simulator ignored: ${report.ignoredContextKeys.length}`);
  for (const i of report.ignoredContextKeys) lines.push(`  ${i.call.functionId} ${i.call.action}: ${i.keys.join(', ')}`);
  lines.push(`Granted but used by no call: ${report.unused.length}`);
  for (const g of report.unused) lines.push(`  ${g.functionId} ${g.action} ${g.resource}`);
  lines.push(`Granted, unused, justified: ${report.justified.length}`);
  for (const g of report.justified) lines.push(`  ${g.functionId} ${g.action} ${g.resource}: ${g.reason}`);
  lines.push(`Justifications that match no grant (remove them): ${report.staleJustifications.length}`);
  for (const j of report.staleJustifications) lines.push(`  ${j.functionId ?? '*'} ${j.action} ${j.resource ?? '*'}: ${j.reason}`);
  if (report.uncheckedFunctions.length > 0) lines.push(`Functions not held to recorded calls: ${report.uncheckedFunctions.join(', ')}`);
  return lines.join('\n');
}
