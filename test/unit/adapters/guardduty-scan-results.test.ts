import { scanResultOf } from '../../../lambdas/adapters/guardduty-scan-results';

const BUCKET = 'fileport-files-123';

/**
 * A result event as EventBridge hands it to an SQS target (the message body): the shape of the
 * example in GuardDuty's user guide ("Monitoring S3 object scans with Amazon EventBridge").
 */
function event(overrides: { status?: string; bucket?: string; eTag?: string; threats?: { name: string }[] | null } = {}) {
  return {
    version: '0',
    id: '72c7d362-737a-6dce-fc78-9e27a0171419',
    'detail-type': 'GuardDuty Malware Protection Object Scan Result',
    source: 'aws.guardduty',
    account: '111122223333',
    time: '2026-03-04T05:06:07Z',
    region: 'eu-west-1',
    resources: ['arn:aws:guardduty:eu-west-1:111122223333:malware-protection-plan/b4c7f464ab3a4EXAMPLE'],
    detail: {
      schemaVersion: '1.0',
      scanStatus: 'COMPLETED',
      resourceType: 'S3_OBJECT',
      s3ObjectDetails: {
        bucketName: overrides.bucket ?? BUCKET,
        objectKey: 'content/5d8a2a4e-4c8e-4d0b-9d3b-1f2e3d4c5b6a/6b1c0f2a-upload',
        eTag: overrides.eTag ?? '9e107d9d372bb6826bd81d3542a419d6',
        versionId: 'd41d8cd98f00b204e9800998eEXAMPLE',
        s3Throttled: false,
      },
      scanResultDetails: {
        scanResultStatus: overrides.status ?? 'NO_THREATS_FOUND',
        threats: overrides.threats === undefined ? null : overrides.threats,
      },
    },
  };
}

const parse = (body: unknown) => scanResultOf(JSON.stringify(body), BUCKET);

describe('scanResultOf', () => {
  it('reads the object, the ETag of the bytes scanned and when', () => {
    expect(parse(event())).toEqual({
      key: 'content/5d8a2a4e-4c8e-4d0b-9d3b-1f2e3d4c5b6a/6b1c0f2a-upload',
      eTag: '9e107d9d372bb6826bd81d3542a419d6',
      status: 'clean',
      completedAt: '2026-03-04T05:06:07.000Z',
      detail: 'NO_THREATS_FOUND',
    });
  });

  it.each([
    ['NO_THREATS_FOUND', 'clean'],
    ['THREATS_FOUND', 'infected'],
    ['UNSUPPORTED', 'failed'],
    ['ACCESS_DENIED', 'failed'],
    ['FAILED', 'failed'],
  ])('maps %s to %s', (status, expected) => {
    expect(parse(event({ status }))?.status).toBe(expected);
  });

  it('names the threats for the log, and takes an ETag with quotes', () => {
    expect(parse(event({ status: 'THREATS_FOUND', threats: [{ name: 'EICAR-Test-File (not a virus)' }], eTag: '"abc"' }))).toMatchObject({
      eTag: 'abc',
      detail: 'THREATS_FOUND: EICAR-Test-File (not a virus)',
    });
  });

  it('ignores another bucket’s result', () => {
    expect(parse(event({ bucket: 'someone-elses' }))).toBeUndefined();
  });

  it('throws on what is not such an event, so it is retried and dead-lettered rather than dropped', () => {
    expect(() => scanResultOf('not json', BUCKET)).toThrow(/not JSON/);
    expect(() => parse({ ...event(), source: 'fileport' })).toThrow(/source/);
    expect(() => parse(event({ status: 'MAYBE' }))).toThrow(/scanResultStatus/);
  });
});
