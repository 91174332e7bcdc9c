import type { FileportFunction } from '../../lib/fileport-function';
import { logicalId, permissionsOf, roleOf, synthFileport, type Synthesized } from './fixtures';

/**
 * `fileport:bucketVersioning` / `noncurrentVersionDays` (deleted bytes stay restorable) and
 * `fileport:kmsKey` (a customer-managed key for objects and table, with the grants that go with it).
 */

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
const resourcesOf = (s: Synthesized) => s.template.toJSON().Resources as Record<string, Resource>;
const bucketOf = (s: Synthesized) => resourcesOf(s)[logicalId(s.stack, s.stack.storage.bucket)]!.Properties;
const tableOf = (s: Synthesized) => resourcesOf(s)[logicalId(s.stack, s.stack.storage.table)]!.Properties;

/** Every function of the stack, by construct id. */
function functionsOf(s: Synthesized): Record<string, FileportFunction> {
  const { api, processing } = s.stack;
  return Object.fromEntries(
    [...Object.values(api.functions), processing.metadataFunction, processing.thumbnailsFunction, processing.deadLettersFunction, processing.reconcilerFunction, s.stack.fileport.webhooks.deliveryFunction].map(
      (fn) => [fn.node.id, fn],
    ),
  );
}

/** `kms:*` permissions of each function: `{ FilesFunction: ['kms:Decrypt on <key>', …] }`. */
function keyGrants(s: Synthesized): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(functionsOf(s)).map(([name, fn]) => {
      const permissions = permissionsOf(s.template, roleOf(s.template, logicalId(s.stack, fn))).filter((p) => p.action.startsWith('kms:'));
      return [name, [...new Set(permissions.map((p) => `${p.action} on ${p.resource}`))].sort()];
    }),
  );
}

// DynamoDB decrypts the table key for readers and writers alike (lib/storage.ts says why no more).
const tableRead = ['kms:Decrypt', 'kms:DescribeKey'];
const tableWrite = tableRead;
const objectRead = ['kms:Decrypt'];
const objectWrite = ['kms:Decrypt', 'kms:GenerateDataKey'];

/** What each function needs on the key: its table access and its object reads and writes (lib/api.ts, lib/processing.ts). */
const expectedKeyActions: Record<string, string[]> = {
  FileTypesFunction: [],
  // Reads and writes the table; copies content (CopyObject: read the source, write the target).
  FilesFunction: [...tableWrite, ...objectRead, ...objectWrite],
  // Reads the table; signs PUTs, forms and multipart uploads (which decrypt parts to complete).
  UploadsFunction: [...tableRead, ...objectWrite],
  // Reads the table; signs GETs.
  DownloadsFunction: [...tableRead, ...objectRead],
  SharedFunction: [...tableWrite, ...objectRead],
  // Upload links: writes the table (files, link counters); signs uploads as the uploads function does,
  // and reads a completed multipart object back when a completion is retried.
  LinksFunction: [...tableWrite, ...objectRead, ...objectWrite],
  MetadataFunction: [...tableWrite, ...objectRead],
  ThumbnailsFunction: [...tableWrite, ...objectRead, ...objectWrite],
  // Renditions: reads the file; reads its content and writes the rendition beside its thumbnails.
  RenditionsFunction: [...tableRead, ...objectRead, ...objectWrite],
  // Only deletes objects, which needs no key.
  DeadLettersFunction: tableWrite,
  ReconcilerFunction: tableWrite,
  // Webhooks: endpoints and deliveries are items of the table; no object is touched.
  WebhooksFunction: tableWrite,
  DeliveryFunction: tableWrite,
};

function expectedGrants(keyArn: string): Record<string, string[]> {
  return Object.fromEntries(Object.entries(expectedKeyActions).map(([name, actions]) => [name, [...new Set(actions)].map((a) => `${a} on ${keyArn}`).sort()]));
}

describe('by default (fileport:bucketVersioning false, fileport:kmsKey managed)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthFileport();
  });

  it('keeps no object versions: no versioning, no noncurrent-version rules (replaced bytes are not billed twice)', () => {
    expect(bucketOf(s).VersioningConfiguration).toBeUndefined();
    const rules = bucketOf(s).LifecycleConfiguration.Rules as Record<string, unknown>[];
    expect(rules.map((rule) => rule.Id)).toEqual(['abort-incomplete-multipart-uploads']);
  });

  it('encrypts objects with S3-managed keys and the table with DynamoDB\'s own key; no data key, no key grant', () => {
    expect(bucketOf(s).BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(tableOf(s).SSESpecification).toBeUndefined();
    expect(s.stack.storage.encryptionKey).toBeUndefined();
    // The one key is the alarm topic's.
    expect(Object.values(resourcesOf(s)).filter((r) => r.Type === 'AWS::KMS::Key')).toHaveLength(1);
    expect(keyGrants(s)).toEqual(Object.fromEntries(Object.keys(expectedKeyActions).map((name) => [name, []])));
    expect(resourcesOf(s)[logicalId(s.stack, s.stack.api.functions.uploads)]!.Properties.Environment.Variables).not.toHaveProperty('FILEPORT_OBJECT_KMS_KEY_ARN');
  });
});

describe('fileport:bucketVersioning', () => {
  it('turns versioning on, expires noncurrent versions after 30 days and removes the delete markers left behind', () => {
    for (const value of [true, 'true']) {
      const s = synthFileport({ 'fileport:bucketVersioning': value });
      expect(bucketOf(s).VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucketOf(s).LifecycleConfiguration.Rules).toEqual(
        expect.arrayContaining([
          { Id: 'abort-incomplete-multipart-uploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
          { Id: 'expire-noncurrent-versions', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 30 } },
          { Id: 'remove-expired-delete-markers', Status: 'Enabled', ExpiredObjectDeleteMarker: true },
        ]),
      );
    }
  });

  it('keeps noncurrent versions for fileport:noncurrentVersionDays', () => {
    const s = synthFileport({ 'fileport:bucketVersioning': 'true', 'fileport:noncurrentVersionDays': '7' });
    expect(bucketOf(s).LifecycleConfiguration.Rules).toContainEqual({ Id: 'expire-noncurrent-versions', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 7 } });
  });

  it('stays off with false, and refuses what is not a boolean or a whole number of days', () => {
    expect(bucketOf(synthFileport({ 'fileport:bucketVersioning': 'false' })).VersioningConfiguration).toBeUndefined();
    for (const bad of ['yes', 1, 'on']) expect(() => synthFileport({ 'fileport:bucketVersioning': bad })).toThrow(/fileport:bucketVersioning/);
    for (const bad of [0, '0', -3, 2.5, 'week']) {
      expect(() => synthFileport({ 'fileport:bucketVersioning': true, 'fileport:noncurrentVersionDays': bad })).toThrow(/fileport:noncurrentVersionDays/);
    }
  });
});

describe('fileport:kmsKey create', () => {
  let s: Synthesized;
  let keyId: string;
  beforeAll(() => {
    s = synthFileport({ 'fileport:kmsKey': 'create' });
    keyId = logicalId(s.stack, s.stack.storage.encryptionKey!);
  });

  it('creates a rotated key that outlives the stack, like the data under it', () => {
    const key = resourcesOf(s)[keyId]!;
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
  });

  it('is the bucket\'s default encryption, with bucket keys, and the table\'s key', () => {
    expect(bucketOf(s).BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } } },
      ],
    });
    expect(tableOf(s).SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  });

  it('grants each function the key actions its object and table access need, on that key and nothing else', () => {
    expect(keyGrants(s)).toEqual(expectedGrants(`<${keyId}.Arn>`));
  });

  it('tells the uploads function the key, which its browser forms pin', () => {
    const env = resourcesOf(s)[logicalId(s.stack, s.stack.api.functions.uploads)]!.Properties.Environment.Variables;
    expect(env.FILEPORT_OBJECT_KMS_KEY_ARN).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
  });

  it('leaves the access-log bucket on S3-managed keys (log delivery cannot write SSE-KMS) and the queues on SSE-SQS', () => {
    const logsBucketId = bucketOf(s).LoggingConfiguration.DestinationBucketName.Ref as string;
    expect(resourcesOf(s)[logsBucketId]!.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
    for (const queue of Object.values(resourcesOf(s)).filter((r) => r.Type === 'AWS::SQS::Queue')) {
      expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true });
      expect(queue.Properties.KmsMasterKeyId).toBeUndefined();
    }
  });
});

describe('fileport:kmsKey <key ARN>', () => {
  const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  let s: Synthesized;
  beforeAll(() => {
    s = synthFileport({ 'fileport:kmsKey': keyArn });
  });

  it('uses the given key for bucket and table, and creates none', () => {
    expect(bucketOf(s).BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } },
    ]);
    expect(tableOf(s).SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn });
    // Only the alarm topic's key.
    expect(Object.values(resourcesOf(s)).filter((r) => r.Type === 'AWS::KMS::Key')).toHaveLength(1);
  });

  it('grants each function the key actions it needs on that key ARN', () => {
    expect(keyGrants(s)).toEqual(expectedGrants(keyArn));
    expect(resourcesOf(s)[logicalId(s.stack, s.stack.api.functions.uploads)]!.Properties.Environment.Variables.FILEPORT_OBJECT_KMS_KEY_ARN).toBe(keyArn);
  });

  it('refuses anything but managed, create or a key ARN (not an alias, not a bare key id)', () => {
    for (const bad of ['alias/fileport', '1234abcd-12ab-34cd-56ef-1234567890ab', 'arn:aws:kms:eu-west-1:123456789012:alias/fileport', 'arn:aws:kms:eu-west-1:1234:key/abc', 'yes', '']) {
      expect(() => synthFileport({ 'fileport:kmsKey': bad })).toThrow(/fileport:kmsKey/);
    }
  });
});
