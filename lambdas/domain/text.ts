/**
 * Well-formed Unicode: no lone UTF-16 surrogate. JSON can spell one (`"\udc00"`) and DynamoDB will
 * store it, but `encodeURIComponent`, UTF-8 and every client that decodes strictly cannot hold it,
 * so text that enters the API must be well-formed, and text read back is made so before it is
 * encoded into a URL or a header.
 */
// With the `u` flag a surrogate pair is one code point, so only lone surrogates match.
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;

export const isWellFormed = (text: string): boolean => !LONE_SURROGATE.test(text);

/** Lone surrogates become U+FFFD, as `String.prototype.toWellFormed` does. */
export const toWellFormed = (text: string): string => text.replace(LONE_SURROGATES, '\uFFFD');
