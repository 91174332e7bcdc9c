import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

/**
 * The PDF Standard security handler (ISO 32000-2, 7.6.4), as far as reading a file needs it: does
 * the empty user password open it, and how are its streams decrypted. Pure functions over bytes;
 * finding and reading the encryption dictionary in a PDF is pdf-security.ts's job.
 *
 * A PDF "encrypted with an owner password only" has an empty user password: every reader opens it
 * without asking, and the owner password only guards permissions (printing, copying...). So the
 * file is readable exactly when the empty password passes the user password check.
 */

/** How streams are encrypted, from /V and the stream crypt filter's /CFM. */
export type StreamCipher = 'identity' | 'rc4' | 'aes-128' | 'aes-256';

/** The Standard security handler's encryption dictionary, as plain values. */
export interface StandardSecurity {
  /** /V, the algorithm: 1, 2, 4 or 5. */
  v: number;
  /** /R, the revision of the password algorithms: 2 to 6. */
  r: number;
  /** The file key's length in bytes (5 to 16 for RC4 and AES-128, 32 for AES-256). */
  keyLength: number;
  o: Uint8Array;
  u: Uint8Array;
  /** The file key encrypted with the user password (R 5 and 6 only). */
  ue?: Uint8Array;
  /** /P, the permission flags, a signed 32-bit integer. */
  p: number;
  encryptMetadata: boolean;
  streams: StreamCipher;
  /** The first string of the trailer's /ID (empty when there is none), part of the key for R 2 to 4. */
  id: Uint8Array;
}

/** Algorithm 2's padding: what a password shorter than 32 bytes is completed with. */
export const PASSWORD_PADDING = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');

/**
 * The file key if the empty user password opens the file, `undefined` if a password is needed.
 * Throws when the values cannot belong to a real file (a /U too short to compare, say).
 */
export function openWithEmptyPassword(security: StandardSecurity): Buffer | undefined {
  return security.r >= 5 ? openR5R6(security) : openR2R4(security);
}

/**
 * Decrypts one stream of object `objectNumber` `generation` (Algorithm 1: RC4 and AES-128 use a
 * key derived per object, AES-256 the file key itself). AES data starts with its 16-byte IV.
 */
export function decryptStream(fileKey: Uint8Array, cipher: StreamCipher, objectNumber: number, generation: number, data: Uint8Array): Uint8Array {
  switch (cipher) {
    case 'identity':
      return data;
    case 'rc4':
      return rc4(objectKey(fileKey, objectNumber, generation, false), data);
    case 'aes-128':
      return aesCbcDecrypt(objectKey(fileKey, objectNumber, generation, true), data);
    case 'aes-256':
      return aesCbcDecrypt(fileKey, data);
  }
}

/** Algorithm 1's per-object key: the file key salted with the object's number and generation. */
export function objectKey(fileKey: Uint8Array, objectNumber: number, generation: number, aes: boolean): Buffer {
  const salt = [objectNumber & 0xff, (objectNumber >> 8) & 0xff, (objectNumber >> 16) & 0xff, generation & 0xff, (generation >> 8) & 0xff];
  const hash = md5(fileKey, Buffer.from(salt), aes ? Buffer.from('sAlT', 'latin1') : Buffer.alloc(0));
  return hash.subarray(0, Math.min(fileKey.length + 5, 16));
}

/**
 * RC4, which OpenSSL 3 keeps out of its default provider (Node's `createCipheriv('rc4')` throws).
 * It is symmetric: the same call encrypts and decrypts.
 */
export function rc4(key: Uint8Array, data: Uint8Array): Buffer {
  if (key.length === 0) throw new RangeError('RC4 needs a key of at least one byte.');
  const s = new Uint8Array(256);
  for (let i = 0; i < 256; i++) s[i] = i;
  for (let i = 0, j = 0; i < 256; i++) {
    const si = s[i]!;
    j = (j + si + key[i % key.length]!) & 0xff;
    s[i] = s[j]!;
    s[j] = si;
  }
  const out = Buffer.allocUnsafe(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    const si = s[i]!;
    j = (j + si) & 0xff;
    const sj = s[j]!;
    s[i] = sj;
    s[j] = si;
    out[n] = data[n]! ^ s[(si + sj) & 0xff]!;
  }
  return out;
}

/** Algorithm 2: the file key from a password, for R 2 to 4. */
export function fileKeyR2R4(password: Uint8Array, security: Pick<StandardSecurity, 'r' | 'keyLength' | 'o' | 'p' | 'encryptMetadata' | 'id'>): Buffer {
  const length = security.r === 2 ? 5 : security.keyLength;
  const permissions = Buffer.alloc(4);
  permissions.writeInt32LE(security.p | 0);
  const unencryptedMetadata = security.r >= 4 && !security.encryptMetadata ? Buffer.from([0xff, 0xff, 0xff, 0xff]) : Buffer.alloc(0);
  let hash = md5(padded(password), security.o.subarray(0, 32), permissions, security.id, unencryptedMetadata);
  if (security.r >= 3) for (let i = 0; i < 50; i++) hash = md5(hash.subarray(0, length));
  return hash.subarray(0, length);
}

/** Algorithms 4 and 5: the /U value a file key yields, for R 2 to 4 (R 3 and 4: its first 16 bytes count). */
export function userCheckR2R4(fileKey: Uint8Array, r: number, id: Uint8Array): Buffer {
  if (r === 2) return rc4(fileKey, PASSWORD_PADDING);
  return rc4Rounds(fileKey, md5(PASSWORD_PADDING, id));
}

/** RC4 with `key`, then 19 more times with each of its bytes XORed with the round number (R 3 and up). */
export function rc4Rounds(key: Uint8Array, data: Uint8Array): Buffer {
  let out = rc4(key, data);
  for (let round = 1; round <= 19; round++) out = rc4(key.map((byte) => byte ^ round), out);
  return out;
}

/**
 * Algorithm 2.B (R 6; for R 5, Algorithm 2.A's plain SHA-256): the hash of a password with a salt
 * and, when checking the owner password, the 48-byte /U.
 */
export function passwordHash(r: number, password: Uint8Array, salt: Uint8Array, userKey: Uint8Array = Buffer.alloc(0)): Buffer {
  let k = sha('sha256', password, salt, userKey);
  if (r === 5) return k;
  let e = Buffer.alloc(0);
  // Each round's last byte decides whether more follow: at least 64, and the spec's loop as pdf.js writes it.
  for (let round = 0; round < 64 || e[e.length - 1]! > round - 32; round++) {
    const block = Buffer.concat([password, k, userKey]);
    const cipher = createCipheriv('aes-128-cbc', k.subarray(0, 16), k.subarray(16, 32)).setAutoPadding(false);
    e = Buffer.concat([cipher.update(Buffer.concat(Array.from({ length: 64 }, () => block))), cipher.final()]);
    // The first 16 bytes as a number modulo 3 equal their sum modulo 3, since 256 ≡ 1 (mod 3).
    let sum = 0;
    for (let i = 0; i < 16; i++) sum += e[i]!;
    k = sha((['sha256', 'sha384', 'sha512'] as const)[sum % 3]!, e);
  }
  return k.subarray(0, 32);
}

function openR2R4(security: StandardSecurity): Buffer | undefined {
  if (security.o.length < 32 || security.u.length < 32) throw new RangeError('/O and /U must be 32 bytes.');
  const key = fileKeyR2R4(Buffer.alloc(0), security);
  const compared = security.r === 2 ? 32 : 16;
  const check = userCheckR2R4(key, security.r, security.id);
  return Buffer.from(security.u.subarray(0, compared)).equals(check.subarray(0, compared)) ? key : undefined;
}

/** Algorithm 11 (is it the user password?), then Algorithm 2.A's step to the file key through /UE. */
function openR5R6(security: StandardSecurity): Buffer | undefined {
  const { u, ue } = security;
  if (u.length < 48 || !ue || ue.length < 32) throw new RangeError('/U must be 48 bytes and /UE 32.');
  const empty = Buffer.alloc(0);
  if (!passwordHash(security.r, empty, u.subarray(32, 40)).equals(u.subarray(0, 32))) return undefined;
  const decipher = createDecipheriv('aes-256-cbc', passwordHash(security.r, empty, u.subarray(40, 48)), Buffer.alloc(16)).setAutoPadding(false);
  return Buffer.concat([decipher.update(ue.subarray(0, 32)), decipher.final()]);
}

/**
 * AES-CBC with the IV in front and PKCS #5 padding, which is removed only when it is well formed:
 * readers (pdf.js among them) accept streams whose padding is not, and so does this.
 */
function aesCbcDecrypt(key: Uint8Array, data: Uint8Array): Buffer {
  if (data.length < 16 || data.length % 16 !== 0) throw new RangeError('An AES-encrypted stream must be whole 16-byte blocks, the first its IV.');
  const decipher = createDecipheriv(key.length === 32 ? 'aes-256-cbc' : 'aes-128-cbc', key, data.subarray(0, 16)).setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]);
  const pad = plain[plain.length - 1] ?? 0;
  const wellPadded = pad >= 1 && pad <= 16 && pad <= plain.length && plain.subarray(plain.length - pad).every((byte) => byte === pad);
  return wellPadded ? plain.subarray(0, plain.length - pad) : plain;
}

function padded(password: Uint8Array): Buffer {
  return Buffer.concat([password.subarray(0, 32), PASSWORD_PADDING]).subarray(0, 32);
}

function md5(...parts: Uint8Array[]): Buffer {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function sha(algorithm: 'sha256' | 'sha384' | 'sha512', ...parts: Uint8Array[]): Buffer {
  const hash = createHash(algorithm);
  for (const part of parts) hash.update(part);
  return hash.digest();
}
