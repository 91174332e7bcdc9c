import * as z from '../validation';
import type { StorageServices } from '../composition';
import type { Principal } from '../domain/model';
import type { GrantOptions, Pending } from '../domain/transfer/uploads';
import { S3_LIMITS } from '../domain/transfer/size-limits';
import { json, parseBody, type RouteHandler } from '../http/request';
import { fileIdParam } from './file-id';
import { checksumSha256 } from './schemas';
import { uploadTermsOf } from './tenant-settings';

/**
 * A declared size in bytes. Bounded by what S3 can store at all; the tenant's own, lower limit is
 * the domain's to enforce, with a 413 FILE_TOO_LARGE rather than a validation error.
 */
export const declaredSize = z.number().check(z.int(), z.minimum(0), z.maximum(S3_LIMITS.object));

/** The body of a single-object grant (a PUT URL or a browser form): what the client may declare. */
export const singleUploadBody = z.strictObject({ size: z.optional(declaredSize), checksumSha256: z.optional(checksumSha256) });

/** The handler of a single-object grant route: `grant` makes the PUT URL or the browser form. */
export function singleUploadHandler(grant: (services: StorageServices, principal: Principal, id: string, terms: Pending<GrantOptions>) => Promise<object>): RouteHandler<StorageServices> {
  return async (request) => {
    const id = fileIdParam(request);
    const { size, checksumSha256 } = parseBody(request, singleUploadBody, { optional: true });
    const { services } = request;
    // Not awaited: the file is read beside the terms, in the same round trip.
    const terms = uploadTermsOf(services, request.principal.tenantId).then((t) => ({ size, checksumSha256, ...t }));
    return json(200, await grant(services, request.principal, id, terms), { 'cache-control': 'no-store' });
  };
}
