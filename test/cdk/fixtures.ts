import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { FileportStack } from '../../lib/fileport-stack';

const assemblies: string[] = [];

/**
 * Where a test's `App` writes its cloud assembly: `new App({ outdir: outdirForTest() })`. Given no
 * outdir, an App makes a `cdk.out*` folder in the temporary folder as it is constructed, which
 * nothing removes (a test run left about 27); these are removed after the test file.
 */
export function outdirForTest(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fileport-cdk-test-'));
  assemblies.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of assemblies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export interface Synthesized {
  app: App;
  stack: FileportStack;
  template: Template;
}

/**
 * The stack as the CLI would build it, minus asset bundling (`aws:cdk:bundling-stacks: []`), which
 * is what makes a template test take seconds instead of a minute. `context` adds or overrides
 * `fileport:*` settings.
 */
export function synthFileport(context: Record<string, unknown> = {}, options: { bundle?: boolean } = {}): Synthesized {
  const app = new App({
    outdir: outdirForTest(),
    context: { ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
  });
  const stack = new FileportStack(app, 'Fileport');
  return { app, stack, template: Template.fromStack(stack) };
}

/** The logical id a construct's CloudFormation resource gets in the template. */
export const logicalId = (stack: FileportStack, construct: IConstruct): string =>
  stack.getLogicalId(construct.node.defaultChild as CfnElement);

type CfnValue = unknown;

/**
 * Renders an ARN expression the way cdk-nag does (`<Logical.Arn>/content/*`), so assertions can
 * compare resources as plain strings.
 */
export function renderArn(value: CfnValue): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if ('Ref' in record) return `<${String(record.Ref)}>`;
    if ('Fn::GetAtt' in record) return `<${(record['Fn::GetAtt'] as string[]).join('.')}>`;
    if ('Fn::Join' in record) {
      const [separator, parts] = record['Fn::Join'] as [string, CfnValue[]];
      return parts.map(renderArn).join(separator);
    }
  }
  return JSON.stringify(value);
}

export interface Permission {
  effect: string;
  action: string;
  resource: string;
  /** The statement's Condition, when it has one. */
  condition?: unknown;
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every (action, resource) pair the role of `fn` is granted through inline and attached policies. */
export function permissionsOf(template: Template, roleLogicalId: string): Permission[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const permissions: Permission[] = [];
  for (const policy of Object.values(policies)) {
    const roles = asArray(policy.Properties.Roles as CfnValue[]).map(renderArn);
    if (!roles.includes(`<${roleLogicalId}>`)) continue;
    for (const statement of asArray(policy.Properties.PolicyDocument.Statement as Record<string, CfnValue>[])) {
      for (const action of asArray(statement.Action as string | string[])) {
        for (const resource of asArray(statement.Resource as CfnValue | CfnValue[])) {
          permissions.push({ effect: String(statement.Effect), action, resource: renderArn(resource), ...(statement.Condition !== undefined && { condition: statement.Condition }) });
        }
      }
    }
  }
  return permissions;
}

/** The logical id of the role a function runs with. */
export function roleOf(template: Template, functionLogicalId: string): string {
  const fn = template.toJSON().Resources[functionLogicalId];
  if (!fn) throw new Error(`No resource ${functionLogicalId}`);
  const role = fn.Properties.Role as { 'Fn::GetAtt': [string, string] };
  return role['Fn::GetAtt'][0];
}
