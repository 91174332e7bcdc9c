import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FileRecord } from '../domain/model';
import { StaleWrite, type RenditionRecords } from '../domain/ports';
import { FILE_SK, filePk } from './dynamo-file-repository';
import { tableSchema } from './table-schema';

const { partitionKey: PK, sortKey: SK } = tableSchema;

/** The renditions of a file's content, recorded as a map on the file item (`renditions`). */
export class DynamoRenditionRecords implements RenditionRecords {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(file: FileRecord, name: string, key: string, keep: string): Promise<void> {
    const kept = Object.entries(file.renditions ?? {}).filter(([, k]) => k?.startsWith(keep));
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PK]: filePk(file.id), [SK]: FILE_SK },
          // The whole map, on condition that it is as read: two renditions recorded at once never
          // lose one another (the second re-reads), and no `version` is taken from other writers.
          UpdateExpression: 'SET #r = :renditions',
          ConditionExpression: `#v = :expected AND ${file.renditions === undefined ? 'attribute_not_exists(#r)' : '#r = :read'}`,
          ExpressionAttributeNames: { '#r': 'renditions', '#v': 'version' },
          ExpressionAttributeValues: {
            ':renditions': { ...Object.fromEntries(kept), [name]: key },
            ':expected': file.version,
            ...(file.renditions !== undefined && { ':read': file.renditions }),
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new StaleWrite(`File ${file.id}`);
      throw error;
    }
  }
}
