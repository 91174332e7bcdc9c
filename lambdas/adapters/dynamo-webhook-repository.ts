import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { WebhookDelivery, WebhookEndpoint } from '../domain/webhooks/model';
import type { DisablePolicy, WebhookRepository } from '../domain/webhooks/ports';
import { consistentRead } from './consistent-reads';
import { tableSchema } from './table-schema';

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = tableSchema;

/**
 * Webhooks in the files' table, none of whose sort keys starts with `FILE` (the event publisher
 * reads the table's stream and ignores them):
 * - `TENANT#<tenant>` / `WEBHOOK#<id>`: an endpoint, with its secrets;
 * - `TENANT#<tenant>` / `WEBHOOKS`: how many endpoints the tenant has, changed in the same
 *   transaction as an endpoint's creation or deletion, so the limit holds under concurrent creates;
 * - `WEBHOOK#<id>` / `DELIVERY#<delivery id>`: a delivery, its id sorting by time, kept 30 days (TTL).
 */
const endpointKey = (tenantId: string, id: string) => ({ [PK]: `TENANT#${tenantId}`, [SK]: `WEBHOOK#${id}` });
const countKey = (tenantId: string) => ({ [PK]: `TENANT#${tenantId}`, [SK]: 'WEBHOOKS' });
const deliveryKey = (webhookId: string, id: string) => ({ [PK]: `WEBHOOK#${webhookId}`, [SK]: `DELIVERY#${id}` });
export const DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600;

function strip<T>(item: Record<string, unknown>): T {
  const { [PK]: _pk, [SK]: _sk, [TTL]: _ttl, ...rest } = item;
  return rest as T;
}

const conditionFailed = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed'));

export class DynamoWebhookRepository implements WebhookRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(endpoint: WebhookEndpoint, maxPerTenant: number): Promise<boolean> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: countKey(endpoint.tenantId),
                UpdateExpression: 'ADD #count :one',
                ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
                ExpressionAttributeNames: { '#count': 'count' },
                ExpressionAttributeValues: { ':one': 1, ':max': maxPerTenant },
              },
            },
            { Put: { TableName: this.tableName, Item: { ...endpoint, ...endpointKey(endpoint.tenantId, endpoint.id) }, ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } } },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async get(tenantId: string, id: string): Promise<WebhookEndpoint | undefined> {
    // Coalesced with reads started beside it (lambdas/adapters/consistent-reads.ts), as the other repositories' are.
    const item = await consistentRead(this.db, this.tableName, endpointKey(tenantId, id));
    return item && strip<WebhookEndpoint>(item);
  }

  async list(tenantId: string): Promise<WebhookEndpoint[]> {
    const items: WebhookEndpoint[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :webhook)',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: { ':pk': `TENANT#${tenantId}`, ':webhook': 'WEBHOOK#' },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []).map((item) => strip<WebhookEndpoint>(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async save(endpoint: WebhookEndpoint): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...endpoint, ...endpointKey(endpoint.tenantId, endpoint.id) },
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: this.tableName, Key: endpointKey(tenantId, id), ConditionExpression: 'attribute_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } } },
            {
              Update: {
                TableName: this.tableName,
                Key: countKey(tenantId),
                UpdateExpression: 'ADD #count :minusOne',
                ExpressionAttributeNames: { '#count': 'count' },
                ExpressionAttributeValues: { ':minusOne': -1 },
              },
            },
          ],
        }),
      );
      // Its deliveries stay until their TTL: no route reaches them once the endpoint is gone.
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async recordOutcome(
    tenantId: string,
    id: string,
    succeeded: boolean,
    disable: DisablePolicy,
  ): Promise<WebhookEndpoint | undefined> {
    const key = endpointKey(tenantId, id);
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: succeeded ? 'SET consecutiveFailures = :zero REMOVE failingSince' : 'ADD consecutiveFailures :one SET failingSince = if_not_exists(failingSince, :now)',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: succeeded ? { ':zero': 0 } : { ':one': 1, ':now': disable.at.toISOString() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const endpoint = strip<WebhookEndpoint>(Attributes ?? {});
      const cutoff = new Date(disable.at.getTime() - disable.failingForSeconds * 1000).toISOString();
      if (succeeded || !endpoint.enabled || endpoint.consecutiveFailures < disable.after || (endpoint.failingSince ?? cutoff) > cutoff) return endpoint;
      // Only the attempt that reaches the limit turns it off, and only while still on (an admin may have re-enabled it meanwhile).
      const { Attributes: after } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET enabled = :off, disabledReason = :reason',
          ConditionExpression: 'attribute_exists(#pk) AND enabled = :on AND consecutiveFailures >= :after AND failingSince <= :cutoff',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':off': false, ':on': true, ':reason': disable.reason, ':after': disable.after, ':cutoff': cutoff },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<WebhookEndpoint>(after ?? {});
    } catch (error) {
      if (conditionFailed(error)) return this.get(tenantId, id);
      throw error;
    }
  }

  async createDelivery(delivery: WebhookDelivery): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.deliveryItem(delivery),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async getDelivery(webhookId: string, deliveryId: string): Promise<WebhookDelivery | undefined> {
    const item = await consistentRead(this.db, this.tableName, deliveryKey(webhookId, deliveryId));
    return item && strip<WebhookDelivery>(item);
  }

  async saveDelivery(delivery: WebhookDelivery): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: this.deliveryItem(delivery) }));
  }

  async listDeliveries(webhookId: string, page: { limit: number; after: string | undefined }): Promise<{ items: WebhookDelivery[]; last: string | null }> {
    const startKey = page.after === undefined ? undefined : deliveryKey(webhookId, page.after);
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :delivery)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': `WEBHOOK#${webhookId}`, ':delivery': 'DELIVERY#' },
        ScanIndexForward: false,
        Limit: page.limit,
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    const items = (result.Items ?? []).map((item) => strip<WebhookDelivery>(item));
    const last = result.LastEvaluatedKey?.[SK];
    return { items, last: typeof last === 'string' ? last.slice('DELIVERY#'.length) : null };
  }

  private deliveryItem(delivery: WebhookDelivery) {
    return { ...delivery, ...deliveryKey(delivery.webhookId, delivery.id), [TTL]: Math.ceil(Date.parse(delivery.createdAt) / 1000) + DELIVERY_RETENTION_SECONDS };
  }
}
