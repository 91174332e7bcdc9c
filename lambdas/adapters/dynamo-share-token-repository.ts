import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ShareToken, ShareTokenGrant } from '../domain/model';
import { StaleWrite, type ShareTokenRepository, type TokenOwner } from '../domain/ports';
import { tableSchema } from './table-schema';

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = tableSchema;

/**
 * Share tokens in the files' table:
 * - `FILE#<file>` / `TOKEN#<id>`: the token, in its file's partition, so a file's tokens are one
 *   strongly consistent Query and go with the file when it is deleted;
 * - `FILE#<file>` / `TOKENS`: the version of the file's set of tokens, bumped by every change;
 * - `SHARE#<hash of the secret>` / `SHARE`: what authorizing a request needs, found with one read.
 * A drop box (an upload link bound to no file) lives in its tenant's `DROPBOXES#<tenant>` partition
 * instead of a file's, with a set item of its own; its item counts the files it created.
 * Expiring tokens carry the TTL attribute, so DynamoDB removes them some time after they expire.
 */
const ownerPk = (owner: Pick<TokenOwner, 'fileId' | 'tenantId'>) => (owner.fileId === null ? `DROPBOXES#${owner.tenantId}` : `FILE#${owner.fileId}`);
/** The sort key prefix of a token's own item (not its lookup or set item). */
export const TOKEN_SK_PREFIX = 'TOKEN#';
const tokenKey = (owner: TokenOwner) => ({ [PK]: ownerPk(owner), [SK]: `${TOKEN_SK_PREFIX}${owner.id}` });
const setKey = (pk: string) => ({ [PK]: pk, [SK]: 'TOKENS' });
const lookupKey = (secretHash: string) => ({ [PK]: `SHARE#${secretHash}`, [SK]: 'SHARE' });
const ttlOf = (token: Pick<ShareToken, 'expiresAt'>) => (token.expiresAt === null ? {} : { [TTL]: Math.ceil(Date.parse(token.expiresAt) / 1000) });

/** A token item (unmarshalled) as this code reads it; also how the events publisher reads the stream's images. */
export function toToken(item: Record<string, unknown>): ShareToken {
  const { [PK]: _pk, [SK]: _sk, [TTL]: _ttl, ...token } = item;
  return token as unknown as ShareToken;
}

export class DynamoShareTokenRepository implements ShareTokenRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(token: ShareToken): Promise<void> {
    const grant: ShareTokenGrant = {
      id: token.id,
      fileId: token.fileId,
      tenantId: token.tenantId,
      accessLevel: token.accessLevel,
      expiresAt: token.expiresAt,
      ...(token.upload && { upload: token.upload }),
    };
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: { ...token, ...tokenKey(token), ...ttlOf(token) } } },
          { Put: { TableName: this.tableName, Item: { ...grant, ...lookupKey(token.secretHash), ...ttlOf(token) } } },
          this.bumpSet(ownerPk(token)),
        ],
      }),
    );
  }

  async findBySecretHash(secretHash: string): Promise<ShareTokenGrant | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: lookupKey(secretHash), ConsistentRead: true }));
    if (!Item) return undefined;
    const { id, fileId, tenantId, accessLevel, expiresAt, upload } = Item as ShareTokenGrant;
    return { id, fileId, tenantId, accessLevel, expiresAt, ...(upload && { upload }) };
  }

  listOf(fileId: string): Promise<{ tokens: ShareToken[]; setVersion: number }> {
    return this.listIn(`FILE#${fileId}`);
  }

  async listDropBoxes(tenantId: string): Promise<ShareToken[]> {
    return (await this.listIn(ownerPk({ fileId: null, tenantId }))).tokens;
  }

  private async listIn(pk: string): Promise<{ tokens: ShareToken[]; setVersion: number }> {
    const tokens: ShareToken[] = [];
    let setVersion = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          // `TOKEN#…` items and the `TOKENS` set item.
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :token)',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: { ':pk': pk, ':token': 'TOKEN' },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item[SK] === 'TOKENS') setVersion = Number(item.setVersion ?? 0);
        else tokens.push(toToken(item));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { tokens, setVersion };
  }

  async delete(token: ShareToken, setVersion?: number): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: this.tableName, Key: tokenKey(token) } },
            { Delete: { TableName: this.tableName, Key: lookupKey(token.secretHash) } },
            this.bumpSet(ownerPk(token), setVersion),
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')) {
        throw new StaleWrite(`The share tokens of file ${token.fileId}`);
      }
      throw error;
    }
  }

  async deleteAllOf(fileId: string): Promise<void> {
    const { tokens } = await this.listOf(fileId);
    const keys = [...tokens.flatMap((t) => [tokenKey(t), lookupKey(t.secretHash)]), setKey(`FILE#${fileId}`)];
    for (let i = 0; i < keys.length; i += 25) {
      let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      while (pending && pending.length > 0) {
        const result = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending as never } }));
        pending = result.UnprocessedItems?.[this.tableName] as Record<string, unknown>[] | undefined;
      }
    }
  }

  async recordUse(token: TokenOwner, at: Date): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tokenKey(token),
          UpdateExpression: 'SET lastUsedAt = :at',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':at': at.toISOString() },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async countFile(token: TokenOwner, maxFiles: number | null): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: tokenKey(token),
          UpdateExpression: 'ADD filesCreated :one',
          // One conditional write: concurrent creations cannot both take the last place.
          ConditionExpression: maxFiles === null ? 'attribute_exists(#pk)' : 'attribute_exists(#pk) AND (attribute_not_exists(filesCreated) OR filesCreated < :max)',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':one': 1, ...(maxFiles !== null && { ':max': maxFiles }) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async countRequest(tokenId: string, windowStart: Date, windowSeconds: number): Promise<number> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [PK]: `RATE#${tokenId}`, [SK]: windowStart.toISOString() },
        UpdateExpression: 'ADD #n :one SET #ttl = :ttl',
        ExpressionAttributeNames: { '#n': 'requests', '#ttl': TTL },
        ExpressionAttributeValues: { ':one': 1, ':ttl': Math.ceil(windowStart.getTime() / 1000) + 2 * windowSeconds },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.requests ?? 1);
  }

  /** The transaction's write to the set item; with `expected`, only if nothing changed the set since. */
  private bumpSet(pk: string, expected?: number) {
    return {
      Update: {
        TableName: this.tableName,
        Key: setKey(pk),
        UpdateExpression: 'ADD setVersion :one',
        ...(expected === undefined
          ? { ExpressionAttributeValues: { ':one': 1 } }
          : {
              ConditionExpression: expected === 0 ? 'attribute_not_exists(setVersion)' : 'setVersion = :expected',
              ExpressionAttributeValues: { ':one': 1, ...(expected === 0 ? {} : { ':expected': expected }) },
            }),
      },
    };
  }
}
