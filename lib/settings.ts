import type { IConstruct } from 'constructs';
import { parseConfig } from '../lambdas/config';
import { DEFAULT_SIZE_LIMITS, type TenantSizeLimits } from '../lambdas/domain/size-limits';

/**
 * Deployment settings, read from CDK context (`cdk.json` or `cdk synth -c key=value`) in one place.
 * The defaults repeat cdk.json so that an `App` built in a test, which never reads cdk.json, gets
 * the same stack as the CLI.
 */
export interface FileportSettings {
  /** Browser origins allowed to call the API and to PUT/GET pre-signed URLs. */
  corsOrigins: string[];
  /** External OIDC issuer; empty means "create a Cognito user pool and use it". */
  jwtIssuer: string;
  jwtAudience: string[];
  tenantClaim: string;
  uploadUrlTtlSeconds: number;
  downloadUrlTtlSeconds: number;
  /** Versions a file keeps; older ones are deleted with their objects. */
  maxVersions: number;
  /** How long a file without content lives (DynamoDB TTL). */
  pendingFileTtlSeconds: number;
  /** The largest file uploaded with one PUT URL or form, in bytes (at most 5 GiB). */
  maxFileSize: number;
  /** The largest file uploaded in parts, in bytes (at most 5 TiB). */
  maxMultipartFileSize: number;
  /** Tenants with other limits: `{"<tenant>": {"maxFileSize"?: bytes, "maxMultipartFileSize"?: bytes}}`. */
  tenantSizeLimits: Record<string, Partial<TenantSizeLimits>>;
  /** X-Ray tracing of every function (and the tracer in their bundles). */
  tracing: boolean;
}

const defaults: FileportSettings = {
  corsOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'],
  jwtIssuer: '',
  jwtAudience: [],
  tenantClaim: 'tenant_id',
  uploadUrlTtlSeconds: 900,
  downloadUrlTtlSeconds: 900,
  maxVersions: 10,
  pendingFileTtlSeconds: 24 * 3600,
  maxFileSize: DEFAULT_SIZE_LIMITS.maxFileSize,
  maxMultipartFileSize: DEFAULT_SIZE_LIMITS.maxMultipartFileSize,
  tenantSizeLimits: {},
  tracing: false,
};

/** `-c key=value` on the command line always yields a string, so lists may also come comma-separated. */
function stringList(value: unknown, key: string): string[] {
  if (Array.isArray(value)) return value.map((item) => String(item).trim()).filter(Boolean);
  if (typeof value === 'string') return value.split(',').map((item) => item.trim()).filter(Boolean);
  throw new Error(`Context ${key} must be a list of strings or a comma-separated string.`);
}

export function readSettings(scope: IConstruct): FileportSettings {
  const get = (key: string): unknown => scope.node.tryGetContext(`fileport:${key}`);
  const present = (key: string): boolean => get(key) !== undefined && get(key) !== null;

  const settings: FileportSettings = {
    corsOrigins: present('corsOrigins') ? stringList(get('corsOrigins'), 'fileport:corsOrigins') : defaults.corsOrigins,
    jwtIssuer: present('jwtIssuer') ? String(get('jwtIssuer')).trim() : defaults.jwtIssuer,
    jwtAudience: present('jwtAudience') ? stringList(get('jwtAudience'), 'fileport:jwtAudience') : defaults.jwtAudience,
    tracing: tracingOf(scope),
    ...lambdaSettings({
      tenantClaim: present('tenantClaim') ? String(get('tenantClaim')).trim() : defaults.tenantClaim,
      uploadUrlTtlSeconds: present('uploadUrlTtlSeconds') ? get('uploadUrlTtlSeconds') : defaults.uploadUrlTtlSeconds,
      downloadUrlTtlSeconds: present('downloadUrlTtlSeconds') ? get('downloadUrlTtlSeconds') : defaults.downloadUrlTtlSeconds,
      maxVersions: present('maxVersions') ? get('maxVersions') : defaults.maxVersions,
      pendingFileTtlSeconds: present('pendingFileTtlSeconds') ? get('pendingFileTtlSeconds') : defaults.pendingFileTtlSeconds,
      maxFileSize: present('maxFileSize') ? get('maxFileSize') : defaults.maxFileSize,
      maxMultipartFileSize: present('maxMultipartFileSize') ? get('maxMultipartFileSize') : defaults.maxMultipartFileSize,
      // `-c` gives a string (JSON); cdk.json gives the object itself.
      tenantSizeLimits: present('tenantSizeLimits') ? get('tenantSizeLimits') : defaults.tenantSizeLimits,
    }),
  };

  // An external issuer without an audience would accept tokens minted for any other client of that issuer.
  if (settings.jwtIssuer !== '' && settings.jwtAudience.length === 0) {
    throw new Error('Context fileport:jwtAudience is required when fileport:jwtIssuer is set.');
  }
  if (settings.jwtIssuer !== '' && !settings.jwtIssuer.startsWith('https://')) {
    throw new Error(`Context fileport:jwtIssuer must be an https URL, got ${JSON.stringify(settings.jwtIssuer)}.`);
  }
  return settings;
}

/**
 * `fileport:tracing`: `true` or `false` (`-c fileport:tracing=true` gives the string), default off.
 * Read by every FileportFunction as well as here, so a function built outside the stack follows it.
 */
export function tracingOf(scope: IConstruct): boolean {
  const value: unknown = scope.node.tryGetContext('fileport:tracing');
  if (value === undefined || value === null) return defaults.tracing;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`Context fileport:tracing must be true or false, got ${JSON.stringify(value)}.`);
}

/**
 * The settings that end up in Lambda environment variables, checked by the Lambdas' own config
 * parser: a value they would reject fails the synth instead of every request after the deploy.
 */
function lambdaSettings(raw: {
  tenantClaim: string;
  uploadUrlTtlSeconds: unknown;
  downloadUrlTtlSeconds: unknown;
  maxVersions: unknown;
  pendingFileTtlSeconds: unknown;
  maxFileSize: unknown;
  maxMultipartFileSize: unknown;
  tenantSizeLimits: unknown;
}) {
  try {
    const config = parseConfig({
      // Placeholders: the real names are only known at deploy time.
      FILEPORT_TABLE_NAME: 'synth-check',
      FILEPORT_BUCKET_NAME: 'synth-check',
      FILEPORT_TENANT_CLAIM: raw.tenantClaim,
      FILEPORT_UPLOAD_URL_TTL_SECONDS: String(raw.uploadUrlTtlSeconds),
      FILEPORT_DOWNLOAD_URL_TTL_SECONDS: String(raw.downloadUrlTtlSeconds),
      FILEPORT_MAX_VERSIONS: String(raw.maxVersions),
      FILEPORT_PENDING_FILE_TTL_SECONDS: String(raw.pendingFileTtlSeconds),
      FILEPORT_MAX_FILE_SIZE: String(raw.maxFileSize),
      FILEPORT_MAX_MULTIPART_FILE_SIZE: String(raw.maxMultipartFileSize),
      FILEPORT_TENANT_SIZE_LIMITS: typeof raw.tenantSizeLimits === 'string' ? raw.tenantSizeLimits : JSON.stringify(raw.tenantSizeLimits),
    });
    const { tenantClaim, uploadUrlTtlSeconds, downloadUrlTtlSeconds, maxVersions, pendingFileTtlSeconds, sizeLimits } = config;
    return {
      tenantClaim,
      uploadUrlTtlSeconds,
      downloadUrlTtlSeconds,
      maxVersions,
      pendingFileTtlSeconds,
      maxFileSize: sizeLimits.maxFileSize,
      maxMultipartFileSize: sizeLimits.maxMultipartFileSize,
      tenantSizeLimits: sizeLimits.tenants,
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Context fileport:tenantClaim / uploadUrlTtlSeconds / downloadUrlTtlSeconds / maxVersions / pendingFileTtlSeconds / maxFileSize / maxMultipartFileSize / tenantSizeLimits rejected: ${reason}`,
    );
  }
}
