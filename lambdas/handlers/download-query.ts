import * as z from '../validation';

/** The options of every download route: a JSON answer or a 302 to the URL, inline or attachment, a version. */
export const downloadQuery = z.object({
  redirect: z._default(z.enum(['true', 'false']), 'false'),
  disposition: z._default(z.enum(['attachment', 'inline']), 'attachment'),
  version: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(Number.MAX_SAFE_INTEGER))),
});
