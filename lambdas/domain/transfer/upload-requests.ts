import { FileportError } from '../../errors';
import { actorOf, audit } from '../audit';
import { objectPrefixes } from '../files/files';
import type { Principal } from '../model';
import { NoSuchUpload, type Deps, type SignableUploadRequest } from '../ports';
import { checkDeclaredSize } from './size-limits';
import { fileAndOptions, grantPut, grantSizeLimits, prepareGrant, type Pending } from './uploads';
import type { CurrentLimits } from './multipart';

/**
 * An S3 request a client asks Fileport to sign, as Uppy 6's `signRequest` describes it: a method,
 * the object key, and for a multipart upload's own requests S3's upload id and a part number.
 */
export interface UploadRequest {
  method: string;
  /** The object key. For PutObject and CreateMultipartUpload only a proposal: Fileport picks the key and answers it. */
  key?: string;
  uploadId?: string;
  partNumber?: number;
  /** The whole file's size in bytes: required to start a multipart upload, signed into a PUT when given. */
  size?: number;
  /** Base64 SHA-256 of the whole object, which processing verifies. */
  checksumSha256?: string;
}

export interface SignedUploadRequest {
  method: 'PUT' | 'POST' | 'GET' | 'DELETE';
  url: string;
  /** Headers the request must carry: all are signed. */
  headers: Record<string, string>;
  /** The key the request is signed for (Uppy keeps it for the upload's later requests). */
  key: string;
  expiresAt: string;
}

export type UploadTerms = { expiresIn: number } & CurrentLimits;

/** What a request is: one of a file's own upload, or a refusal saying why it is not. */
export type UploadRequestKind = 'PutObject' | SignableUploadRequest['operation'];

const refuse = (why: string): never => {
  throw new FileportError('UNSIGNABLE_REQUEST', `Fileport signs only the S3 requests of the file's own upload: ${why}.`);
};

/**
 * Which S3 request the description names. Anything that reads an object, deletes one, or is not a
 * request of an upload is refused, so a member's upload right never becomes a download or a delete.
 */
export function kindOf(request: UploadRequest): UploadRequestKind {
  const { method, uploadId, partNumber } = request;
  const upload = uploadId !== undefined;
  const part = partNumber !== undefined;
  if (part && method !== 'PUT') refuse(`a ${method} takes no partNumber (only UploadPart, a PUT, does)`);
  switch (method) {
    case 'PUT':
      if (upload !== part) refuse('a PUT of a part needs both the uploadId and the partNumber; a PutObject neither');
      return upload ? 'UploadPart' : 'PutObject';
    case 'POST':
      return upload ? 'CompleteMultipartUpload' : 'CreateMultipartUpload';
    case 'GET':
      return upload ? 'ListParts' : refuse('a GET without uploadId reads the object (GetObject); download with GET /v1/files/{id}/download');
    case 'DELETE':
      return upload ? 'AbortMultipartUpload' : refuse('a DELETE without uploadId deletes the object (DeleteObject); delete the file with DELETE /v1/files/{id}');
    default:
      return refuse(`${method.slice(0, 20)} is not the method of an upload's request (PUT, POST, GET with uploadId, DELETE with uploadId)`);
  }
}

const expiry = (deps: Deps, expiresIn: number) => new Date(deps.now().getTime() + expiresIn * 1000).toISOString();

/**
 * Signs one S3 request of the file's own upload, under the same grant as the upload routes: a
 * PutObject is a PUT URL's grant (createUploadUrl), a new multipart upload signs the file type's
 * Content-Type and the grant's metadata (the declared size as the most processing accepts, so the
 * object cannot outgrow what was checked against the tenant's limit), and the requests of an
 * upload that exists are signed only on the file's own content keys. A completion is signed only
 * while the parts S3 holds fit the tenant's limit as it is now.
 */
export async function signUploadRequest(deps: Deps, principal: Principal, id: string, request: UploadRequest, pending: Pending<UploadTerms>): Promise<SignedUploadRequest> {
  const kind = kindOf(request);
  if (kind === 'PutObject') {
    const { url, method, headers, key, expiresAt } = await grantPut(deps, principal, id, Promise.resolve(pending).then((terms) => ({ ...terms, size: request.size, checksumSha256: request.checksumSha256 })));
    return { url, method, headers, key, expiresAt };
  }
  const [file, terms] = await fileAndOptions(deps, principal, id, pending);
  const { maxMultipartFileSize } = grantSizeLimits(terms, principal.tenantId);
  let key: string;
  let signable: SignableUploadRequest;
  if (kind === 'CreateMultipartUpload') {
    const { size } = request;
    if (size === undefined) throw new FileportError('VALIDATION_ERROR', 'body.size: the file’s size is required to start a multipart upload.');
    checkDeclaredSize(size, maxMultipartFileSize);
    const grant = prepareGrant(deps, principal, file, { size, checksumSha256: request.checksumSha256, maxSize: size });
    key = grant.key;
    signable = { operation: kind, contentType: grant.contentType, metadata: grant.metadata };
  } else {
    key = ownUploadKey(file.id, request.key);
    const uploadId = request.uploadId as string;
    if (uploadId.length === 0 || uploadId.length > 1024) refuse('the uploadId is not one S3 issued');
    if (kind === 'CompleteMultipartUpload') await checkHeldParts(deps, key, uploadId, maxMultipartFileSize);
    signable = kind === 'UploadPart' ? { operation: kind, uploadId, partNumber: request.partNumber as number } : { operation: kind, uploadId };
  }
  const { url, method, headers } = await deps.objects.presignUploadRequest(key, signable, terms.expiresIn);
  const expiresAt = expiry(deps, terms.expiresIn);
  if (signable.operation === 'CreateMultipartUpload' || signable.operation === 'UploadPart') {
    const partNumbers = signable.operation === 'UploadPart' ? [signable.partNumber] : [];
    audit(deps, { action: 'upload-part', tenantId: principal.tenantId, actor: actorOf(principal), fileId: file.id, expiresAt, key, partNumbers });
  }
  return { url, method, headers, key, expiresAt };
}

/** The key, if it is one of the file's own content objects (the only keys its uploads write). */
function ownUploadKey(fileId: string, key: string | undefined): string {
  const prefix = `${objectPrefixes.content}${fileId.replaceAll('-', '')}/`;
  if (key === undefined) return refuse('the request names no key');
  if (!key.startsWith(prefix) || !/^[0-9a-f]{32}$/.test(key.slice(prefix.length))) {
    return refuse(`${JSON.stringify(key.slice(0, 200))} is not an upload key of file ${fileId} (they begin ${prefix})`);
  }
  return key;
}

/**
 * Before a completion is signed: the upload exists on this key (else 404), and the parts S3 holds
 * fit the tenant's limit now; an upload over it is aborted (a 413, as the multipart route answers).
 */
async function checkHeldParts(deps: Deps, key: string, uploadId: string, max: number): Promise<void> {
  let parts;
  try {
    parts = await deps.objects.listParts(key, uploadId);
  } catch (error) {
    if (error instanceof NoSuchUpload) throw new FileportError('UPLOAD_NOT_FOUND', `Multipart upload ${uploadId.slice(0, 100)} was not found.`);
    throw error;
  }
  const total = parts.reduce((sum, p) => sum + p.size, 0);
  if (total > max) {
    await deps.objects.abortMultipartUpload(key, uploadId).catch(() => undefined);
    checkDeclaredSize(total, max);
  }
}
