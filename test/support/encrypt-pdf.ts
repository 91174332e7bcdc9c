import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFRawStream, PDFRef, PDFString, type PDFObject } from 'pdf-lib';
import { fileKeyR2R4, objectKey, passwordHash, PASSWORD_PADDING, rc4, rc4Rounds, userCheckR2R4 } from '../../lambdas/inspect/pdf-encryption';

/**
 * Encrypts PDFs with the Standard security handler, as a writer of encrypted PDFs does, for tests of
 * readers. It shares the key derivations with the reader it tests (lambdas/inspect/pdf-encryption.ts):
 * the files it writes are checked with pdf.js (test/support/pdfjs-open.mjs), which proves both.
 */

export type Cipher = 'rc4-40' | 'rc4-128' | 'aes-128' | 'aes-256' | 'aes-256-r5';

export interface EncryptOptions {
  cipher: Cipher;
  /** Empty (the default): encrypted with an owner password only, which any reader opens. */
  userPassword?: string;
  ownerPassword?: string;
  /** Non-stream objects in object streams, with a cross-reference stream (else a classic xref table). */
  useObjectStreams?: boolean;
  /** The encryption dictionary inline in the trailer instead of an object of its own. */
  inlineEncryptDictionary?: boolean;
  /** /EncryptMetadata false (R 4 and up): part of the file key. */
  encryptMetadata?: boolean;
  /** Streams left as they are, with the /Identity crypt filter (AES only: V 4 and 5 have crypt filters); strings are still encrypted. */
  identityStreams?: boolean;
}

/** What the per-cipher dictionary entries and keys are. */
interface Handler {
  fileKey: Buffer;
  entries: string;
  encrypt(ref: PDFRef, data: Uint8Array): Buffer;
  encryptStream(ref: PDFRef, data: Uint8Array): Uint8Array;
}

/**
 * `plain` (any PDF pdf-lib reads, itself not encrypted) encrypted: every string and stream with its
 * object's key, written anew with an /Encrypt dictionary and an /ID.
 */
export async function encryptPdf(plain: Uint8Array, options: EncryptOptions): Promise<Buffer> {
  const doc = await PDFDocument.load(plain, { updateMetadata: false });
  const { context } = doc;
  const id = createHash('md5').update(plain).digest();
  const handler = handlerFor(options, id);

  const objects = context.enumerateIndirectObjects().sort(([a], [b]) => a.objectNumber - b.objectNumber);
  const packed = new Set(options.useObjectStreams ? objects.filter(([ref, object]) => !(object instanceof PDFRawStream) && ref.generationNumber === 0).map(([ref]) => ref) : []);
  for (const [ref, object] of objects) {
    // Strings in an object stream are not encrypted on their own: the whole stream is (ISO 32000-2, 7.5.7).
    if (!packed.has(ref)) encryptStrings(object, (data) => handler.encrypt(ref, data));
    if (object instanceof PDFRawStream) {
      const isMetadata = object.dict.get(PDFName.of('Type')) === PDFName.of('Metadata');
      if (isMetadata && options.encryptMetadata === false) continue;
      const encrypted = handler.encryptStream(ref, object.contents);
      object.dict.set(PDFName.of('Length'), PDFNumber.of(encrypted.length));
      (object as { contents: Uint8Array }).contents = encrypted;
    }
  }

  const writer = new Writer();
  let next = context.largestObjectNumber + 1;
  let encryptEntry = `<< ${handler.entries} >>`;
  if (!options.inlineEncryptDictionary) {
    const encryptRef = PDFRef.of(next++);
    writer.object(encryptRef, encryptEntry);
    encryptEntry = encryptRef.toString();
  }
  const trailer = `/Root ${context.trailerInfo.Root!.toString()} ${context.trailerInfo.Info ? `/Info ${context.trailerInfo.Info.toString()}` : ''} /Encrypt ${encryptEntry} /ID [<${id.toString('hex')}> <${id.toString('hex')}>]`;

  if (!options.useObjectStreams) {
    for (const [ref, object] of objects) writer.object(ref, object);
    return writer.finishWithTable(trailer);
  }
  const packable = objects.filter(([ref]) => packed.has(ref));
  for (const [ref, object] of objects) if (!packed.has(ref)) writer.object(ref, object);
  // 50 objects to a stream, as pdf-lib does: several streams, each with a key of its own.
  for (let first = 0; first < packable.length; first += 50) {
    const streamRef = PDFRef.of(next++);
    const group = packable.slice(first, first + 50);
    const bodies = group.map(([, object]) => `${object.toString()}\n`);
    let offset = 0;
    const index = group.map(([ref], i) => {
      const entry = `${ref.objectNumber} ${offset}`;
      offset += bodies[i]!.length;
      return entry;
    });
    const head = `${index.join(' ')}\n`;
    const data = handler.encryptStream(streamRef, deflateSync(Buffer.from(head + bodies.join(''), 'latin1')));
    writer.stream(streamRef, `/Type /ObjStm /N ${group.length} /First ${head.length} /Filter /FlateDecode /Length ${data.length}`, data);
    group.forEach(([ref], i) => writer.compressed(ref, streamRef, i));
  }
  return writer.finishWithStream(PDFRef.of(next), trailer);
}

function handlerFor(options: EncryptOptions, id: Buffer): Handler {
  const user = Buffer.from(options.userPassword ?? '', 'utf8');
  const owner = Buffer.from(options.ownerPassword ?? 'owner password', 'utf8');
  const p = -3904; // print, copy, fill forms... as some writers set; its value only enters the key
  const encryptMetadata = options.encryptMetadata ?? true;
  const metadataEntry = encryptMetadata ? '' : '/EncryptMetadata false';
  if (options.identityStreams && !options.cipher.startsWith('aes')) throw new Error('Only AES encryption (V 4 and 5) has crypt filters.');
  const streamFilter = options.identityStreams ? '/Identity' : '/StdCF';
  const withStreams = (handler: Omit<Handler, 'encryptStream'>): Handler => ({
    ...handler,
    encryptStream: (ref, data) => (options.identityStreams ? data : handler.encrypt(ref, data)),
  });
  switch (options.cipher) {
    case 'rc4-40':
    case 'rc4-128':
    case 'aes-128': {
      const [v, r, keyLength] = options.cipher === 'rc4-40' ? [1, 2, 5] : options.cipher === 'rc4-128' ? [2, 3, 16] : [4, 4, 16];
      const o = ownerEntryR2R4(owner, user, r, keyLength);
      const fileKey = fileKeyR2R4(user, { r, keyLength, o, p, encryptMetadata, id });
      const check = userCheckR2R4(fileKey, r, id);
      const u = r === 2 ? check : Buffer.concat([check.subarray(0, 16), randomBytes(16)]);
      const aes = options.cipher === 'aes-128';
      const filters = aes ? `/CF << /StdCF << /AuthEvent /DocOpen /CFM /AESV2 /Length 16 >> >> /StmF ${streamFilter} /StrF /StdCF` : '';
      return withStreams({
        fileKey,
        entries: `/Filter /Standard /V ${v} /R ${r} /Length ${keyLength * 8} ${filters} /O <${o.toString('hex')}> /U <${u.toString('hex')}> /P ${p} ${metadataEntry}`,
        encrypt: (ref, data) => (aes ? aesEncrypt(objectKey(fileKey, ref.objectNumber, ref.generationNumber, true), data) : rc4(objectKey(fileKey, ref.objectNumber, ref.generationNumber, false), data)),
      });
    }
    case 'aes-256':
    case 'aes-256-r5': {
      const r = options.cipher === 'aes-256' ? 6 : 5;
      const fileKey = randomBytes(32);
      const [userValidation, userKeySalt, ownerValidation, ownerKeySalt] = [randomBytes(8), randomBytes(8), randomBytes(8), randomBytes(8)];
      const u = Buffer.concat([passwordHash(r, user, userValidation), userValidation, userKeySalt]);
      const ue = aesNoPadding(passwordHash(r, user, userKeySalt), fileKey);
      const o = Buffer.concat([passwordHash(r, owner, ownerValidation, u), ownerValidation, ownerKeySalt]);
      const oe = aesNoPadding(passwordHash(r, owner, ownerKeySalt, u), fileKey);
      const permissions = Buffer.concat([Buffer.alloc(4), Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from(encryptMetadata ? 'Tadb' : 'Fadb', 'latin1'), randomBytes(4)]);
      permissions.writeInt32LE(p);
      const perms = createCipheriv('aes-256-ecb', fileKey, null).setAutoPadding(false).update(permissions);
      return withStreams({
        fileKey,
        entries:
          `/Filter /Standard /V 5 /R ${r} /Length 256 /CF << /StdCF << /AuthEvent /DocOpen /CFM /AESV3 /Length 32 >> >> /StmF ${streamFilter} /StrF /StdCF ` +
          `/O <${o.toString('hex')}> /U <${u.toString('hex')}> /OE <${oe.toString('hex')}> /UE <${ue.toString('hex')}> /Perms <${perms.toString('hex')}> /P ${p} ${metadataEntry}`,
        encrypt: (_ref, data) => aesEncrypt(fileKey, data),
      });
    }
  }
}

/** Algorithm 3: /O for R 2 to 4, the user password's padded form encrypted with a key from the owner password. */
function ownerEntryR2R4(owner: Buffer, user: Buffer, r: number, keyLength: number): Buffer {
  const pad = (password: Buffer) => Buffer.concat([password.subarray(0, 32), PASSWORD_PADDING]).subarray(0, 32);
  let hash = createHash('md5').update(pad(owner)).digest();
  if (r >= 3) for (let i = 0; i < 50; i++) hash = createHash('md5').update(hash).digest();
  const key = hash.subarray(0, r === 2 ? 5 : keyLength);
  return r === 2 ? rc4(key, pad(user)) : rc4Rounds(key, pad(user));
}

function aesEncrypt(key: Buffer, data: Uint8Array): Buffer {
  const iv = randomBytes(16);
  const cipher = createCipheriv(key.length === 32 ? 'aes-256-cbc' : 'aes-128-cbc', key, iv);
  return Buffer.concat([iv, cipher.update(data), cipher.final()]);
}

function aesNoPadding(key: Buffer, data: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-cbc', key, Buffer.alloc(16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** Replaces every string in `object` (in its dictionaries and arrays, at any depth) with its encryption. */
function encryptStrings(object: PDFObject, encrypt: (data: Uint8Array) => Buffer): void {
  const encrypted = (value: PDFObject) =>
    value instanceof PDFString || value instanceof PDFHexString ? PDFHexString.of(encrypt(value.asBytes()).toString('hex')) : (encryptStrings(value, encrypt), value);
  const dict = object instanceof PDFRawStream ? object.dict : object;
  if (dict instanceof PDFDict) for (const [key, value] of dict.entries()) dict.set(key, encrypted(value));
  if (dict instanceof PDFArray) for (let i = 0; i < dict.size(); i++) dict.set(i, encrypted(dict.get(i)));
}

/** Writes objects and a cross-reference section that points at them. */
class Writer {
  private readonly parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  private length = this.parts[0]!.length;
  /** Object number → [type, field 2, field 3], as a cross-reference stream has them. */
  private readonly entries = new Map<number, [number, number, number]>();

  object(ref: PDFRef, object: PDFObject | string): void {
    if (object instanceof PDFRawStream) return this.stream(ref, object.dict.toString(), object.contents);
    this.entries.set(ref.objectNumber, [1, this.length, ref.generationNumber]);
    this.write(`${ref.objectNumber} ${ref.generationNumber} obj\n${object.toString()}\nendobj\n`);
  }

  stream(ref: PDFRef, dict: string, data: Uint8Array): void {
    this.entries.set(ref.objectNumber, [1, this.length, ref.generationNumber]);
    this.write(`${ref.objectNumber} ${ref.generationNumber} obj\n${dict.startsWith('<<') ? dict : `<< ${dict} >>`}\nstream\n`);
    this.write(data);
    this.write('\nendstream\nendobj\n');
  }

  compressed(ref: PDFRef, stream: PDFRef, index: number): void {
    this.entries.set(ref.objectNumber, [2, stream.objectNumber, index]);
  }

  finishWithTable(trailer: string): Buffer {
    const size = Math.max(...this.entries.keys()) + 1;
    const at = this.length;
    let table = `xref\n0 ${size}\n`;
    for (let n = 0; n < size; n++) {
      const [type, offset, generation] = this.entries.get(n) ?? [0, 0, 65535];
      table += `${String(offset).padStart(10, '0')} ${String(generation).padStart(5, '0')} ${type === 1 ? 'n' : 'f'} \n`;
    }
    this.write(`${table}trailer\n<< /Size ${size} ${trailer} >>\nstartxref\n${at}\n%%EOF\n`);
    return Buffer.concat(this.parts);
  }

  /** A cross-reference stream, never encrypted, as object `ref`. */
  finishWithStream(ref: PDFRef, trailer: string): Buffer {
    this.entries.set(ref.objectNumber, [1, this.length, 0]);
    const size = Math.max(...this.entries.keys()) + 1;
    const data = Buffer.alloc(size * 7);
    for (let n = 0; n < size; n++) {
      const [type, field2, field3] = this.entries.get(n) ?? [0, 0, 65535];
      data.writeUInt8(type, n * 7);
      data.writeUInt32BE(field2, n * 7 + 1);
      data.writeUInt16BE(field3, n * 7 + 5);
    }
    const at = this.length;
    this.stream(ref, `/Type /XRef /Size ${size} /W [1 4 2] ${trailer} /Length ${data.length}`, data);
    this.write(`startxref\n${at}\n%%EOF\n`);
    return Buffer.concat(this.parts);
  }

  private write(part: string | Uint8Array): void {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part);
    this.parts.push(bytes);
    this.length += bytes.length;
  }
}
