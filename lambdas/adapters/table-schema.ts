/**
 * Key layout of the single DynamoDB table, shared by the CDK table definition, the local stack's
 * table creation and the repository, so the three cannot drift.
 *
 * Every item of a file shares the partition key `FILE#<id>`: the file itself (sort key `FILE`) and
 * one small index item per tag, link and external id, and one each for its type, status, creator
 * and name (`adapters/list-plan.ts`). The index items carry `gsi1pk`/`gsi1sk` so that "files of a
 * tenant with tag X, newest first" is a single Query on GSI1, never a Scan.
 */
export const tableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'ttl',
  indexes: {
    byTenant: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  },
} as const;
