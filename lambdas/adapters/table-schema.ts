import { createHash } from 'node:crypto';
import { toWellFormed } from '../domain/text';

/**
 * Key layout of the single DynamoDB table, shared by the CDK table definition, the local stack's
 * table creation and the repository, so the three cannot drift.
 *
 * Every item of a file shares the partition key `FILE#<id>`: the file itself (sort key `FILE`) and
 * one small index item per tag, link and external id, and one each for its type, status, creator
 * and name (`adapters/list-plan.ts`). The index items carry `gsi1pk`/`gsi1sk` so that "files of a
 * tenant with tag X, newest first" is a single Query on GSI1, never a Scan.
 */
export const tableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'ttl',
  indexes: {
    byTenant: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  },
} as const;

/** DynamoDB's limits on key attributes, in UTF-8 bytes. */
export const KEY_LIMITS = { partitionKeyBytes: 2048, sortKeyBytes: 1024 } as const;

/** A value in a compacted key: its URI encoding when short, else its SHA-256 (`:` is never in a URI encoding). */
const COMPACT_LENGTH = 200;
const compactValue = (value: string): string => {
  const encoded = encodeURIComponent(toWellFormed(value));
  return encoded.length <= COMPACT_LENGTH ? encoded : `sha256:${createHash('sha256').update(toWellFormed(value)).digest('base64url')}`;
};

/**
 * A key made of fixed labels and user values, joined by `#`. Values are URI-encoded, so none holds
 * a `#`. A value of up to 128 characters of any script is valid input but can take 9 (or 12) bytes
 * a character once encoded: when the plain key would not fit `maxBytes`, every value longer than
 * 200 encoded characters is replaced by its digest. Keys that fit (every key written before this
 * rule) are exactly what they were. Index entries are hints verified against the file item, so a
 * digest never needs reversing.
 */
export function compactKey(maxBytes: number, parts: readonly ({ label: string } | { value: string })[]): string {
  const join = (encode: (value: string) => string) => parts.map((part) => ('label' in part ? part.label : encode(part.value))).join('#');
  // URI encodings are ASCII: their length is their size in bytes.
  const plain = join((value) => encodeURIComponent(toWellFormed(value)));
  return plain.length <= maxBytes ? plain : join(compactValue);
}
