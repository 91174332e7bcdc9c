import { log } from '../log';
import type { AuditLog, Deps, UrlGrantKind } from './ports';
import type { Principal } from './model';

/**
 * Who a URL was granted to: a signed-in user, the holder of a share token, or anyone (a public
 * file). The audit line's `principal`.
 */
export type Actor = { type: 'user'; id: string } | { type: 'token'; id: string } | { type: 'public' };

export const actorOf = (principal: Pick<Principal, 'userId' | 'shareTokenId'>): Actor =>
  principal.shareTokenId === undefined ? { type: 'user', id: principal.userId } : { type: 'token', id: principal.shareTokenId };

/** What was granted. Share and public routes add their own (`public-download`, …). */
export type AuditAction = 'upload' | 'upload-form' | 'upload-part' | 'download' | 'thumbnail' | 'public-download' | 'share-download' | 'share-thumbnail' | 'rendition' | 'share-rendition' | 'public-rendition';

/**
 * One grant of one or more pre-signed URLs. Only these fields reach the log: never the URL, whose
 * query string is the credential (X-Amz-Signature, X-Amz-Credential), nor a form's signed policy.
 * The object key names what was granted well enough to find it again.
 */
export interface AuditEntry {
  action: AuditAction;
  tenantId: string;
  actor: Actor;
  fileId: string;
  /** When the URLs stop working. */
  expiresAt: string;
  /** The S3 object the URLs read or write. */
  key: string;
  /** The content version downloaded. */
  version?: number;
  /** The parts of a multipart upload whose URLs were handed out. */
  partNumbers?: number[];
  /** The thumbnail size. */
  size?: string;
}

/** The process's log: one JSON line on stdout, which Lambda ships to CloudWatch Logs. */
export const stdoutAuditLog: AuditLog = { write: (fields, message = 'url granted') => log('info', message, fields) };

/** The `kind` each grant is counted under (the UrlGranted metric). */
const grantKinds: Record<AuditAction, UrlGrantKind> = {
  upload: 'upload',
  'upload-form': 'form',
  'upload-part': 'multipart',
  download: 'download',
  thumbnail: 'thumbnail',
  'public-download': 'public',
  'share-download': 'shared-download',
  'share-thumbnail': 'shared-thumbnail',
  rendition: 'rendition',
  'share-rendition': 'shared-rendition',
  'public-rendition': 'public-rendition',
};

/**
 * Writes one audit line for a grant, `audit: true` so that a Logs Insights query finds them all,
 * and counts it: every grant is both logged and counted, or neither.
 */
export function audit(deps: Pick<Deps, 'auditLog' | 'telemetry'>, entry: AuditEntry): void {
  const { actor } = entry;
  // Copied field by field (no spread of a caller's object): nothing else can slip into the line.
  const actorFields: Actor = actor.type === 'public' ? { type: 'public' } : { type: actor.type, id: actor.id };
  (deps.auditLog ?? stdoutAuditLog).write({
    audit: true,
    action: entry.action,
    tenantId: entry.tenantId,
    principal: actorFields,
    fileId: entry.fileId,
    expiresAt: entry.expiresAt,
    key: entry.key,
    ...(entry.version !== undefined && { version: entry.version }),
    ...(entry.partNumbers !== undefined && { partNumbers: entry.partNumbers }),
    ...(entry.size !== undefined && { size: entry.size }),
  });
  deps.telemetry.urlGranted(grantKinds[entry.action]);
}

/**
 * Bytes that arrived through an upload URL or form whose version already held accepted content:
 * processing refused them (UPLOAD_REUSED). Logged as an audit line (`action: upload-reused`) so
 * that the query that finds every grant finds these too; `principal` is who the grant was for.
 */
export function auditReusedUpload(
  deps: Pick<Deps, 'auditLog'>,
  entry: { tenantId: string; uploadedBy: string | null; fileId: string; key: string; version: number },
): void {
  (deps.auditLog ?? stdoutAuditLog).write(
    {
      audit: true,
      action: 'upload-reused',
      tenantId: entry.tenantId,
      ...(entry.uploadedBy !== null && { principal: { type: 'user', id: entry.uploadedBy } }),
      fileId: entry.fileId,
      key: entry.key,
      version: entry.version,
    },
    'upload refused',
  );
}
