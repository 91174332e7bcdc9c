import { runSimulation } from '@cloud-copilot/iam-simulate';
import { ACCOUNT, checkConformance, impliedCalls, resourcePolicyFor, TemplateResolver, type CfnTemplate } from '../support/iam-conformance';
import { logicalId, synthFileport, type Synthesized } from './fixtures';

/**
 * What the synthesized template allows besides the functions' own calls (test/conformance/iam.test.ts
 * holds those to the recorded ones), evaluated with the same IAM simulator: S3 may notify the
 * metadata queue of uploads to the files bucket and of nothing else; each event source mapping's
 * function may receive and delete its queue's messages; the bucket policy refuses requests without
 * TLS and lets the functions' own requests through.
 */

let synthesized: Synthesized;
let resolver: TemplateResolver;
let cfn: CfnTemplate;
const id = (construct: Parameters<typeof logicalId>[1]) => logicalId(synthesized.stack, construct);

beforeAll(() => {
  synthesized = synthFileport();
  cfn = synthesized.template.toJSON() as CfnTemplate;
  resolver = new TemplateResolver(cfn);
});

/** S3's own request to deliver an event notification to a queue, as the queue's policy alone decides it. */
async function s3SendsTo(queueId: string, sourceBucketId: string) {
  const queueArn = resolver.getAtt(queueId, 'Arn');
  const response = await runSimulation(
    {
      request: {
        principal: 's3.amazonaws.com',
        action: 'sqs:SendMessage',
        resource: { resource: queueArn, accountId: ACCOUNT },
        contextVariables: { 'aws:SourceArn': resolver.getAtt(sourceBucketId, 'Arn'), 'aws:SourceAccount': ACCOUNT, 'aws:SecureTransport': 'true' },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourcePolicyFor(resolver, queueArn),
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(response.errors.message);
  return response.overallResult;
}

describe('S3 → SQS → Lambda', () => {
  it('the files bucket notifies the metadata queue of objects created under content/', () => {
    const notifications = Object.values(cfn.Resources).filter((r) => r.Type === 'Custom::S3BucketNotifications');
    expect(notifications.map((n) => resolver.resolve(n.Properties))).toEqual([
      expect.objectContaining({
        BucketName: resolver.nameOf(id(synthesized.stack.storage.bucket)),
        NotificationConfiguration: {
          QueueConfigurations: [
            { Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'content/' }] } }, QueueArn: resolver.getAtt(id(synthesized.stack.processing.metadataQueue), 'Arn') },
          ],
        },
      }),
    ]);
  });

  it("the metadata queue's policy lets S3 send from the files bucket, and from no other bucket", async () => {
    const { storage, processing } = synthesized.stack;
    expect(await s3SendsTo(id(processing.metadataQueue), id(storage.bucket))).toBe('Allowed');
    const accessLogs = Object.keys(cfn.Resources).find((key) => cfn.Resources[key]?.Type === 'AWS::S3::Bucket' && key !== id(storage.bucket));
    expect(accessLogs).toBeDefined();
    expect(await s3SendsTo(id(processing.metadataQueue), accessLogs!)).not.toBe('Allowed');
    // Nothing S3 would send to the thumbnails queue: the metadata processor feeds it.
    expect(await s3SendsTo(id(processing.thumbnailsQueue), id(storage.bucket))).not.toBe('Allowed');
  });

  it("each event source mapping's function may receive, delete and read the attributes of its queue's messages", async () => {
    const { processing } = synthesized.stack;
    // The events publisher's stream mapping is test/cdk/events.test.ts's.
    const publisher = id(synthesized.stack.events.publisher!);
    const calls = impliedCalls(resolver).filter((c) => c.functionId !== publisher);
    const consumed = [...new Set(calls.map((c) => `${c.functionId} ${c.resource}`))].sort();
    expect(consumed).toEqual(
      [
        [processing.metadataFunction, processing.metadataQueue],
        [processing.thumbnailsFunction, processing.thumbnailsQueue],
        [processing.deadLettersFunction, processing.node.findChild('Metadata').node.findChild('DeadLetterQueue')],
        [processing.deadLettersFunction, processing.node.findChild('Thumbnails').node.findChild('DeadLetterQueue')],
        [synthesized.stack.fileport.webhooks.deliveryFunction, synthesized.stack.fileport.webhooks.queue],
      ]
        .map(([fn, queue]) => `${id(fn!)} ${resolver.getAtt(id(queue!), 'Arn')}`)
        .sort(),
    );
    const report = await checkConformance({ template: cfn, calls: [], checkedFunctions: [] });
    // The queues' 12, the events publisher's 5 (reading the stream, sending failures to its
    // dead-letter queue) and the webhook delivery function's 3: all allowed.
    expect(report.calls).toBe(12 + 5 + 3);
    expect(report.denied).toEqual([]);
  });
});

describe('the files bucket policy', () => {
  async function downloadsGets(secureTransport: string) {
    const report = await checkConformance({
      template: cfn,
      calls: [
        {
          functionId: id(synthesized.stack.api.functions.downloads),
          action: 's3:GetObject',
          resource: `${resolver.getAtt(id(synthesized.stack.storage.bucket), 'Arn')}/content/f/v`,
          context: { 'aws:SecureTransport': secureTransport, 's3:authType': 'REST-QUERY-STRING', 's3:signatureversion': 'AWS4-HMAC-SHA256' },
          via: 'presigned-url',
        },
      ],
      checkedFunctions: [],
    });
    return report.denied.map((d) => d.result);
  }

  it("lets a function's request over TLS through, and denies the same request without TLS", async () => {
    expect(await downloadsGets('true')).toEqual([]);
    expect(await downloadsGets('false')).toEqual(['ExplicitlyDenied']);
  });
});
