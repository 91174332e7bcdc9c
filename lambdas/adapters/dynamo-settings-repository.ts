import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { consistentRead } from './consistent-reads';
import { StaleWrite, type SettingsRepository, type TenantSettings } from '../domain/ports';
import { compactKey, KEY_LIMITS, tableSchema } from './table-schema';

const { partitionKey: PK, sortKey: SK } = tableSchema;
const SETTINGS_SK = 'SETTINGS';

/**
 * A tenant's settings: one item per tenant, `TENANT#<tenant>` / `SETTINGS`, in the files' table.
 * It carries no GSI attributes and no TTL, so no list, index query or expiry ever meets it.
 */
const settingsKey = (tenantId: string) => ({ [PK]: compactKey(KEY_LIMITS.partitionKeyBytes, [{ label: 'TENANT' }, { value: tenantId }]), [SK]: SETTINGS_SK });

export class DynamoSettingsRepository implements SettingsRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenantId: string): Promise<Partial<TenantSettings> | undefined> {
    // Consistent: a grant right after a PUT of new settings must already follow them. Batched with
    // the file's read when a grant asks for both at once.
    const Item = await consistentRead(this.db, this.tableName, settingsKey(tenantId));
    return Item && storedSettings(Item);
  }

  async getForUpdate(tenantId: string): Promise<{ stored: Partial<TenantSettings>; revision: string | null }> {
    const Item = await consistentRead(this.db, this.tableName, settingsKey(tenantId));
    return { stored: Item ? storedSettings(Item) : {}, revision: typeof Item?.revision === 'string' ? Item.revision : null };
  }

  async put(tenantId: string, settings: Partial<TenantSettings>, change: { updatedAt: Date; updatedBy: string; expectedRevision?: string | null }): Promise<void> {
    const { expectedRevision } = change;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...settingsKey(tenantId),
            tenantId,
            ...Object.fromEntries(SETTINGS_FIELDS.filter((field) => settings[field] !== undefined).map((field) => [field, settings[field]])),
            updatedAt: change.updatedAt.toISOString(),
            updatedBy: change.updatedBy,
            // A new one with every write: what a conditional write checks it still overwrites.
            revision: randomUUID(),
          },
          ...(expectedRevision !== undefined &&
            (expectedRevision === null
              ? { ConditionExpression: 'attribute_not_exists(revision)' }
              : { ConditionExpression: 'revision = :revision', ExpressionAttributeValues: { ':revision': expectedRevision } })),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new StaleWrite(`The settings of tenant ${tenantId}`);
      throw error;
    }
  }
}

const SETTINGS_FIELDS = ['disableForceDownloadForMimeTypes', 'allowedFileTypeIds', 'maxFileSize', 'downloadUrlTtlSeconds', 'uploadUrlTtlSeconds', 'scanHold', 'renditions'] as const satisfies readonly (keyof TenantSettings)[];

/** Only what this code knows: fields added later (or removed by a PATCH) fall back to their defaults, not `undefined`. */
function storedSettings(Item: Record<string, unknown>): Partial<TenantSettings> {
  const stored: Partial<TenantSettings> = {};
  if (Array.isArray(Item.disableForceDownloadForMimeTypes)) stored.disableForceDownloadForMimeTypes = Item.disableForceDownloadForMimeTypes as string[];
  if (Array.isArray(Item.allowedFileTypeIds)) stored.allowedFileTypeIds = Item.allowedFileTypeIds as string[];
  for (const field of ['maxFileSize', 'downloadUrlTtlSeconds', 'uploadUrlTtlSeconds'] as const) {
    if (typeof Item[field] === 'number') stored[field] = Item[field] as number;
  }
  if (Item.scanHold === 'hold' || Item.scanHold === 'serve') stored.scanHold = Item.scanHold;
  // Checked when it was saved (validateSettings).
  if (typeof Item.renditions === 'object' && Item.renditions !== null) stored.renditions = Item.renditions as TenantSettings['renditions'];
  return stored;
}
