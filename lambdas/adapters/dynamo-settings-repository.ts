import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { consistentRead } from './consistent-reads';
import type { SettingsRepository, TenantSettings } from '../domain/ports';
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
    if (!Item) return undefined;
    const stored: Partial<TenantSettings> = {};
    // Only what this code knows: fields added later fall back to their defaults, not `undefined`.
    if (Array.isArray(Item.disableForceDownloadForMimeTypes)) stored.disableForceDownloadForMimeTypes = Item.disableForceDownloadForMimeTypes as string[];
    if (Array.isArray(Item.allowedFileTypeIds)) stored.allowedFileTypeIds = Item.allowedFileTypeIds as string[];
    for (const field of ['maxFileSize', 'downloadUrlTtlSeconds', 'uploadUrlTtlSeconds'] as const) {
      if (typeof Item[field] === 'number') stored[field] = Item[field] as number;
    }
    return stored;
  }

  async put(tenantId: string, settings: TenantSettings, change: { updatedAt: Date; updatedBy: string }): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...settingsKey(tenantId),
          tenantId,
          disableForceDownloadForMimeTypes: settings.disableForceDownloadForMimeTypes,
          maxFileSize: settings.maxFileSize,
          downloadUrlTtlSeconds: settings.downloadUrlTtlSeconds,
          uploadUrlTtlSeconds: settings.uploadUrlTtlSeconds,
          // Absent: every type of the catalogue (a PUT without it widens the tenant again).
          ...(settings.allowedFileTypeIds && { allowedFileTypeIds: settings.allowedFileTypeIds }),
          updatedAt: change.updatedAt.toISOString(),
          updatedBy: change.updatedBy,
        },
      }),
    );
  }
}
