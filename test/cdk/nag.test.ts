import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { FileportStack } from '../../lib/fileport-stack';
import { outdirForTest, synthFileport } from './fixtures';

/** Unacknowledged AwsSolutions findings (errors and warnings alike), one line each. */
function findings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`));
}

/** What the checks would report if nothing were acknowledged. */
class AllFindings extends AwsSolutionsChecks {}
// isAcknowledged is private in the .d.ts; replacing it is the only way to see the raw findings.
Object.defineProperty(AllFindings.prototype, 'isAcknowledged', { value: () => false });

/** Every acknowledgement in the tree, with its reason. */
function acknowledgements(scope: IConstruct): { path: string; id: string; reason: string }[] {
  return scope.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id, reason }))),
    );
}

describe('cdk-nag AwsSolutions', () => {
  it('has no unacknowledged findings with the fallback user pool', () => {
    const { app } = synthFileport();
    expect(findings(app)).toEqual([]);
  });

  it('has no unacknowledged findings with an external issuer', () => {
    const { app } = synthFileport({ 'fileport:jwtIssuer': 'https://id.example.com/', 'fileport:jwtAudience': 'fileport-api' });
    expect(findings(app)).toEqual([]);
  });

  it('has no unacknowledged findings with versioning, a created KMS key and an alarm email', () => {
    const { app } = synthFileport({ 'fileport:bucketVersioning': true, 'fileport:kmsKey': 'create', 'fileport:alarmEmail': 'ops@example.com' });
    expect(findings(app)).toEqual([]);
  });

  it('has no unacknowledged findings with an imported KMS key', () => {
    const { app } = synthFileport({ 'fileport:kmsKey': 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' });
    expect(findings(app)).toEqual([]);
  });

  it('is not vacuous: it reports a bucket that breaks the rules', () => {
    const app = new App({ outdir: outdirForTest() });
    new s3.Bucket(new Stack(app, 'Careless'), 'Bucket');
    expect(findings(app)).toEqual(expect.arrayContaining([expect.stringContaining('AwsSolutions-S10'), expect.stringContaining('AwsSolutions-S1 ')]));
  });

  it('acknowledges findings one by one, each with a written reason', () => {
    const { app } = synthFileport();
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id).toMatch(/AwsSolutions-[A-Z]+\d+/);
      // A reason says why this resource may break the rule, not just that it may.
      expect({ ...ack, long: ack.reason.length >= 60 }).toMatchObject({ long: true });
    }
    // Nothing is waved through for the whole stack: every acknowledgement sits on a specific construct.
    expect(acks.filter((a) => a.path === 'Fileport' || a.path === 'Fileport/Default' || a.path === '')).toEqual([]);
  });

  it('writes every acknowledgement, with its reason, into the metadata of each resource it covers', () => {
    const { app, stack, template } = synthFileport();
    const resources = template.toJSON().Resources as Record<string, { Metadata?: { cdk_nag?: { rules_to_suppress: { id: string; reason: string }[] } } }>;
    const acks = acknowledgements(app);
    let covered = 0;
    for (const ack of acks) {
      const scope = app.node.findAll().find((c) => c.node.path === ack.path);
      const cfn = (scope?.node.findAll() ?? []).filter((c): c is CfnResource => c instanceof CfnResource && c.stack === stack);
      for (const resource of cfn) {
        const written = resources[stack.getLogicalId(resource)]?.Metadata?.cdk_nag?.rules_to_suppress ?? [];
        expect({ at: resource.node.path, written }).toEqual({ at: resource.node.path, written: expect.arrayContaining([{ id: ack.id, reason: ack.reason }]) });
        covered++;
      }
    }
    expect(covered).toBeGreaterThanOrEqual(acks.length);
  });

  it('acknowledges only findings that exist, on the construct that has them', () => {
    const { app } = synthFileport();
    const raw = new AllFindings()
      .validateScope(app)
      .violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' })));
    for (const ack of acknowledgements(app)) {
      const rule = ack.id.replace(/^annotation::/i, '');
      const matched = raw.some((f) => f.rule === rule && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)));
      expect({ ...ack, matched }).toMatchObject({ matched: true });
    }
  });

  it('lets the app synthesize with the checks installed, as bin/fileport.ts does', () => {
    const app = new App({ outdir: outdirForTest(), context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new FileportStack(app, 'Fileport');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
    // CDK's own warnings and errors (deprecations, misconfigurations) are clean too.
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });
});
