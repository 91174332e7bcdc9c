import * as z from '../validation';
import { S3_LIMITS } from '../domain/transfer/size-limits';
import { checksumSha256 } from './schemas';

/**
 * A declared size in bytes. Bounded by what S3 can store at all; the tenant's own, lower limit is
 * the domain's to enforce, with a 413 FILE_TOO_LARGE rather than a validation error.
 */
export const declaredSize = z.number().check(z.int(), z.minimum(0), z.maximum(S3_LIMITS.object));

/** The body of a single-object grant (a PUT URL or a browser form): what the client may declare. */
export const singleUploadBody = z.strictObject({ size: z.optional(declaredSize), checksumSha256: z.optional(checksumSha256) });
