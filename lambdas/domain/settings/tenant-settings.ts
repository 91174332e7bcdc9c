import { FileportError, fileportError } from '../../errors';
import { isActiveContent, canonicalMimeType, mimeTypeMatches, type FileTypeCatalogue } from '../files/file-types';
import { retryOnStaleWrite, WRITE_ATTEMPTS } from '../concurrency';
import type { Deps, TenantSettings } from '../ports';
import { sizeLimitsOf, type SizeLimits } from '../transfer/size-limits';
import { checkAllowlist, DEFAULT_RENDITIONS } from '../transfer/rendition-spec';

export type { TenantSettings } from '../ports';

/** A tenant may shorten or lengthen its URLs' lives within these bounds (seconds). */
export const TTL_BOUNDS = { min: 10, max: 3600 } as const;
export const MAX_INLINE_MIME_TYPES = 100;

export interface SettingsWarning {
  code: string;
  message: string;
}

/** What the deployment configures (lambdas/config.ts): the defaults of every tenant's settings. */
export interface DeploymentDefaults {
  uploadUrlTtlSeconds: number;
  downloadUrlTtlSeconds: number;
  sizeLimits: SizeLimits;
}

/**
 * A tenant's settings before it saved any: the deployment's URL lifetimes, the operator's size
 * limit for the tenant (the larger of its single and multipart limits, so that it caps nothing),
 * and no type shown inline.
 */
export function settingsDefaults(deployment: DeploymentDefaults, tenantId: string): TenantSettings {
  const limits = sizeLimitsOf(deployment.sizeLimits, tenantId);
  return {
    disableForceDownloadForMimeTypes: [],
    maxFileSize: Math.max(limits.maxFileSize, limits.maxMultipartFileSize),
    downloadUrlTtlSeconds: deployment.downloadUrlTtlSeconds,
    uploadUrlTtlSeconds: deployment.uploadUrlTtlSeconds,
    // Nothing is served before its malware scan says it is clean, unless the tenant says otherwise.
    scanHold: 'hold',
    renditions: DEFAULT_RENDITIONS,
  };
}

/**
 * The tenant's settings merged over the defaults (one strongly consistent GetItem). A stored
 * maxFileSize above what the operator allows today (the limit was lowered since) reads as that limit.
 */
export async function tenantSettings(deps: Pick<Deps, 'settings'>, tenantId: string, defaults: TenantSettings): Promise<TenantSettings> {
  const stored = await deps.settings.get(tenantId);
  if (!stored) return defaults;
  const merged = { ...defaults, ...stored };
  return { ...merged, maxFileSize: Math.min(merged.maxFileSize, defaults.maxFileSize) };
}

// RFC 6838 restricted names, lower case; `*` only as the whole subtype, or as `*/*`.
const NAME = '[a-z0-9][a-z0-9!#$&^_.+-]{0,126}';
const MIME_PATTERN = new RegExp(`^(?:\\*/\\*|${NAME}/(?:\\*|${NAME}))$`);

const between = (value: number, min: number, max: number) => Number.isSafeInteger(value) && value >= min && value <= max;

/**
 * Checks a full settings object against its bounds and normalises the MIME list (lower case, each
 * once, in the order given). Throws VALIDATION_ERROR naming the field and its bounds.
 * `operatorLimit` is the largest file the operator lets this tenant upload at all.
 */
export function validateSettings(input: TenantSettings, operatorLimit: number, fileTypes: FileTypeCatalogue): TenantSettings {
  const problems: string[] = [];
  const allowed = input.allowedFileTypeIds && [...new Set(input.allowedFileTypeIds)];
  const unknown = allowed?.filter((id) => !fileTypes.find(id)) ?? [];
  if (unknown.length > 0) {
    problems.push(`allowedFileTypeIds: ${unknown.slice(0, 5).map((id) => JSON.stringify(id.slice(0, 64))).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not file types of this deployment (GET /v1/file-types)`);
  }
  for (const field of ['downloadUrlTtlSeconds', 'uploadUrlTtlSeconds'] as const) {
    if (!between(input[field], TTL_BOUNDS.min, TTL_BOUNDS.max)) {
      problems.push(`${field} must be a whole number of seconds from ${TTL_BOUNDS.min} to ${TTL_BOUNDS.max}`);
    }
  }
  if (!between(input.maxFileSize, 1, operatorLimit)) {
    problems.push(`maxFileSize must be a whole number of bytes from 1 to ${operatorLimit}, the largest file this deployment accepts for the tenant`);
  }
  const mimeTypes = [...new Set(input.disableForceDownloadForMimeTypes.map((type) => type.trim().toLowerCase()))];
  const malformed = mimeTypes.filter((type) => !MIME_PATTERN.test(type));
  if (malformed.length > 0) {
    const shown = malformed.slice(0, 5).map((type) => JSON.stringify(type.slice(0, 100)));
    problems.push(`disableForceDownloadForMimeTypes: ${shown.join(', ')} ${malformed.length === 1 ? 'is' : 'are'} not type/subtype, type/* or */*`);
  }
  if (mimeTypes.length > MAX_INLINE_MIME_TYPES) {
    problems.push(`disableForceDownloadForMimeTypes may list at most ${MAX_INLINE_MIME_TYPES} types, not ${mimeTypes.length}`);
  }
  if (input.scanHold !== 'hold' && input.scanHold !== 'serve') problems.push('scanHold must be "hold" or "serve"');
  const renditions = checkAllowlist(input.renditions);
  problems.push(...renditions.problems);
  if (problems.length > 0) throw new FileportError('VALIDATION_ERROR', `${problems.join('; ')}.`);
  return {
    disableForceDownloadForMimeTypes: mimeTypes,
    maxFileSize: input.maxFileSize,
    downloadUrlTtlSeconds: input.downloadUrlTtlSeconds,
    uploadUrlTtlSeconds: input.uploadUrlTtlSeconds,
    scanHold: input.scanHold,
    renditions: renditions.allowlist,
    ...(allowed && { allowedFileTypeIds: allowed }),
  };
}

/** Replaces the tenant's settings with `input` (all of it) and returns what is now in effect. */
export async function updateTenantSettings(
  deps: Pick<Deps, 'settings' | 'now' | 'fileTypes'>,
  tenantId: string,
  input: Omit<TenantSettings, 'scanHold' | 'renditions'> & Partial<Pick<TenantSettings, 'scanHold' | 'renditions'>>,
  options: { defaults: TenantSettings; updatedBy: string },
): Promise<TenantSettings> {
  // Settings from before scanning existed: a PUT without `scanHold` gets its default.
  const settings = validateSettings({ ...input, scanHold: input.scanHold ?? options.defaults.scanHold, renditions: input.renditions ?? options.defaults.renditions }, options.defaults.maxFileSize, deps.fileTypes);
  await deps.settings.put(tenantId, settings, { updatedAt: deps.now(), updatedBy: options.updatedBy });
  return settings;
}

/** A partial update (RFC 7396 JSON Merge Patch): a field given replaces the saved one, `null` removes it (its default applies again). */
export type SettingsPatch = { [K in keyof TenantSettings]?: TenantSettings[K] | null };

/**
 * Applies `patch` to the tenant's saved settings and returns what is now in effect. The result is
 * checked whole, as a PUT is (errors name the field); the write is conditional on the settings as
 * read, so a concurrent PUT or PATCH is merged over, never lost.
 */
export async function patchTenantSettings(
  deps: Pick<Deps, 'settings' | 'now' | 'fileTypes'>,
  tenantId: string,
  patch: SettingsPatch,
  options: { defaults: TenantSettings; updatedBy: string },
): Promise<TenantSettings> {
  return retryOnStaleWrite(
    async () => {
      const { stored, revision } = await deps.settings.getForUpdate(tenantId);
      const saved: Partial<TenantSettings> = { ...stored };
      for (const [field, value] of Object.entries(patch) as [keyof TenantSettings, unknown][]) {
        if (value === null) delete saved[field];
        else if (value !== undefined) Object.assign(saved, { [field]: value });
      }
      const merged = { ...options.defaults, ...saved };
      // A saved size above what the operator allows today (lowered since) takes that limit, as a read
      // does; one the patch gives is checked as given.
      const maxFileSize = typeof patch.maxFileSize === 'number' ? merged.maxFileSize : Math.min(merged.maxFileSize, options.defaults.maxFileSize);
      const settings = validateSettings({ ...merged, maxFileSize }, options.defaults.maxFileSize, deps.fileTypes);
      const kept = Object.fromEntries(Object.keys(saved).map((field) => [field, settings[field as keyof TenantSettings]])) as Partial<TenantSettings>;
      await deps.settings.put(tenantId, kept, { updatedAt: deps.now(), updatedBy: options.updatedBy, expectedRevision: revision });
      return settings;
    },
    { attempts: WRITE_ATTEMPTS },
  );
}

/** What a client should know about settings it may not have meant: shown with every GET and PUT. */
export function settingsWarnings(settings: TenantSettings, fileTypes: FileTypeCatalogue): SettingsWarning[] {
  const activeTypes = fileTypes.types.filter(isActiveContent);
  const patterns = settings.disableForceDownloadForMimeTypes;
  const warnings: SettingsWarning[] = [];
  if (patterns.includes('*/*')) {
    warnings.push({
      code: 'ALL_TYPES_INLINE',
      message: 'With */* every file type may be served inline (?disposition=inline), so a browser renders it on the storage origin instead of saving it. List only the types you mean to show.',
    });
  }
  const active = activeTypes.filter((type) => patterns.some((pattern) => mimeTypeMatches(canonicalMimeType(type), pattern)));
  if (active.length > 0) {
    warnings.push({
      code: 'ACTIVE_CONTENT_AS_TEXT',
      message: `${active.map((type) => canonicalMimeType(type)).join(', ')} would run code in a browser: served inline as text/plain (their source), never rendered.`,
    });
  }
  if (settings.allowedFileTypeIds) {
    // A type the operator removed since the PUT: its files are refused anyway, so say so.
    const gone = settings.allowedFileTypeIds.filter((id) => !fileTypes.find(id));
    if (gone.length > 0) {
      warnings.push({ code: 'REMOVED_FILE_TYPES_ALLOWED', message: `allowedFileTypeIds lists ${gone.join(', ')}, no longer file types of this deployment: no new file can be of them.` });
    }
  }
  return warnings;
}

/**
 * Whether the tenant takes new files of this type: every type of the catalogue unless its settings
 * list some (`allowedFileTypeIds`). Throws FILE_TYPE_NOT_ALLOWED naming the type and what is allowed.
 */
export async function checkTypeAllowed(deps: Pick<Deps, 'settings'>, tenantId: string, fileTypeId: string): Promise<void> {
  const allowed = (await deps.settings.get(tenantId))?.allowedFileTypeIds;
  if (allowed && !allowed.includes(fileTypeId)) throw fileportError('FILE_TYPE_NOT_ALLOWED', { fileTypeId, allowed, by: 'tenant' });
}
