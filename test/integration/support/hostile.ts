import fc from 'fast-check';

/**
 * What breaks programs rather than what validators expect: text that is not well-formed Unicode,
 * astral and combining characters, every script at and just past its limits, and tokens and cursors
 * taken apart, altered and put together again. Shared by the fuzz and the stateful tests.
 */

/** A fixed seed keeps `npm test` reproducible; FUZZ_SEED=random explores new cases, FUZZ_SEED=<n> replays one. */
export const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED ?? 20261204);

const SCRIPTS = ['a', 'é', 'ß', 'Ж', 'ע', 'ع', 'ह', 'ไ', '漢', 'ㄱ', 'カ', '𝄞', '😀', '👩‍👩‍👧', 'e\u0301', '\u200b', '\u202e', '\ufeff', '\ufffd'];
const LONE = ['\ud800', '\udbff', '\udc00', '\udfff'];

/** One character (or grapheme) of any script, a lone surrogate now and then. */
const character = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...SCRIPTS) }, { weight: 1, arbitrary: fc.constantFrom(...LONE) });

/** `n` characters of one script, or of a script with a lone surrogate somewhere inside. */
const repeated = (n: number) =>
  fc.tuple(fc.constantFrom(...SCRIPTS), fc.option(fc.tuple(fc.constantFrom(...LONE), fc.nat(n)), { freq: 4 })).map(([c, lone]) => {
    const chars = Array.from({ length: n }, () => c);
    if (lone) chars[lone[1] % n] = lone[0];
    return chars.join('');
  });

/** Text at the API's limits (128 for labels, 255 for names) and one past them, in every script. */
export const limitText = fc.oneof(...[1, 127, 128, 129, 200, 254, 255, 256].map(repeated));

/** Short text of mixed scripts, lone surrogates included. */
export const mixedText = fc.array(character, { minLength: 0, maxLength: 12 }).map((cs) => cs.join(''));

/** Everything text can be. */
export const hostileText = fc.oneof(
  { weight: 3, arbitrary: mixedText },
  { weight: 3, arbitrary: limitText },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '..', '%', '%00', '%E0%A4%A', '\u0000', 'null', '#', 'a#b', 'TAG#x', '*', 'sha256:x') },
);

/** Labels (tags, link parts, external ids) at and past their count limits too. */
export const labels = fc.oneof(fc.array(hostileText, { maxLength: 4 }), fc.array(fc.constant('t'), { minLength: 50, maxLength: 51 }));

export const fileBody = fc.record(
  {
    name: fc.oneof(hostileText, fc.constant('ok.pdf')),
    fileTypeId: fc.constantFrom('pdf', 'png', 'txt', 'exe', ''),
    tags: labels,
    externalId: fc.oneof(hostileText, fc.constant(null)),
    links: fc.array(fc.record({ type: hostileText, id: hostileText }), { maxLength: 3 }),
    accessControl: fc.constantFrom('private', 'public', 'PUBLIC'),
  },
  { requiredKeys: [] },
);

/** Numbers that break arithmetic: zero, negatives, fractions, past S3's and JavaScript's limits. */
export const hostileNumber = fc.oneof(
  fc.constantFrom(0, -1, 0.5, 1, 5 * 1024 ** 2 - 1, 5 * 1024 ** 2, 5 * 1024 ** 3, 5 * 1024 ** 3 + 1, 5 * 1024 ** 4, 5 * 1024 ** 4 + 1, 2 ** 53, 1e308, 10_000, 10_001),
  fc.integer(),
);

/** One of JSON's values at its oddest. */
const oddValue = fc.oneof(fc.constantFrom('', '\ud800', 'x'.repeat(3000), null, true, {}, [], 'FILE#', 'IDX#'), hostileNumber, mixedText);

/**
 * A token or cursor, altered as an attacker would: a character flipped, cut short, lengthened, or
 * (when it is base64url JSON, in whole or in a `.`-separated part) decoded, a field changed, and
 * encoded again, with and without what followed it.
 */
export function mutated(token: string): fc.Arbitrary<string> {
  const flip = fc.nat(Math.max(0, token.length - 1)).map((i) => `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`);
  const cut = fc.nat(Math.max(0, token.length - 1)).map((i) => token.slice(0, i));
  const longer = fc.constantFrom(`${token}A`, `${token}.`, `${token}${token}`, `${token}%00`);
  const parts = token.split('.');
  const decoded = parts.flatMap((part, index) => {
    try {
      const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
      return typeof value === 'object' && value !== null ? [{ index, value }] : [];
    } catch {
      return [];
    }
  });
  if (decoded.length === 0) return fc.oneof(flip, cut, longer);
  const reencoded = fc.tuple(fc.constantFrom(...decoded), fc.nat(), oddValue, fc.boolean()).map(([{ index, value }, pick, odd, keepRest]) => {
    const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<string, unknown>;
    const keys = Object.keys(copy);
    if (keys.length > 0) copy[keys[pick % keys.length] as string] = odd;
    const part = Buffer.from(JSON.stringify(copy)).toString('base64url');
    const rest = keepRest ? parts.map((p, i) => (i === index ? part : p)) : [part];
    return rest.join('.');
  });
  return fc.oneof(flip, cut, longer, { weight: 3, arbitrary: reencoded });
}
