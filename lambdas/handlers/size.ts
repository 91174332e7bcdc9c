import * as z from '../validation';
import { S3_LIMITS } from '../domain/size-limits';

/**
 * A declared size in bytes. Bounded by what S3 can store at all; the tenant's own, lower limit is
 * the domain's to enforce, with a 413 FILE_TOO_LARGE rather than a validation error.
 */
export const declaredSize = z.number().check(z.int(), z.minimum(0), z.maximum(S3_LIMITS.object));
