import { fileportError } from '../../errors';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

/** What S3 itself allows. */
export const S3_LIMITS = {
  /** One PUT, or one browser form POST. */
  singleUpload: 5 * GiB,
  /** One object, however it was uploaded. */
  object: 5 * TiB,
  /** Every part of a multipart upload but the last is at least this large… */
  minPartSize: 5 * MiB,
  /** …and at most this large. */
  maxPartSize: 5 * GiB,
  maxParts: 10_000,
} as const;

export interface TenantSizeLimits {
  /** The largest file uploaded with one PUT URL or one form. */
  maxFileSize: number;
  /** The largest file uploaded in parts. */
  maxMultipartFileSize: number;
}

export interface SizeLimits extends TenantSizeLimits {
  /** Tenants whose limits differ from the deployment's. */
  tenants: Record<string, Partial<TenantSizeLimits>>;
}

export const DEFAULT_SIZE_LIMITS: TenantSizeLimits = { maxFileSize: 5 * GiB, maxMultipartFileSize: TiB };

/** A tenant's limits; the defaults when the caller has no configuration of its own to pass. */
export function sizeLimitsOf(limits: SizeLimits = { ...DEFAULT_SIZE_LIMITS, tenants: {} }, tenantId: string): TenantSizeLimits {
  // An own-property lookup: a tenant called "__proto__" or "constructor" gets the defaults.
  const own = Object.hasOwn(limits.tenants, tenantId) ? limits.tenants[tenantId] : undefined;
  return {
    maxFileSize: own?.maxFileSize ?? limits.maxFileSize,
    maxMultipartFileSize: own?.maxMultipartFileSize ?? limits.maxMultipartFileSize,
  };
}

/**
 * The limits in force for one grant: a tenant's own maxFileSize (its settings) lowers the
 * operator's limits for both ways of uploading, and never raises them.
 */
export function effectiveSizeLimits(operator: TenantSizeLimits, tenantMaxFileSize: number | undefined): TenantSizeLimits {
  if (tenantMaxFileSize === undefined) return operator;
  return {
    maxFileSize: Math.min(tenantMaxFileSize, operator.maxFileSize),
    maxMultipartFileSize: Math.min(tenantMaxFileSize, operator.maxMultipartFileSize),
  };
}

/** Refuses a declared size over the limit when the grant is issued, before any byte is sent. */
export function checkDeclaredSize(size: number | undefined, max: number): void {
  if (size !== undefined && size > max) throw fileportError('FILE_TOO_LARGE', { size, max });
}
