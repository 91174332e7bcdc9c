import { synthFileport } from './fixtures';

/**
 * What holds data must survive every deployment. CloudFormation knows a resource by its logical id:
 * a construct renamed or moved in the tree gets a new id, and the next deployment creates an empty
 * bucket or table beside the retained (now orphaned) one. These ids are pinned; changing one is a
 * migration (cdk import, or overriding the logical id), never a refactor.
 */
const DATA = {
  StorageFiles48C02C92: 'AWS::S3::Bucket',
  StorageAccessLogsBucket06E03AA1: 'AWS::S3::Bucket',
  StorageTableB43FDCE7: 'AWS::DynamoDB::Table',
  ApiUsersPool7BEAD211: 'AWS::Cognito::UserPool',
};

const resources = () => synthFileport().template.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string; Properties?: Record<string, unknown> }>;

describe('data that survives', () => {
  const all = resources();

  it('keeps the files bucket, its access-log bucket, the table and the user pool under their logical ids, retained on delete and on replacement', () => {
    const found = Object.fromEntries(Object.keys(DATA).map((id) => [id, all[id] && { Type: all[id].Type, DeletionPolicy: all[id].DeletionPolicy, UpdateReplacePolicy: all[id].UpdateReplacePolicy }]));
    expect(found).toEqual(Object.fromEntries(Object.entries(DATA).map(([id, Type]) => [id, { Type, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' }])));
  });

  it('has no other bucket, table or user pool that a rename could have created', () => {
    const stateful = Object.entries(all)
      .filter(([, r]) => ['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable', 'AWS::Cognito::UserPool'].includes(r.Type))
      .map(([id]) => id)
      .sort();
    expect(stateful).toEqual(Object.keys(DATA).sort());
  });

  it('gives every log group a retention, so logs neither vanish at once nor cost forever', () => {
    const groups = Object.entries(all).filter(([, r]) => r.Type === 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.filter(([, r]) => typeof r.Properties?.RetentionInDays !== 'number').map(([id]) => id)).toEqual([]);
  });
});

describe('the data key (fileport:kmsKey create)', () => {
  it('keeps its logical id and is retained: a new key would leave every existing object and the table under the old one, which no function is granted', () => {
    const key = synthFileport({ 'fileport:kmsKey': 'create' }).template.toJSON().Resources.StorageDataKeyE15BA43B;
    expect(key && { Type: key.Type, DeletionPolicy: key.DeletionPolicy, UpdateReplacePolicy: key.UpdateReplacePolicy }).toEqual({
      Type: 'AWS::KMS::Key',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});
