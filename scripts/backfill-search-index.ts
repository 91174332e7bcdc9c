/**
 * One-off, after deploying searches by name, type, status and creator: writes the index items of
 * files stored before those indexes existed; until it has run, such files are missing from those
 * searches (lists without them, and tag, link and externalId filters, are not affected).
 * Safe to run while the service runs, and again after an interruption.
 *
 *   FILEPORT_TABLE_NAME=<table> AWS_REGION=<region> npx tsx scripts/backfill-search-index.ts
 *
 * It reads the whole table with a Scan (the only Scan in Fileport), so it costs about one read of
 * every item, plus six writes per file.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { makeDocumentClient } from '../lambdas/adapters/aws-clients';
import { DynamoFileRepository } from '../lambdas/adapters/dynamo-file-repository';
import { tableSchema } from '../lambdas/adapters/table-schema';

async function main(): Promise<void> {
  const tableName = process.env.FILEPORT_TABLE_NAME;
  if (!tableName) throw new Error('Set FILEPORT_TABLE_NAME to the table of the deployment.');
  const db = makeDocumentClient();
  const files = new DynamoFileRepository(db, tableName);
  let startKey: Record<string, unknown> | undefined;
  let done = 0;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: '#sk = :file',
        ExpressionAttributeNames: { '#sk': tableSchema.sortKey },
        ExpressionAttributeValues: { ':file': 'FILE' },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) await files.reindex(item);
    done += page.Items?.length ?? 0;
    startKey = page.LastEvaluatedKey;
    console.log(`${done} files indexed${startKey ? '…' : ', done.'}`);
  } while (startKey);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
