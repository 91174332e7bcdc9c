import type { LinkServices } from '../composition';
import type { FileRecord, Principal } from '../domain/model';
import { createDroppedFile, createDropBox, deleteDropBox, listDropBoxes, useUploadLink, withinLink } from '../domain/sharing/upload-links';
import { completeMultipartUpload, createMultipartUpload, getMultipartUpload, partUrlsFor, abortMultipartUpload } from '../domain/transfer/multipart';
import { createUploadForm, createUploadUrl, type GrantOptions } from '../domain/transfer/uploads';
import { json, noContent, parseBody, type AnonymousRequest, type AnonymousRouteHandler, type RouteHandler } from '../http/request';
import { completeMultipartUploadBody } from './complete-multipart-upload';
import { createMultipartUploadBody } from './create-multipart-upload';
import { createPartUrlsBody } from './create-part-urls';
import { fileIdParam } from './file-id';
import { uploadIdParam } from './multipart-upload-id';
import { droppedFile, newDropBox } from './schemas';
import { shareTokenIdParam, shareTokenSecret } from './share-token-secret';
import { singleUploadBody } from './size';
import { uploadTermsOf } from './tenant-settings';

const noStore = { 'cache-control': 'no-store' };

// A member's drop boxes.

export const createUploadLink: RouteHandler<LinkServices> = async (request) =>
  // The secret is in this answer only.
  json(201, await createDropBox(request.services, request.principal, parseBody(request, newDropBox)), noStore);

export const listUploadLinks: RouteHandler<LinkServices> = async (request) => json(200, { items: await listDropBoxes(request.services, request.principal) });

export const deleteUploadLink: RouteHandler<LinkServices> = async (request) => {
  await deleteDropBox(request.services, request.principal, shareTokenIdParam(request));
  return noContent();
};

// An upload link's holder: the `{token}` is the credential, and it only uploads.

/** What the link uploads to (its file, or the drop box's file of the path) and the terms, the link's maximum size included. */
async function linkTarget(request: AnonymousRequest<LinkServices>) {
  const secret = shareTokenSecret(request);
  const fileId = request.event.pathParameters?.id === undefined ? undefined : fileIdParam(request);
  const { services } = request;
  const target = await useUploadLink(services, secret, services.config.sharing, fileId, (tenantId) => uploadTermsOf(services, tenantId));
  return { services, principal: target.principal, id: target.fileId, terms: withinLink(target.alongside, target.link) };
}

type Grant = (services: LinkServices, principal: Principal, id: string, terms: GrantOptions) => Promise<object>;
const singleUpload =
  (grant: Grant): AnonymousRouteHandler<LinkServices> =>
  async (request) => {
    const body = parseBody(request, singleUploadBody, { optional: true });
    const { services, principal, id, terms } = await linkTarget(request);
    return json(200, await grant(services, principal, id, { ...body, ...terms }), noStore);
  };

export const createLinkUploadUrl = singleUpload(createUploadUrl);
export const createLinkUploadForm = singleUpload(createUploadForm);

export const createLinkMultipartUpload: AnonymousRouteHandler<LinkServices> = async (request) => {
  const body = parseBody(request, createMultipartUploadBody);
  const { services, principal, id, terms } = await linkTarget(request);
  return json(201, await createMultipartUpload(services, principal, id, { ...body, ...terms }), noStore);
};

export const getLinkMultipartUpload: AnonymousRouteHandler<LinkServices> = async (request) => {
  const uploadId = uploadIdParam(request);
  const { services, principal, id, terms } = await linkTarget(request);
  return json(200, await getMultipartUpload(services, principal, id, uploadId, terms), noStore);
};

export const createLinkPartUrls: AnonymousRouteHandler<LinkServices> = async (request) => {
  const uploadId = uploadIdParam(request);
  const { parts } = parseBody(request, createPartUrlsBody);
  const { services, principal, id, terms } = await linkTarget(request);
  return json(200, await partUrlsFor(services, principal, id, uploadId, { parts, ...terms }), noStore);
};

/** Answers no file: an upload link reads nothing, not even the file it uploaded to. */
export const completeLinkMultipartUpload: AnonymousRouteHandler<LinkServices> = async (request) => {
  const uploadId = uploadIdParam(request);
  const { parts } = parseBody(request, completeMultipartUploadBody);
  const { services, principal, id, terms } = await linkTarget(request);
  await completeMultipartUpload(services, principal, id, uploadId, { parts, ...terms });
  return noContent();
};

export const abortLinkMultipartUpload: AnonymousRouteHandler<LinkServices> = async (request) => {
  const uploadId = uploadIdParam(request);
  const { services, principal, id } = await linkTarget(request);
  await abortMultipartUpload(services, principal, id, uploadId);
  return noContent();
};

/** What a drop box's holder learns of the file it created: what it gave, its id and its state. */
export const toDroppedFile = (file: FileRecord) => ({
  id: file.id,
  name: file.name,
  fileTypeId: file.fileTypeId,
  status: file.status,
  createdAt: file.createdAt,
  expiresAt: file.expiresAt,
});

export const createLinkFile: AnonymousRouteHandler<LinkServices> = async (request) => {
  const secret = shareTokenSecret(request);
  const input = parseBody(request, droppedFile);
  const { services } = request;
  const file = await createDroppedFile(services, secret, services.config.sharing, input, { pendingTtlSeconds: services.config.pendingFileTtlSeconds });
  return json(201, toDroppedFile(file), noStore);
};
