import * as z from '../validation';
import { RENDITION_FITS, RENDITION_FORMATS } from '../domain/transfer/rendition-spec';
import { patchTenantSettings, settingsDefaults, settingsWarnings, updateTenantSettings } from '../domain/settings/tenant-settings';
import type { ApiServices } from '../composition';
import { fileportError } from '../errors';
import { header, json, parseBody, type RouteHandler } from '../http/request';

/**
 * The whole settings object, every field: a PUT replaces it. Only the shape is checked here; the
 * bounds (some depend on the tenant's operator limits) are the domain's (lambdas/domain/settings/tenant-settings.ts).
 */
/** Its bounds (how many entries, how large a box) are the domain's. */
const renditionAllowlist = z.strictObject({
  sizes: z.array(z.strictObject({ width: z.number(), height: z.number() })).check(z.maxLength(1000)),
  fits: z.array(z.enum(RENDITION_FITS)).check(z.maxLength(100)),
  formats: z.array(z.enum(RENDITION_FORMATS)).check(z.maxLength(100)),
});

const fileTypeIds = z.array(z.string().check(z.maxLength(64))).check(z.maxLength(500));

export const settingsBody = z.strictObject({
  disableForceDownloadForMimeTypes: z.array(z.string().check(z.maxLength(255))).check(z.maxLength(1000)),
  maxFileSize: z.number(),
  downloadUrlTtlSeconds: z.number(),
  uploadUrlTtlSeconds: z.number(),
  // Absent: every file type of the catalogue.
  allowedFileTypeIds: z.optional(fileTypeIds),
  // Absent: `hold` (content is served once its malware scan is clean).
  scanHold: z.optional(z.enum(['hold', 'serve'])),
  // Absent: the default allowlist (lambdas/domain/settings/tenant-settings.ts DEFAULT_RENDITIONS).
  renditions: z.optional(renditionAllowlist),
});

const { disableForceDownloadForMimeTypes, maxFileSize, downloadUrlTtlSeconds, uploadUrlTtlSeconds } = settingsBody.shape;

/** A JSON Merge Patch (RFC 7396) of the settings: any field, `null` to remove it (its default applies again). */
export const settingsPatch = z.strictObject({
  disableForceDownloadForMimeTypes: z.optional(z.nullable(disableForceDownloadForMimeTypes)),
  maxFileSize: z.optional(z.nullable(maxFileSize)),
  downloadUrlTtlSeconds: z.optional(z.nullable(downloadUrlTtlSeconds)),
  uploadUrlTtlSeconds: z.optional(z.nullable(uploadUrlTtlSeconds)),
  // null: every file type of the catalogue again.
  allowedFileTypeIds: z.optional(z.nullable(fileTypeIds)),
  scanHold: z.optional(z.nullable(z.enum(['hold', 'serve']))),
  renditions: z.optional(z.nullable(renditionAllowlist)),
});

const PATCH_MEDIA_TYPES = ['application/merge-patch+json', 'application/json'] as const;

export const patchSettings: RouteHandler<ApiServices> = async (request) => {
  const mediaType = header(request, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (!PATCH_MEDIA_TYPES.some((type) => type === mediaType)) throw fileportError('UNSUPPORTED_MEDIA_TYPE', { accepted: PATCH_MEDIA_TYPES });
  const patch = parseBody(request, settingsPatch);
  const { services } = request;
  const { tenantId, userId } = request.principal;
  const settings = await patchTenantSettings(services, tenantId, patch, { defaults: settingsDefaults(services.config, tenantId), updatedBy: userId });
  return json(200, { ...settings, warnings: settingsWarnings(settings, services.fileTypes) }, { 'cache-control': 'no-store' });
};

export const updateSettings: RouteHandler<ApiServices> = async (request) => {
  const input = parseBody(request, settingsBody);
  const { services } = request;
  const { tenantId, userId } = request.principal;
  const settings = await updateTenantSettings(services, tenantId, input, { defaults: settingsDefaults(services.config, tenantId), updatedBy: userId });
  return json(200, { ...settings, warnings: settingsWarnings(settings, services.fileTypes) }, { 'cache-control': 'no-store' });
};
