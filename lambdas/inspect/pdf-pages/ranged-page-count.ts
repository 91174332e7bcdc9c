import { inflateSync } from 'node:zlib';
import { PDFArray, PDFContext, PDFDict, PDFName, PDFNumber, PDFObjectParser, PDFRef, type PDFObject } from 'pdf-lib';
import { MAX_PDF_STREAM_BYTES } from '../count-pages';

/** Bytes `start`..`end` (inclusive) of the PDF. */
export type RangeReader = (start: number, end: number) => Promise<Uint8Array>;

export interface RangedBudget {
  /** Bytes fetched, all requests together. */
  maxBytes: number;
  /** Ranged requests. */
  maxRequests: number;
  /** Wall time, checked before each round of requests. */
  maxMillis: number;
  /** Bytes unpacked from cross-reference and object streams (the whole-file count's bound). */
  maxUnpackedBytes: number;
}

/**
 * What counting a PDF through ranged reads may cost. A PDF written with cross-reference streams
 * costs a few requests and tens of kilobytes whatever its size; a classic table costs 20 bytes per
 * object. 8 MiB holds the table of ~400,000 objects; 200 requests of at most 16 KiB each (or one
 * run of adjacent blocks) cover the page tree of ordinary documents; 10 s is far beyond what an
 * honest file needs (a few round trips) and far below the metadata Lambda's timeout. Past any of
 * them the count gives up, and processing falls back to the whole-file count or to no count.
 */
export const RANGED_BUDGET: RangedBudget = {
  maxBytes: 8 * 1024 * 1024,
  maxRequests: 200,
  maxMillis: 10_000,
  maxUnpackedBytes: MAX_PDF_STREAM_BYTES,
};

/** The page count, or why the ranged read could not decide it (the whole-file count may still). */
export type RangedCount = { pages: number; bytesRead: number; requests: number } | { undecided: string; bytesRead: number; requests: number };

/** Reads are made in blocks of this size (aligned), adjacent missing blocks in one request. */
const BLOCK = 16 * 1024;
/** An object's dictionary is parsed from a window this large, doubled while it does not fit, up to the maximum. */
const WINDOW = 4 * 1024;
const MAX_WINDOW = 1024 * 1024;
/** Cross-reference entries kept, all sections together (a 20,000-page document has ~60,000 objects). */
const MAX_XREF_ENTRIES = 1_000_000;
/** Cross-reference sections followed through /Prev and /XRefStm. */
const MAX_SECTIONS = 64;
/** Page tree levels walked (real trees are a handful deep). */
const MAX_DEPTH = 64;
/** Parallel requests in a round. */
const PARALLEL = 4;

/** Thrown inside the count: the PDF cannot be counted this way, for the reason given. */
class Undecided extends Error {}
const undecided = (why: string): never => {
  throw new Undecided(why);
};

type Entry = { at: number } | { inStream: number } | 'free';

interface ObjectStream {
  /** Offset of each object's text in `data`, by object number. */
  offsets: Map<number, number>;
  data: Uint8Array;
}

const TYPE = PDFName.of('Type');
const PAGES = PDFName.of('Pages');
const PAGE = PDFName.of('Page');
const KIDS = PDFName.of('Kids');
const ROOT = PDFName.of('Root');
const PREV = PDFName.of('Prev');
const XREF_STM = PDFName.of('XRefStm');
const ENCRYPT = PDFName.of('Encrypt');
const LENGTH = PDFName.of('Length');
const FILTER = PDFName.of('Filter');
const FLATE = PDFName.of('FlateDecode');
const DECODE_PARMS = PDFName.of('DecodeParms');
const XREF = PDFName.of('XRef');
const OBJ_STM = PDFName.of('ObjStm');

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/**
 * Pages of a PDF of `size` bytes, counted by reading only its tail (startxref), its cross-reference
 * sections (tables or streams, newest first through /Prev, hybrid files' /XRefStm too), the catalog
 * and the page tree nodes, located by the cross-reference offsets (objects inside object streams by
 * reading that stream). It walks the page tree to its leaves (a lying /Count does not fool it) and
 * refuses cycles and nodes met twice. Anything it cannot follow (a damaged or truncated file, an
 * encrypted one, filters other than Flate, budgets exceeded) leaves it undecided with a reason: it
 * never guesses. It trusts the cross-reference offsets, which the whole-file count does not need.
 */
export async function countPagesByRanges(read: RangeReader, size: number, budget: RangedBudget = RANGED_BUDGET): Promise<RangedCount> {
  const reader = new BlockReader(read, size, budget);
  try {
    const pages = await new PageCounter(reader, size, budget).count();
    return { pages, bytesRead: reader.bytesRead, requests: reader.requests };
  } catch (error) {
    if (error instanceof Undecided) return { undecided: error.message, bytesRead: reader.bytesRead, requests: reader.requests };
    throw error;
  }
}

/** Reads through fixed, aligned blocks, kept for the whole count, on the budget. */
class BlockReader {
  bytesRead = 0;
  requests = 0;
  private readonly blocks = new Map<number, Uint8Array>();
  private readonly started = Date.now();

  constructor(
    private readonly read: RangeReader,
    readonly size: number,
    private readonly budget: RangedBudget,
  ) {}

  /** Makes the bytes of every range [start, end) available, in as few requests as adjacent blocks allow. */
  async ensure(ranges: [number, number][]): Promise<void> {
    const wanted = new Set<number>();
    for (const [start, end] of ranges) {
      if (start < 0 || start >= this.size || end <= start) undecided(`A cross-reference offset (${start}) is outside the file (${this.size} bytes).`);
      for (let b = Math.floor(start / BLOCK); b * BLOCK < Math.min(end, this.size); b++) if (!this.blocks.has(b)) wanted.add(b);
    }
    const sorted = [...wanted].sort((a, b) => a - b);
    const runs: [number, number][] = [];
    for (const b of sorted) {
      const last = runs.at(-1);
      if (last && last[1] === b - 1) last[1] = b;
      else runs.push([b, b]);
    }
    if (Date.now() - this.started > this.budget.maxMillis) undecided(`Counting took more than ${this.budget.maxMillis / 1000} s.`);
    if (this.requests + runs.length > this.budget.maxRequests) undecided(`Counting needs more than ${this.budget.maxRequests} ranged reads.`);
    const bytes = runs.reduce((sum, [first, last]) => sum + Math.min((last + 1) * BLOCK, this.size) - first * BLOCK, 0);
    if (this.bytesRead + bytes > this.budget.maxBytes) undecided(`Counting needs more than ${this.budget.maxBytes / 1024 / 1024} MiB of ranged reads.`);
    this.requests += runs.length;
    this.bytesRead += bytes;
    for (let i = 0; i < runs.length; i += PARALLEL) {
      await Promise.all(
        runs.slice(i, i + PARALLEL).map(async ([first, last]) => {
          const start = first * BLOCK;
          const end = Math.min((last + 1) * BLOCK, this.size);
          const got = await this.read(start, end - 1);
          if (got.length !== end - start) undecided(`A ranged read of bytes ${start}-${end - 1} answered ${got.length} bytes: the object is not the size it was said to be.`);
          for (let b = first; b <= last; b++) this.blocks.set(b, got.subarray((b - first) * BLOCK, (b - first + 1) * BLOCK));
        }),
      );
    }
  }

  /** Bytes [start, end) (clipped to the file), all of them ensured before. */
  bytes(start: number, end: number): Uint8Array {
    end = Math.min(end, this.size);
    const out = new Uint8Array(Math.max(0, end - start));
    for (let at = start; at < end; ) {
      const b = Math.floor(at / BLOCK);
      const block = this.blocks.get(b);
      if (!block) throw new Error(`Bytes at ${at} were not read.`);
      const from = at - b * BLOCK;
      const n = Math.min(block.length - from, end - at);
      out.set(block.subarray(from, from + n), at - start);
      at += n;
    }
    return out;
  }
}

class PageCounter {
  private readonly context = PDFContext.create();
  private readonly entries = new Map<number, Entry>();
  private readonly objectStreams = new Map<number, ObjectStream>();
  private readonly parsed = new Map<number, PDFObject>();
  private unpacked = 0;
  private root: PDFObject | undefined;

  constructor(
    private readonly reader: BlockReader,
    private readonly size: number,
    private readonly budget: RangedBudget,
  ) {}

  async count(): Promise<number> {
    await this.readCrossReferences(await this.startXref());
    const root = this.root;
    if (!(root instanceof PDFRef)) return undecided('The trailer names no document catalog.');
    const [catalog] = await this.resolveAll([root]);
    if (!(catalog instanceof PDFDict)) return undecided('The document catalog is not a dictionary.');
    return this.countLeaves(catalog.get(PAGES));
  }

  /** The offset `startxref` names, in the last kilobyte, which must end the file with %%EOF as a complete one does. */
  private async startXref(): Promise<number> {
    const from = Math.max(0, this.size - 1024);
    await this.reader.ensure([[from, this.size]]);
    const tail = latin1(this.reader.bytes(from, this.size));
    if (!tail.includes('%%EOF')) undecided('The PDF has no %%EOF end marker: it may be truncated.');
    const match = /startxref\s+(\d+)\s+%%EOF(?![\s\S]*startxref)/.exec(tail);
    if (!match) undecided('The PDF ends with no startxref offset.');
    return Number(match![1]);
  }

  /** Reads every cross-reference section from the newest: the first entry seen for an object wins. */
  private async readCrossReferences(newest: number): Promise<void> {
    const visited = new Set<number>();
    const pending = [newest];
    while (pending.length > 0) {
      const offset = pending.shift() as number;
      if (visited.has(offset)) undecided('The cross-reference sections refer to each other in a loop.');
      if (visited.size >= MAX_SECTIONS) undecided(`The PDF has more than ${MAX_SECTIONS} cross-reference sections.`);
      visited.add(offset);
      const window = await this.window(offset, WINDOW);
      const trailer = /^\s*xref\b/.test(latin1(window.subarray(0, 16))) ? await this.readTable(offset) : await this.readXrefStream(offset);
      if (trailer.has(ENCRYPT)) undecided('The PDF is encrypted.');
      this.root ??= trailer.get(ROOT);
      // A hybrid file's table section is completed by its cross-reference stream, before older sections.
      const stream = trailer.get(XREF_STM);
      const prev = trailer.get(PREV);
      if (stream instanceof PDFNumber) pending.unshift(stream.asNumber());
      if (prev instanceof PDFNumber) pending.push(prev.asNumber());
    }
  }

  private add(objectNumber: number, entry: Entry) {
    if (this.entries.has(objectNumber)) return;
    if (this.entries.size >= MAX_XREF_ENTRIES) undecided(`The PDF has more than ${MAX_XREF_ENTRIES} cross-reference entries.`);
    this.entries.set(objectNumber, entry);
  }

  /** A classic table: subsections of 20-byte lines, then `trailer << … >>`. */
  private async readTable(offset: number): Promise<PDFDict> {
    let at = offset + latin1(this.reader.bytes(offset, offset + 16)).indexOf('xref') + 4;
    for (;;) {
      const head = latin1(await this.window(at, 64));
      const subsection = /^\s*(\d+)\s+(\d+)[ \t]*\r?\n?/.exec(head);
      if (!subsection) {
        const trailer = /^\s*trailer\s*/.exec(head);
        if (!trailer) undecided(`The cross-reference table at ${offset} is damaged.`);
        const dict = this.parse(await this.window(at + trailer![0].length, WINDOW), at);
        if (!(dict instanceof PDFDict)) undecided(`The cross-reference table at ${offset} has no trailer dictionary.`);
        return dict as PDFDict;
      }
      const first = Number(subsection[1]);
      const count = Number(subsection[2]);
      at += subsection[0].length;
      if (count > MAX_XREF_ENTRIES) undecided(`The PDF has more than ${MAX_XREF_ENTRIES} cross-reference entries.`);
      // Entries are 20 bytes each; some writers end lines with one byte only, which the match below tolerates.
      await this.reader.ensure([[at, Math.min(this.size, at + count * 20 + 1)]]);
      const text = latin1(this.reader.bytes(at, at + count * 20 + 1));
      const line = /^\s*(\d{1,10}) (\d{1,5}) ([nf])[ \t]*\r?\n?/;
      let position = 0;
      for (let i = 0; i < count; i++) {
        const found = line.exec(text.slice(position, position + 24));
        if (!found) undecided(`The cross-reference table at ${offset} is damaged.`);
        position += found![0].length;
        this.add(first + i, found![3] === 'n' ? { at: Number(found![1]) } : 'free');
      }
      at += position;
    }
  }

  /** A cross-reference stream: rows of /W-sized big-endian fields (offsets may pass 4 GiB). */
  private async readXrefStream(offset: number): Promise<PDFDict> {
    const { object, data } = await this.streamAt(offset);
    if (object.get(TYPE) !== XREF) undecided(`The cross-reference offset ${offset} points to no cross-reference table or stream.`);
    const widths = numbers(object.get(PDFName.of('W')));
    const sizeEntry = object.get(PDFName.of('Size'));
    const index = object.has(PDFName.of('Index')) ? numbers(object.get(PDFName.of('Index'))) : [0, sizeEntry instanceof PDFNumber ? sizeEntry.asNumber() : -1];
    if (widths.length !== 3 || widths.some((w) => w < 0 || w > 8) || index.length % 2 !== 0 || index.some((n) => n < 0)) {
      undecided(`The cross-reference stream at ${offset} is damaged.`);
    }
    const row = widths[0]! + widths[1]! + widths[2]!;
    let at = 0;
    const field = (width: number, missing: number) => {
      if (width === 0) return missing;
      let value = 0;
      for (let i = 0; i < width; i++) value = value * 256 + data[at++]!;
      return value;
    };
    for (let s = 0; s < index.length; s += 2) {
      for (let i = 0; i < index[s + 1]!; i++) {
        if (at + row > data.length) undecided(`The cross-reference stream at ${offset} is shorter than its entries.`);
        const type = field(widths[0]!, 1);
        const second = field(widths[1]!, 0);
        field(widths[2]!, 0);
        this.add(index[s]! + i, type === 1 ? { at: second } : type === 2 ? { inStream: second } : 'free');
      }
    }
    return object;
  }

  /** At least `length` bytes from `offset` (fewer at the end of the file). */
  private async window(offset: number, length: number): Promise<Uint8Array> {
    await this.reader.ensure([[offset, offset + length]]);
    return this.reader.bytes(offset, offset + length);
  }

  /** One object's value from `bytes`; `at` names where, for messages. */
  private parse(bytes: Uint8Array, at: number): PDFObject {
    try {
      return PDFObjectParser.forBytes(bytes, this.context).parseObject();
    } catch {
      return undecided(`The object at ${at} cannot be parsed.`);
    }
  }

  /**
   * The indirect object at `offset`, read through a window that grows until it holds the object's
   * dictionary. For a stream, where its data starts.
   */
  private async objectAt(offset: number, expected?: number): Promise<{ object: PDFObject; dataStart?: number }> {
    for (let length = WINDOW; ; length *= 2) {
      const bytes = await this.window(offset, length);
      const header = /^\s*(\d+)\s+(\d+)\s+obj\b/.exec(latin1(bytes.subarray(0, 64)));
      if (!header) undecided(`The cross-reference offset ${offset} points to no object.`);
      if (expected !== undefined && Number(header![1]) !== expected) undecided(`Object ${expected} is not at its cross-reference offset (${offset}).`);
      const parser = PDFObjectParser.forBytes(bytes.subarray(header![0].length), this.context) as unknown as ParserInternals;
      try {
        parser.skipWhitespaceAndComments();
        const isDict = parser.bytes.peek() === 0x3c && parser.bytes.peekAhead(1) === 0x3c;
        const object = isDict ? parser.parseDict() : parser.parseObject();
        const after = header![0].length + parser.bytes.offset();
        const rest = latin1(bytes.subarray(after, after + 32));
        const stream = /^\s*stream(\r\n|\n|\r)/.exec(rest);
        if (!isDict || !stream) return { object };
        // Keywords are cut only by the window's end: data can start past it.
        return { object, dataStart: offset + after + stream[0].length };
      } catch (error) {
        if (error instanceof Undecided) throw error;
        if (length >= MAX_WINDOW || offset + length >= this.size) undecided(`The object at ${offset} cannot be parsed.`);
      }
    }
  }

  /** The stream object at `offset`, its data read and unpacked (Flate, with or without a PNG predictor, or none). */
  private async streamAt(offset: number, expected?: number): Promise<{ object: PDFDict; data: Uint8Array }> {
    const { object, dataStart } = await this.objectAt(offset, expected);
    if (!(object instanceof PDFDict) || dataStart === undefined) undecided(`The object at ${offset} is not a stream.`);
    const dict = object as PDFDict;
    let length = dict.get(LENGTH);
    if (length instanceof PDFRef) length = (await this.resolveAll([length]))[0];
    if (!(length instanceof PDFNumber) || length.asNumber() < 0) undecided(`The stream at ${offset} has no length.`);
    const end = dataStart! + (length as PDFNumber).asNumber();
    if (end > this.size) undecided(`The stream at ${offset} runs past the end of the file.`);
    await this.reader.ensure(end > dataStart! ? [[dataStart!, end]] : []);
    const data = this.unpack(dict, this.reader.bytes(dataStart!, end), offset);
    return { object: dict, data };
  }

  private unpack(dict: PDFDict, raw: Uint8Array, offset: number): Uint8Array {
    const filter = dict.get(FILTER);
    const filters = filter instanceof PDFArray ? filter.asArray() : filter === undefined ? [] : [filter];
    if (filters.length === 0) return this.spend(raw);
    if (filters.length > 1 || filters[0] !== FLATE) undecided(`The stream at ${offset} uses a filter other than FlateDecode.`);
    let data: Uint8Array;
    try {
      data = inflateSync(raw, { maxOutputLength: Math.max(1, this.budget.maxUnpackedBytes - this.unpacked + 1) });
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') undecided(`The PDF's streams unpack to more than ${this.budget.maxUnpackedBytes / 1024 / 1024} MB.`);
      return undecided(`The stream at ${offset} cannot be unpacked.`);
    }
    this.spend(data);
    let parms = dict.get(DECODE_PARMS);
    if (parms instanceof PDFArray) parms = parms.get(0);
    return parms instanceof PDFDict ? unpredict(data, parms, offset) : data;
  }

  private spend(data: Uint8Array): Uint8Array {
    this.unpacked += data.length;
    if (this.unpacked > this.budget.maxUnpackedBytes) undecided(`The PDF's streams unpack to more than ${this.budget.maxUnpackedBytes / 1024 / 1024} MB.`);
    return data;
  }

  /**
   * The objects `refs` name, read together: the windows of objects at offsets in one round of
   * requests, the object streams holding the others in another.
   */
  private async resolveAll(refs: PDFRef[]): Promise<(PDFObject | undefined)[]> {
    const entryOf = (ref: PDFRef) => this.entries.get(ref.objectNumber);
    const streams = new Set<number>();
    const direct: [number, number][] = [];
    for (const ref of refs) {
      const entry = entryOf(ref);
      if (entry === undefined || entry === 'free' || this.parsed.has(ref.objectNumber)) continue;
      if ('inStream' in entry) {
        if (!this.objectStreams.has(entry.inStream)) streams.add(entry.inStream);
      } else direct.push([entry.at, entry.at + WINDOW]);
    }
    const streamOffsets: [number, number][] = [];
    for (const s of streams) {
      const entry = this.entries.get(s);
      if (entry === undefined || entry === 'free' || 'inStream' in entry) undecided(`Object stream ${s} is not in the cross-reference sections.`);
      streamOffsets.push([(entry as { at: number }).at, s]);
    }
    await this.reader.ensure([...direct, ...streamOffsets.map(([at]): [number, number] => [at, at + WINDOW])]);
    // Their data: one more round (streamAt finds each already read when adjacent).
    await Promise.all(streamOffsets.map(([at, s]) => this.loadObjectStream(at, s)));
    const out: (PDFObject | undefined)[] = [];
    for (const ref of refs) out.push(await this.resolve(ref));
    return out;
  }

  private async loadObjectStream(offset: number, objectNumber: number): Promise<void> {
    if (this.objectStreams.has(objectNumber)) return;
    const { object, data } = await this.streamAt(offset, objectNumber);
    const n = object.get(PDFName.of('N'));
    const first = object.get(PDFName.of('First'));
    if (object.get(TYPE) !== OBJ_STM || !(n instanceof PDFNumber) || !(first instanceof PDFNumber)) undecided(`Object ${objectNumber} is not an object stream.`);
    const header = latin1(data.subarray(0, (first as PDFNumber).asNumber())).trim().split(/\s+/).map(Number);
    const count = (n as PDFNumber).asNumber();
    if (header.length < 2 * count || header.some((x) => !Number.isSafeInteger(x))) undecided(`Object stream ${objectNumber} is damaged.`);
    const offsets = new Map<number, number>();
    for (let i = 0; i < count; i++) offsets.set(header[2 * i]!, (first as PDFNumber).asNumber() + header[2 * i + 1]!);
    this.objectStreams.set(objectNumber, { offsets, data });
  }

  /** One object, its window or object stream read before. Undefined for a free or unknown one (a reader takes it as null). */
  private async resolve(ref: PDFRef): Promise<PDFObject | undefined> {
    const known = this.parsed.get(ref.objectNumber);
    if (known) return known;
    const entry = this.entries.get(ref.objectNumber);
    if (entry === undefined || entry === 'free') return undefined;
    let object: PDFObject;
    if ('inStream' in entry) {
      const stream = this.objectStreams.get(entry.inStream);
      const at = stream?.offsets.get(ref.objectNumber);
      if (!stream || at === undefined || at >= stream.data.length) return undecided(`Object ${ref.objectNumber} is not in its object stream.`);
      object = this.parse(stream.data.subarray(at), at);
    } else {
      object = (await this.objectAt(entry.at, ref.objectNumber)).object;
    }
    this.parsed.set(ref.objectNumber, object);
    return object;
  }

  /**
   * Leaves of the page tree, level by level (each level's nodes read together). A node is an
   * intermediate one if it says `/Type /Pages`, or has `/Kids` and does not say it is a page; as
   * in the whole-file count.
   */
  private async countLeaves(top: PDFObject | undefined): Promise<number> {
    const seen = new Set<PDFDict>();
    let level: (PDFObject | undefined)[] = [top];
    let pages = 0;
    for (let depth = 0; level.length > 0; depth++) {
      if (depth > MAX_DEPTH) undecided(`The page tree is more than ${MAX_DEPTH} levels deep.`);
      const refs = level.filter((e): e is PDFRef => e instanceof PDFRef);
      await this.resolveAll(refs);
      const next: (PDFObject | undefined)[] = [];
      for (const entry of level) {
        const node = entry instanceof PDFRef ? await this.resolve(entry) : entry;
        if (!(node instanceof PDFDict)) undecided('The page tree refers to something missing or that is not a page.');
        // Objects are parsed once (by object number): a node met twice is the same dictionary.
        const dict = node as PDFDict;
        if (seen.has(dict)) undecided('The page tree contains a page or node twice (or itself).');
        seen.add(dict);
        const type = dict.get(TYPE);
        let kids = dict.get(KIDS);
        if (kids instanceof PDFRef) kids = (await this.resolveAll([kids]))[0];
        if (type === PAGES || (type !== PAGE && kids !== undefined)) {
          if (!(kids instanceof PDFArray)) undecided('A node of the page tree has no list of kids.');
          next.push(...(kids as PDFArray).asArray());
        } else {
          pages++;
        }
      }
      level = next;
    }
    if (pages === 0) undecided('The page tree has no pages.');
    return pages;
  }
}

interface ParserInternals {
  bytes: { peek(): number; peekAhead(n: number): number; offset(): number };
  skipWhitespaceAndComments(): void;
  parseDict(): PDFDict;
  parseObject(): PDFObject;
}

function numbers(value: PDFObject | undefined): number[] {
  if (!(value instanceof PDFArray)) return [];
  return value.asArray().map((n) => (n instanceof PDFNumber ? n.asNumber() : -1));
}

/** Undoes a PNG predictor (/Predictor 10-15), as cross-reference streams commonly use. */
function unpredict(data: Uint8Array, parms: PDFDict, offset: number): Uint8Array {
  const number = (name: string, missing: number) => {
    const value = parms.get(PDFName.of(name));
    return value instanceof PDFNumber ? value.asNumber() : missing;
  };
  const predictor = number('Predictor', 1);
  if (predictor === 1) return data;
  if (predictor < 10) undecided(`The stream at ${offset} uses a TIFF predictor.`);
  const colors = number('Colors', 1);
  const bits = number('BitsPerComponent', 8);
  const columns = number('Columns', 1);
  const bpp = Math.max(1, Math.ceil((colors * bits) / 8));
  const rowLength = Math.ceil((colors * bits * columns) / 8);
  if (rowLength <= 0) undecided(`The stream at ${offset} has a bad predictor.`);
  const rows = Math.floor(data.length / (rowLength + 1));
  const out = new Uint8Array(rows * rowLength);
  for (let r = 0; r < rows; r++) {
    const kind = data[r * (rowLength + 1)];
    const input = data.subarray(r * (rowLength + 1) + 1, (r + 1) * (rowLength + 1));
    const row = r * rowLength;
    for (let i = 0; i < rowLength; i++) {
      const left = i >= bpp ? out[row + i - bpp]! : 0;
      const up = r > 0 ? out[row - rowLength + i]! : 0;
      const upLeft = r > 0 && i >= bpp ? out[row - rowLength + i - bpp]! : 0;
      const x = input[i]!;
      let value: number;
      if (kind === 0) value = x;
      else if (kind === 1) value = x + left;
      else if (kind === 2) value = x + up;
      else if (kind === 3) value = x + ((left + up) >> 1);
      else if (kind === 4) {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        value = x + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
      } else return undecided(`The stream at ${offset} has a bad predictor row.`);
      out[row + i] = value & 0xff;
    }
  }
  return out;
}
