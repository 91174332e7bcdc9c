import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { synthFileport } from './fixtures';

/**
 * Each FileportFunction (its role is described as one: CDK's own helper functions, such as the
 * bucket notifications handler, are not Fileport's to trace) with its TracingConfig and role.
 */
function functionsOf(template: ReturnType<typeof synthFileport>['template']) {
  const roles = template.findResources('AWS::IAM::Role');
  return Object.entries(template.findResources('AWS::Lambda::Function'))
    .map(([id, resource]) => ({
      id,
      tracing: (resource.Properties as { TracingConfig?: unknown }).TracingConfig,
      role: ((resource.Properties as { Role: { 'Fn::GetAtt'?: string[] } }).Role['Fn::GetAtt'] ?? [])[0] as string,
    }))
    .filter((fn) => String(roles[fn.role]?.Properties?.Description ?? '').startsWith('Execution role of the Fileport'));
}

/** The X-Ray actions a role's policies grant. */
function xrayActionsOf(template: ReturnType<typeof synthFileport>['template'], role: string): string[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
    .flatMap((statement) => [statement.Action].flat())
    .filter((action) => action.startsWith('xray:'))
    .sort();
}

describe('fileport:tracing', () => {
  it('is off by default: no function traced, no role allowed to write traces', () => {
    const { template } = synthFileport();
    const functions = functionsOf(template);
    expect(functions.length).toBeGreaterThanOrEqual(9);
    for (const fn of functions) {
      expect({ id: fn.id, tracing: fn.tracing }).toEqual({ id: fn.id, tracing: undefined });
      expect({ id: fn.id, xray: xrayActionsOf(template, fn.role) }).toEqual({ id: fn.id, xray: [] });
    }
  });

  it('traces every Fileport function when on, each role allowed to send its segments and nothing more', () => {
    const { template } = synthFileport({ 'fileport:tracing': 'true' });
    const functions = functionsOf(template);
    expect(functions.length).toBeGreaterThanOrEqual(9);
    for (const fn of functions) {
      expect({ id: fn.id, tracing: fn.tracing }).toEqual({ id: fn.id, tracing: { Mode: 'Active' } });
      expect({ id: fn.id, xray: xrayActionsOf(template, fn.role) }).toEqual({ id: fn.id, xray: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'] });
    }
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' })]) },
    });
  });

  it('passes cdk-nag with tracing on (the X-Ray wildcard is acknowledged on each role, with its reason)', () => {
    const { app } = synthFileport({ 'fileport:tracing': true });
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`))).toEqual([]);
  });

  it('refuses a value that is neither true nor false', () => {
    expect(() => synthFileport({ 'fileport:tracing': 'yes' })).toThrow(/fileport:tracing must be true or false/);
  });
});
