import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { FileportError, fileportError } from '../../errors';
import type { ShareAccess } from '../../domain/model';
import { changeFile, loadModifiableFile, removeFile, type FileUpdate } from '../files/files';
import { hasContent, type FileRecord, type Principal, type ShareToken, type ShareTokenGrant, type UploadLinkTerms } from '../model';
import { mayOverwrite } from '../permissions';
import { addLogContext } from '../../log';
import { retryOnStaleWrite, WRITE_ATTEMPTS } from '../concurrency';
import type { ShareTokenRefusal, SharingDeps as Deps } from '../ports';

/** The tokens' own limit, on top of the route throttling in front of them. */
export interface SharePolicy {
  requestsPerMinute: number;
}

/** A token as the API shows it: never its secret or hash. */
export const toApiShareToken = (token: ShareToken) => ({
  id: token.id,
  fileId: token.fileId,
  accessLevel: token.accessLevel,
  createdBy: token.createdBy,
  createdAt: token.createdAt,
  expiresAt: token.expiresAt,
  lastUsedAt: token.lastUsedAt,
  ...(token.upload && { upload: { ...token.upload, filesCreated: token.filesCreated ?? 0 } }),
});

/** 256 random bits: guessing one is hopeless, so the secret needs no slow hash, only a one-way one. */
const newSecret = () => `fps_${randomBytes(32).toString('base64url')}`;
const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** The longest a token may live, and how far ahead of now its expiry may be set. */
const MAX_TOKEN_LIFETIME_MS = 366 * 24 * 3600 * 1000;

export const isLive = (token: Pick<ShareToken, 'expiresAt'>, now: Date) => token.expiresAt === null || Date.parse(token.expiresAt) > now.getTime();

/** Every way of naming a token that does not work answers alike. */
export const tokenNotFound = () => fileportError('SHARE_TOKEN_NOT_FOUND');

export interface NewShareToken {
  accessLevel: ShareAccess;
  expiresAt?: string;
  /** Upload links only. */
  requestsPerMinute?: number;
  maxSize?: number;
}

/**
 * Issues a token of a file, or (`owner.fileId` null) a drop box of the tenant. An upload link must
 * expire: it lets anyone holding it add content to the tenant.
 */
export async function issueToken(
  deps: Deps,
  owner: { fileId: string | null; tenantId: string },
  input: NewShareToken & { upload?: UploadLinkTerms },
  createdBy: string,
  notAfter: string | null,
) {
  const now = deps.now();
  if (input.accessLevel === 'upload' && input.expiresAt === undefined) throw new FileportError('VALIDATION_ERROR', 'body.expiresAt: an upload link must expire');
  if (input.accessLevel !== 'upload' && (input.requestsPerMinute !== undefined || input.maxSize !== undefined)) {
    throw new FileportError('VALIDATION_ERROR', 'body: requestsPerMinute and maxSize are for upload links (accessLevel "upload") only');
  }
  const expiresAt = input.expiresAt === undefined ? notAfter : new Date(input.expiresAt).toISOString();
  if (expiresAt !== null && Date.parse(expiresAt) <= now.getTime()) throw new FileportError('VALIDATION_ERROR', 'body.expiresAt: must be in the future');
  if (expiresAt !== null && Date.parse(expiresAt) > now.getTime() + MAX_TOKEN_LIFETIME_MS) {
    throw new FileportError('VALIDATION_ERROR', 'body.expiresAt: must be at most 366 days ahead');
  }
  // A token cannot hand out more time than its creator has.
  if (notAfter !== null && expiresAt !== null && Date.parse(expiresAt) > Date.parse(notAfter)) {
    throw fileportError('EXPIRY_BEYOND_TOKEN', { notAfter });
  }
  const secret = newSecret();
  const token: ShareToken = {
    id: randomUUID(),
    fileId: owner.fileId,
    tenantId: owner.tenantId,
    secretHash: hashOf(secret),
    accessLevel: input.accessLevel,
    createdBy,
    createdAt: now.toISOString(),
    expiresAt,
    lastUsedAt: null,
    ...(input.upload && { upload: input.upload }),
  };
  await deps.shareTokens.create(token);
  return { ...toApiShareToken(token), token: secret };
}

const liveTokensOf = async (deps: Deps, fileId: string) =>
  (await deps.shareTokens.listOf(fileId)).tokens.filter((t) => isLive(t, deps.now())).sort((a, b) => a.createdAt.localeCompare(b.createdAt));

/**
 * Deletes a token of the file. With `keepAFullToken` (a token holder deleting), the deletion must
 * leave at least one live full token, or nobody outside the tenant could manage the file any more;
 * the check and the deletion hold together through the token set's version.
 */
async function revokeToken(deps: Deps, fileId: string, tokenId: string, options: { keepAFullToken: boolean }): Promise<void> {
  return retryOnStaleWrite(async () => {
    const { tokens, setVersion } = await deps.shareTokens.listOf(fileId);
    const token = tokens.find((t) => t.id === tokenId);
    if (!token) throw new FileportError('SHARE_TOKEN_NOT_FOUND', `File ${fileId} has no share token ${tokenId}.`);
    if (options.keepAFullToken) {
      const now = deps.now();
      const othersFull = tokens.filter((t) => t.id !== tokenId && t.accessLevel === 'full' && isLive(t, now));
      if (othersFull.length === 0) {
        throw fileportError('LAST_FULL_TOKEN');
      }
    }
    return deps.shareTokens.delete(token, setVersion);
  }, { attempts: WRITE_ATTEMPTS });
}

// Tenant members who may change the file (its creator or an admin) manage its tokens.

export async function createShareToken(deps: Deps, principal: Principal, fileId: string, input: NewShareToken) {
  const file = await loadModifiableFile(deps, principal, fileId);
  let upload: UploadLinkTerms | undefined;
  if (input.accessLevel === 'upload') {
    // The link uploads as its creator would: a new version of content the file has only with files:overwrite.
    const overwrite = mayOverwrite(principal);
    if (hasContent(file) && !overwrite) throw fileportError('ALREADY_UPLOADED', { id: file.id });
    upload = { requestsPerMinute: input.requestsPerMinute ?? null, maxSize: input.maxSize ?? null, overwrite, fileTypeIds: null, maxFiles: null, tags: [], links: [] };
  }
  return issueToken(deps, { fileId: file.id, tenantId: file.tenantId }, { ...input, upload }, `user:${principal.userId}`, null);
}

export async function listShareTokens(deps: Deps, principal: Principal, fileId: string) {
  await loadModifiableFile(deps, principal, fileId);
  return (await liveTokensOf(deps, fileId)).map(toApiShareToken);
}

export async function deleteShareToken(deps: Deps, principal: Principal, fileId: string, tokenId: string): Promise<void> {
  await loadModifiableFile(deps, principal, fileId);
  await revokeToken(deps, fileId, tokenId, { keepAFullToken: false });
}

// A token holder, with nothing but the secret.

const RATE_WINDOW_SECONDS = 60;

/** Whether a token of `granted` access may do what needs `needed`: a full token reads too; an upload link only uploads. */
const allows = (granted: ShareAccess, needed: ShareAccess) => granted === needed || (granted === 'full' && needed === 'read');

const refusalOf = (granted: ShareAccess): [ShareTokenRefusal, string] =>
  granted === 'read'
    ? ['read-only', 'This share token only allows reading the file.']
    : granted === 'upload'
      ? ['upload-only', 'This share token is an upload link: it only allows uploading, nothing else.']
      : ['not-upload', 'Only an upload link (a share token with accessLevel "upload") can upload this way.'];

/**
 * The token behind a secret, and its file, if the secret may do `needed`. Unknown, deleted and
 * expired tokens cost the same single read and answer the same 404; a token of a deleted file too.
 * A drop box (an upload link bound to no file) has no file: `file` is undefined.
 *
 * Once the token is known, everything else is one round trip: its request is counted and its file
 * read side by side, with `alongside`'s reads of the tenant (its settings) batched with the file's.
 * Its use is recorded by the first request of each rate window only, so `lastUsedAt` is exact to
 * the minute and costs a write a minute, not one a request.
 */
export async function authorizeShareToken<T = undefined>(
  deps: Deps,
  secret: string,
  needed: ShareAccess,
  policy: SharePolicy,
  alongside?: (tenantId: string) => Promise<T>,
): Promise<{ token: ShareTokenGrant; file: FileRecord | undefined; alongside: T }> {
  const token = await deps.shareTokens.findBySecretHash(hashOf(secret));
  const now = deps.now();
  const refuse = (reason: ShareTokenRefusal, error: FileportError): never => {
    deps.telemetry.shareTokenRefused(reason);
    throw error;
  };
  if (!token) return refuse('unknown', tokenNotFound());
  if (!isLive(token, now)) return refuse('expired', tokenNotFound());
  // The token's id (never its secret) and tenant, on every line this request writes from here.
  addLogContext({ tenantId: token.tenantId, shareTokenId: token.id });
  const windowStart = Math.floor(now.getTime() / (RATE_WINDOW_SECONDS * 1000)) * RATE_WINDOW_SECONDS * 1000;
  const [file, extra, count] = await Promise.all([
    token.fileId === null ? undefined : deps.files.get(token.fileId),
    alongside?.(token.tenantId) as Promise<T>,
    deps.shareTokens.countRequest(token.id, new Date(windowStart), RATE_WINDOW_SECONDS),
  ]);
  if (count === 1) await deps.shareTokens.recordUse(token, now);
  // An upload link's own limit lowers the deployment's, never raises it.
  if (count > Math.min(policy.requestsPerMinute, token.upload?.requestsPerMinute ?? Infinity)) {
    deps.telemetry.throttled('share-token-rate');
    refuse('rate-limited', fileportError('RATE_LIMITED', { retryAfterSeconds: Math.max(1, Math.ceil((windowStart + RATE_WINDOW_SECONDS * 1000 - now.getTime()) / 1000)) }));
  }
  if (!allows(token.accessLevel, needed)) {
    const [reason, message] = refusalOf(token.accessLevel);
    refuse(reason, new FileportError('FORBIDDEN', message));
  }
  if (token.fileId !== null && (!file || file.tenantId !== token.tenantId)) return refuse('file-gone', tokenNotFound());
  return { token, file, alongside: extra };
}

/** `authorizeShareToken` for the routes of a shared file (read and full tokens, which always have one). */
export async function useShareToken<T = undefined>(
  deps: Deps,
  secret: string,
  needed: Exclude<ShareAccess, 'upload'>,
  policy: SharePolicy,
  alongside?: (tenantId: string) => Promise<T>,
): Promise<{ token: ShareTokenGrant; file: FileRecord; alongside: T }> {
  const { token, file, alongside: extra } = await authorizeShareToken(deps, secret, needed, policy, alongside);
  if (!file) throw tokenNotFound();
  return { token, file, alongside: extra };
}

export async function updateSharedFile(deps: Deps, secret: string, update: FileUpdate, expectedVersion: number | undefined, policy: SharePolicy) {
  const { token } = await useShareToken(deps, secret, 'full', policy);
  return changeFile(
    deps,
    async () => {
      const file = await deps.files.get(token.fileId as string);
      if (!file) throw tokenNotFound();
      return file;
    },
    update,
    expectedVersion,
  );
}

export async function deleteSharedFile(deps: Deps, secret: string, policy: SharePolicy): Promise<void> {
  const { file } = await useShareToken(deps, secret, 'full', policy);
  await removeFile(deps, file);
}

export async function createTokenWithToken(deps: Deps, secret: string, input: NewShareToken, policy: SharePolicy) {
  const { token, file } = await useShareToken(deps, secret, 'full', policy);
  return issueToken(deps, { fileId: file.id, tenantId: file.tenantId }, input, `token:${token.id}`, token.expiresAt);
}

export async function listTokensWithToken(deps: Deps, secret: string, policy: SharePolicy) {
  const { file } = await useShareToken(deps, secret, 'full', policy);
  return (await liveTokensOf(deps, file.id)).map(toApiShareToken);
}

export async function deleteTokenWithToken(deps: Deps, secret: string, tokenId: string, policy: SharePolicy): Promise<void> {
  const { file } = await useShareToken(deps, secret, 'full', policy);
  await revokeToken(deps, file.id, tokenId, { keepAFullToken: true });
}
