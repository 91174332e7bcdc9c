import { BatchWriteItemCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { tableSchema } from '../lambdas/adapters/table-schema';
import { runEvery } from './schedule';

/**
 * DynamoDB's TTL for the local stack: DynamoDB Local never deletes expired items. Every
 * `intervalMs` this deletes the items whose TTL attribute has passed, as DynamoDB does deployed
 * (there, within about 48 hours; Fileport's reads treat an expired file as gone meanwhile).
 * A Scan is fine here: it stands in for DynamoDB's own background process, not for a request path.
 */
export function startTtlSweeper(db: DynamoDBClient, table: string, intervalMs: number) {
  const { partitionKey, sortKey, ttlAttribute } = tableSchema;
  const counts = { runs: 0, deleted: 0 };

  const sweep = async () => {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await db.send(
        new ScanCommand({
          TableName: table,
          FilterExpression: '#ttl < :now',
          ProjectionExpression: '#pk, #sk',
          ExpressionAttributeNames: { '#ttl': ttlAttribute, '#pk': partitionKey, '#sk': sortKey },
          ExpressionAttributeValues: { ':now': { N: String(Math.floor(Date.now() / 1000)) } },
          ExclusiveStartKey: startKey,
        }),
      );
      const expired = page.Items ?? [];
      for (let i = 0; i < expired.length; i += 25) {
        let pending = expired.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
        while (pending.length > 0) {
          const result = await db.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
          pending = (result.UnprocessedItems?.[table] ?? []) as typeof pending;
        }
      }
      counts.deleted += expired.length;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    counts.runs++;
  };

  const schedule = runEvery('TTL sweep', intervalMs, sweep);
  return { stats: () => ({ ...counts }), stop: schedule.stop };
}
