import type { IConstruct } from 'constructs';
import * as path from 'node:path';
import { parseConfig } from '../lambdas/config';
import type { FileType } from '../lambdas/domain/files/file-types';
import { readFileTypeCatalogue } from '../lambdas/file-type-catalogue';
import { environmentVariables as names } from '../lambdas/function-needs';
import { DEFAULT_SIZE_LIMITS, type TenantSizeLimits } from '../lambdas/domain/transfer/size-limits';

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
  /** Where alarms are sent (an SNS email subscription, confirmed by its recipient); empty: the topic has no subscriber. */
  alarmEmail: string;
  /**
   * Keep overwritten and deleted objects as noncurrent versions for `noncurrentVersionDays`, so that
   * a table restored to an earlier point in time still finds the bytes its versions name. Off by
   * default because every replaced or deleted byte is then billed for that many more days.
   */
  bucketVersioning: boolean;
  /** With `bucketVersioning`: days a noncurrent object version is kept before S3 expires it. */
  noncurrentVersionDays: number;
  /**
   * The key objects (and the table) are encrypted with: `managed` (S3-managed keys, SSE-S3, and
   * DynamoDB's own key: no KMS cost), `create` (a customer-managed KMS key with yearly rotation,
   * created and retained by the stack) or the ARN of an existing symmetric KMS key.
   */
  kmsKey: KmsKeySetting;
  /** The Lambdas' CPU, and the one sharp's binaries are installed for. */
  architecture: FileportArchitecture;
  /**
   * An S3 endpoint for the deployed functions instead of AWS's (LocalStack's, for `deploy:local`);
   * empty means AWS's. It is also the host of every pre-signed URL, so browsers must reach it.
   */
  s3Endpoint: string;
  /** X-Ray tracing of every function (and the tracer in their bundles). */
  tracing: boolean;
  /**
   * The file-type catalogue: a JSON file (a relative path is taken from the directory `cdk` runs
   * in), checked at synth and shipped in every function's asset. Default: config/file-types.json.
   */
  fileTypesFile: string;
  /** The catalogue `fileTypesFile` holds, checked. */
  fileTypes: FileType[];
  /**
   * Scan every upload for malware with GuardDuty Malware Protection for S3 (lib/malware-scanning.ts),
   * and hold content until its scan is clean. Off by default: GuardDuty bills per GB scanned and
   * per object evaluated.
   */
  malwareScanning: boolean;
}

/** The catalogue the repository ships: the 16 types Fileport always had, and `binary`. */
export const DEFAULT_FILE_TYPES_FILE = path.join(__dirname, '..', 'config', 'file-types.json');

/** `managed`, `create`, or the ARN of a KMS key (`arn:<partition>:kms:<region>:<account>:key/<id>`). */
export type KmsKeySetting = 'managed' | 'create' | `arn:${string}`;

const keyArnPattern = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
// Deliberately simple: one @, something either side, a dot in the domain, no spaces. SNS checks
// deliverability itself (the recipient must confirm); this catches typos and lists passed by mistake.
const emailPattern = /^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$/;

/** Lambda's names for the two CPUs it offers. */
export const architectures = ['arm64', 'x86_64'] as const;
export type FileportArchitecture = (typeof architectures)[number];

/** What every function of a deployment shares, whatever it runs (lib/fileport-function.ts). */
export type FunctionSettings = Pick<FileportSettings, 'architecture' | 's3Endpoint' | 'tracing' | 'fileTypes'>;

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
  alarmEmail: '',
  bucketVersioning: false,
  noncurrentVersionDays: 30,
  kmsKey: 'managed',
  // Graviton: cheaper per GB-second than x86 and at least as fast for this code.
  architecture: 'arm64',
  s3Endpoint: '',
  tracing: false,
  fileTypesFile: DEFAULT_FILE_TYPES_FILE,
  fileTypes: [],
  malwareScanning: false,
};

/** `-c key=value` on the command line always yields a string, so lists may also come comma-separated. */
function stringList(value: unknown, source: string): string[] {
  if (Array.isArray(value)) return value.map((item) => String(item).trim()).filter(Boolean);
  if (typeof value === 'string') return value.split(',').map((item) => item.trim()).filter(Boolean);
  throw new Error(`${source} must be a list of strings or a comma-separated string.`);
}

function alarmEmail(value: unknown, source: string): string {
  const email = String(value).trim();
  if (email !== '' && !emailPattern.test(email)) {
    throw new Error(`${source} must be one email address (or empty for none), got ${JSON.stringify(value)}.`);
  }
  return email;
}

/** `-c key=true` gives the string "true". */
function flag(value: unknown, source: string): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`${source} must be true or false, got ${JSON.stringify(value)}.`);
}

function positiveInteger(value: unknown, source: string): number {
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1) {
    throw new Error(`${source} must be a whole number of at least 1, got ${JSON.stringify(value)}.`);
  }
  return number;
}

function kmsKey(value: unknown, source: string): KmsKeySetting {
  const setting = String(value).trim();
  if (setting === 'managed' || setting === 'create') return setting;
  // Only a key ARN: grants name the key itself, and an alias or a bare key id would resolve in
  // whichever account and region the caller is in.
  if (keyArnPattern.test(setting)) return setting as KmsKeySetting;
  throw new Error(`${source} must be "managed", "create" or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got ${JSON.stringify(value)}.`);
}

/**
 * The settings of one Fileport: each from `overrides` (the `Fileport` construct's props) when given
 * there, else from context, else the default, and checked the same way wherever it came from.
 */
export function readSettings(scope: IConstruct, overrides: Partial<FileportSettings> = {}): FileportSettings {
  const given = (key: keyof FileportSettings): boolean => overrides[key] !== undefined;
  const get = (key: keyof FileportSettings): unknown => (given(key) ? overrides[key] : scope.node.tryGetContext(`fileport:${key}`));
  const present = (key: keyof FileportSettings): boolean => get(key) !== undefined && get(key) !== null;
  /** Where a value came from, for error messages. */
  const source = (key: keyof FileportSettings): string => (given(key) ? `Fileport prop ${key}` : `Context fileport:${key}`);

  const settings: FileportSettings = {
    corsOrigins: present('corsOrigins') ? stringList(get('corsOrigins'), source('corsOrigins')) : defaults.corsOrigins,
    jwtIssuer: present('jwtIssuer') ? String(get('jwtIssuer')).trim() : defaults.jwtIssuer,
    jwtAudience: present('jwtAudience') ? stringList(get('jwtAudience'), source('jwtAudience')) : defaults.jwtAudience,
    tracing: present('tracing') ? flag(get('tracing'), source('tracing')) : defaults.tracing,
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
    alarmEmail: present('alarmEmail') ? alarmEmail(get('alarmEmail'), source('alarmEmail')) : defaults.alarmEmail,
    bucketVersioning: present('bucketVersioning') ? flag(get('bucketVersioning'), source('bucketVersioning')) : defaults.bucketVersioning,
    noncurrentVersionDays: present('noncurrentVersionDays')
      ? positiveInteger(get('noncurrentVersionDays'), source('noncurrentVersionDays'))
      : defaults.noncurrentVersionDays,
    kmsKey: present('kmsKey') ? kmsKey(get('kmsKey'), source('kmsKey')) : defaults.kmsKey,
    architecture: present('architecture') ? architectureOf(get('architecture'), source('architecture')) : defaults.architecture,
    s3Endpoint: present('s3Endpoint') ? endpointOf(get('s3Endpoint'), source('s3Endpoint')) : defaults.s3Endpoint,
    malwareScanning: present('malwareScanning') ? flag(get('malwareScanning'), source('malwareScanning')) : defaults.malwareScanning,
    ...fileTypesOf(present('fileTypesFile') ? String(get('fileTypesFile')).trim() : defaults.fileTypesFile, source('fileTypesFile')),
  };

  // An external issuer without an audience would accept tokens minted for any other client of that issuer.
  if (settings.jwtIssuer !== '' && settings.jwtAudience.length === 0) {
    throw new Error(`An audience (context fileport:jwtAudience, or the Fileport prop jwtAudience) is required when ${source('jwtIssuer')} is set.`);
  }
  if (settings.jwtIssuer !== '' && !settings.jwtIssuer.startsWith('https://')) {
    throw new Error(`${source('jwtIssuer')} must be an https URL, got ${JSON.stringify(settings.jwtIssuer)}.`);
  }
  return settings;
}

/** The catalogue file, read and checked now: a bad one fails the synth, naming the type and the field. */
function fileTypesOf(file: string, source: string): Pick<FileportSettings, 'fileTypesFile' | 'fileTypes'> {
  try {
    return { fileTypesFile: path.resolve(file), fileTypes: readFileTypeCatalogue(file) };
  } catch (error) {
    throw new Error(`${source} (${file}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function architectureOf(value: unknown, source: string): FileportArchitecture {
  const found = architectures.find((architecture) => architecture === value);
  if (!found) throw new Error(`${source} must be one of ${architectures.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(value)}.`);
  return found;
}

/** An http(s) origin such as `http://s3.localhost.localstack.cloud:4566`, or empty for AWS's own endpoint. */
function endpointOf(value: unknown, source: string): string {
  if (value === '') return '';
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  if (url && ['http:', 'https:'].includes(url.protocol) && url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '') {
    return url.origin;
  }
  throw new Error(`${source} must be an http(s) URL without a path, such as "http://s3.localhost.localstack.cloud:4566", got ${JSON.stringify(value)}.`);
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
      [names.tableName]: 'synth-check',
      [names.bucketName]: 'synth-check',
      FILEPORT_TENANT_CLAIM: raw.tenantClaim,
      FILEPORT_UPLOAD_URL_TTL_SECONDS: String(raw.uploadUrlTtlSeconds),
      FILEPORT_DOWNLOAD_URL_TTL_SECONDS: String(raw.downloadUrlTtlSeconds),
      [names.maxVersions]: String(raw.maxVersions),
      [names.pendingFileTtlSeconds]: String(raw.pendingFileTtlSeconds),
      [names.maxFileSize]: String(raw.maxFileSize),
      [names.maxMultipartFileSize]: String(raw.maxMultipartFileSize),
      [names.tenantSizeLimits]: typeof raw.tenantSizeLimits === 'string' ? raw.tenantSizeLimits : JSON.stringify(raw.tenantSizeLimits),
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
