import { createHash } from 'node:crypto';
import { Crc64Nvme } from '@aws-sdk/checksums/crc';
import { listOrderOf, matchesQuery, nameKey, queryFingerprint } from '../../../lambdas/domain/files/file-search';
import { isExpired, isProcessing, type FileChanges, type FileRecord, type ListQuery } from '../../../lambdas/domain/model';
import { BadCursor, ChecksumRefused, NoSuchUpload, ObjectExists, PartsRefused, StaleWrite, type AuditLog, type FileQueries, type FileRepository, type RenditionRecords, type ObjectChecksums, type ObjectMetadata, type ObjectStore, type SettingsRepository, type SignableUploadRequest, type Telemetry, type TenantSettings, type ThumbnailJob } from '../../../lambdas/domain/ports';

/** In-memory ports with the same contract as the DynamoDB and S3 adapters, for domain unit tests. */
export class MemoryRenditionRecords implements RenditionRecords {
  constructor(private readonly files: MemoryFiles) {}
  async record(file: FileRecord, name: string, key: string, keep: string) {
    const stored = this.files.items.get(file.id);
    if (!stored || stored.version !== file.version || JSON.stringify(stored.renditions) !== JSON.stringify(file.renditions)) throw new StaleWrite(`File ${file.id}`);
    stored.renditions = { ...Object.fromEntries(Object.entries(stored.renditions ?? {}).filter(([, k]) => k?.startsWith(keep))), [name]: key };
  }
}

export class MemoryFiles implements FileRepository, FileQueries {
  readonly items = new Map<string, FileRecord>();
  /** When each file with a version in `processing` entered it, as the DynamoDB repository's processing index keeps it. */
  readonly processingSince = new Map<string, Date>();
  /** Expired temporary files read as gone, as the DynamoDB repository's do (before TTL deletes them). */
  constructor(private readonly now: () => Date = () => new Date()) {}
  async create(file: FileRecord) {
    this.items.set(file.id, structuredClone(file));
  }
  async get(id: string) {
    const f = this.items.get(id);
    return f && !isExpired(f, this.now()) ? structuredClone(f) : undefined;
  }
  async update(current: FileRecord, changes: FileChanges, now: Date) {
    const stored = this.items.get(current.id);
    if (!stored || stored.version !== current.version || isExpired(stored, now)) throw new StaleWrite(`File ${current.id}`);
    const next = { ...stored, ...structuredClone(changes), version: stored.version + 1, updatedAt: now.toISOString() };
    this.items.set(current.id, next);
    if (!isProcessing(next)) this.processingSince.delete(current.id);
    else if (!this.processingSince.has(current.id)) this.processingSince.set(current.id, now);
    return structuredClone(next);
  }
  async delete(file: FileRecord) {
    this.items.delete(file.id);
  }
  /** The DynamoDB repository's conditions, order and query-bound cursors, without its read cap. */
  async list(tenantId: string, query: ListQuery) {
    const now = this.now();
    const byName = listOrderOf(query) === 'name';
    // Name order ascending, else newest first: the sort key of each order, compared as strings.
    const position = (f: FileRecord) => (byName ? `${nameKey(f.name)}\u0001${f.createdAt}#${f.id}` : `${f.createdAt}#${f.id}`);
    const after = (a: string, b: string) => (byName ? a > b : a < b);
    const fingerprint = queryFingerprint(query);
    const start = query.cursor === undefined ? undefined : memoryCursor(query.cursor, fingerprint);
    const matching = [...this.items.values()]
      .filter((f) => f.tenantId === tenantId && !isExpired(f, now) && matchesQuery(f, query))
      .filter((f) => start === undefined || after(position(f), start))
      .sort((a, b) => (after(position(a), position(b)) ? 1 : -1));
    const items = matching.slice(0, query.limit);
    const last = items[items.length - 1];
    const nextCursor = matching.length > query.limit && last ? Buffer.from(JSON.stringify({ after: position(last), q: fingerprint })).toString('base64url') : null;
    return { items: items.map((f) => structuredClone(f)), nextCursor };
  }
  async listProcessingSince(before: Date, limit: number) {
    return [...this.processingSince]
      .filter(([, since]) => since < before)
      .slice(0, limit)
      .map(([id, since]) => ({ file: structuredClone(this.items.get(id) as FileRecord), since }));
  }
  async oldestProcessingSince() {
    const since = [...this.processingSince.values()].sort((a, b) => a.getTime() - b.getTime());
    return since[0];
  }
}

function memoryCursor(cursor: string, fingerprint: string): string {
  try {
    const { after, q } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof after === 'string' && q === fingerprint) return after;
  } catch {
    // Not JSON: refused below like any cursor of another query.
  }
  throw new BadCursor('The cursor does not belong to this query.');
}

interface MemoryObject {
  body: Buffer;
  contentType: string;
  metadata: ObjectMetadata;
  checksums: ObjectChecksums;
}

/** What S3 holds for an object uploaded without a checksum it kept (the local emulator; S3 itself adds a CRC-64/NVME it computed). */
export const NO_CHECKSUMS: ObjectChecksums = { sha256: null, crc64nvme: null, type: null };

export class MemoryObjects implements ObjectStore {
  constructor(private readonly now: () => Date = () => new Date()) {}
  readonly objects = new Map<string, MemoryObject>();
  /** What each presignPut call signed, in order. */
  readonly presigned: { key: string; contentType: string; contentLength?: number; checksumSha256?: string; metadata: ObjectMetadata }[] = [];
  /**
   * Stores an object as an upload through a grant would: with the grant's user metadata, and the
   * whole-object checksums S3 verified on the way in (`checksums`; none when not given).
   */
  async put(key: string, body: Uint8Array, contentType = 'application/octet-stream', metadata: ObjectMetadata = {}, checksums: ObjectChecksums = NO_CHECKSUMS) {
    this.objects.set(key, { body: Buffer.from(body), contentType, metadata: { ...metadata }, checksums: { ...checksums } });
  }
  eTagOf(key: string) {
    return createHash('md5')
      .update(this.objects.get(key)?.body ?? '')
      .digest('hex');
  }
  bytesOf(key: string) {
    return this.objects.get(key)?.body;
  }
  async readHead(key: string, length: number) {
    const o = this.objects.get(key);
    return o && { bytes: o.body.subarray(0, length), size: o.body.length, eTag: this.eTagOf(key), metadata: { ...o.metadata }, checksums: { ...o.checksums } };
  }
  async read(key: string) {
    const o = this.objects.get(key);
    // Chunked, as S3 streams it: readers must not rely on one chunk.
    const body = o?.body;
    return (
      body && {
        size: body.length,
        eTag: this.eTagOf(key),
        body: (async function* () {
          for (let i = 0; i < body.length; i += 1000) yield body.subarray(i, i + 1000);
        })(),
      }
    );
  }
  async readRange(key: string, start: number, end: number, eTag: string) {
    const o = this.objects.get(key);
    if (!o) return undefined;
    if (this.eTagOf(key) !== eTag) return 'changed' as const;
    return o.body.subarray(start, end + 1);
  }
  async copy(sourceKey: string, targetKey: string, options: { contentType: string; metadata: ObjectMetadata }) {
    const source = this.objects.get(sourceKey);
    if (!source) return false;
    this.objects.set(targetKey, { body: Buffer.from(source.body), contentType: options.contentType, metadata: { ...options.metadata }, checksums: { ...source.checksums } });
    return true;
  }
  async delete(keys: string[]) {
    keys.forEach((k) => this.objects.delete(k));
  }
  async deleteUnder(prefix: string) {
    for (const key of [...this.objects.keys()]) if (key.startsWith(prefix)) this.objects.delete(key);
  }
  /** S3's DeleteObject with `If-Match: <eTag>`: only the bytes named go. */
  async deleteIfUnchanged(key: string, eTag: string) {
    if (!this.objects.has(key)) return 'missing' as const;
    if (this.eTagOf(key) !== eTag) return 'changed' as const;
    this.objects.delete(key);
    return 'deleted' as const;
  }
  async presignPut(key: string, options: { contentType: string; contentLength?: number; checksumSha256?: string; metadata: ObjectMetadata; expiresIn: number }) {
    const { expiresIn: _expiresIn, ...signed } = options;
    this.presigned.push({ key, ...signed });
    const headers = {
      'Content-Type': options.contentType,
      'If-None-Match': '*',
      ...Object.fromEntries(Object.entries(options.metadata).map(([k, v]) => [`x-amz-meta-${k}`, v])),
      ...(options.checksumSha256 === undefined ? {} : { 'x-amz-checksum-sha256': options.checksumSha256, 'x-amz-sdk-checksum-algorithm': 'SHA256' }),
    };
    return { url: `https://example/${key}`, headers };
  }
  presignGet = async (key: string) => `https://example/${key}`;

  /** What each presignPost call signed, in order. */
  readonly posted: { key: string; contentType: string; minSize: number; maxSize: number; metadata: ObjectMetadata }[] = [];
  async presignPost(key: string, options: { contentType: string; minSize: number; maxSize: number; metadata: ObjectMetadata; expiresIn: number }) {
    const { expiresIn, ...signed } = options;
    this.posted.push({ key, ...signed });
    const expiresAt = new Date(this.now().getTime() + expiresIn * 1000).toISOString();
    return { url: 'https://example/', fields: { key, 'Content-Type': options.contentType, policy: 'p', 'x-amz-signature': 's' }, expiresAt };
  }

  /** Multipart uploads in progress, by upload id, with S3's rules on completion. */
  readonly uploads = new Map<
    string,
    { key: string; contentType: string; metadata: ObjectMetadata; partChecksums: boolean; fullObjectCrc64nvme?: boolean; parts: Map<number, { body: Buffer; checksumSha256: string | null }> }
  >();
  async createMultipartUpload(key: string, options: { contentType: string; metadata: ObjectMetadata; partChecksums: boolean; fullObjectCrc64nvme?: boolean }) {
    const uploadId = `upload-${this.uploads.size + 1}`;
    this.uploads.set(uploadId, { key, ...options, metadata: { ...options.metadata }, parts: new Map() });
    return uploadId;
  }
  /** What a client does with a part URL. */
  uploadPart(key: string, uploadId: string, partNumber: number, body: Uint8Array): string {
    const upload = this.upload(key, uploadId);
    const bytes = Buffer.from(body);
    upload.parts.set(partNumber, { body: bytes, checksumSha256: upload.partChecksums ? createHash('sha256').update(bytes).digest('base64') : null });
    return createHash('md5').update(bytes).digest('hex');
  }
  /** What each presignUploadPart call signed, in order. */
  readonly presignedParts: { key: string; uploadId: string; partNumber: number; size: number }[] = [];
  async presignUploadPart(key: string, uploadId: string, options: { partNumber: number; size: number; checksumSha256?: string; expiresIn: number }) {
    this.upload(key, uploadId);
    this.presignedParts.push({ key, uploadId, partNumber: options.partNumber, size: options.size });
    const headers: Record<string, string> = options.checksumSha256 === undefined ? {} : { 'x-amz-checksum-sha256': options.checksumSha256 };
    return { url: `https://example/${key}?uploadId=${uploadId}&partNumber=${options.partNumber}&size=${options.size}`, headers };
  }
  async listParts(key: string, uploadId: string) {
    const upload = this.upload(key, uploadId);
    return [...upload.parts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([partNumber, part]) => ({ partNumber, size: part.body.length, eTag: createHash('md5').update(part.body).digest('hex'), checksumSha256: part.checksumSha256 }));
  }
  async completeMultipartUpload(key: string, uploadId: string, parts: { partNumber: number; eTag: string; checksumSha256: string | null }[], options: { checksumCrc64nvme?: string } = {}) {
    const upload = this.upload(key, uploadId);
    if (this.objects.has(key)) throw new ObjectExists(`${key} already exists`);
    const bodies = parts.map((p, i) => {
      const stored = upload.parts.get(p.partNumber);
      if (!stored || createHash('md5').update(stored.body).digest('hex') !== p.eTag) throw new PartsRefused('InvalidPart', `Part ${p.partNumber} was not found.`);
      if (i < parts.length - 1 && stored.body.length < 5 * 1024 * 1024) throw new PartsRefused('EntityTooSmall', `Part ${p.partNumber} is too small.`);
      return stored.body;
    });
    const body = Buffer.concat(bodies);
    let checksums = NO_CHECKSUMS;
    if (upload.fullObjectCrc64nvme) {
      // S3 combines the parts' CRCs and refuses a whole-object value that differs (BadDigest).
      const crc64nvme = await crc64nvmeOf(body);
      if (options.checksumCrc64nvme !== crc64nvme) throw new ChecksumRefused(`The object's CRC64NVME is ${crc64nvme}, not ${options.checksumCrc64nvme}.`);
      checksums = { sha256: null, crc64nvme, type: 'FULL_OBJECT' };
    }
    this.uploads.delete(uploadId);
    await this.put(key, body, upload.contentType, upload.metadata, checksums);
  }
  async abortMultipartUpload(key: string, uploadId: string) {
    this.upload(key, uploadId);
    this.uploads.delete(uploadId);
  }
  /** What each presignUploadRequest call signed, in order. */
  readonly signedRequests: ({ key: string; expiresIn: number } & SignableUploadRequest)[] = [];
  async presignUploadRequest(key: string, request: SignableUploadRequest, expiresIn: number) {
    this.signedRequests.push({ key, expiresIn, ...request });
    const method = ({ CreateMultipartUpload: 'POST', UploadPart: 'PUT', ListParts: 'GET', CompleteMultipartUpload: 'POST', AbortMultipartUpload: 'DELETE' } as const)[request.operation];
    const headers: Record<string, string> =
      request.operation === 'CreateMultipartUpload' ? { 'Content-Type': request.contentType, ...Object.fromEntries(Object.entries(request.metadata).map(([n, v]) => [`x-amz-meta-${n}`, v])) } : {};
    return { url: `https://example/${key}?${request.operation}`, method, headers };
  }
  private upload(key: string, uploadId: string) {
    const upload = this.uploads.get(uploadId);
    if (!upload || upload.key !== key) throw new NoSuchUpload(uploadId);
    return upload;
  }
}

/** The base64 CRC-64/NVME of the bytes, as S3 computes it. */
export async function crc64nvmeOf(bytes: Uint8Array): Promise<string> {
  const crc = new Crc64Nvme();
  crc.update(bytes);
  return Buffer.from(await crc.digest()).toString('base64');
}

export class MemoryQueue {
  readonly jobs: ThumbnailJob[] = [];
  async enqueue(job: ThumbnailJob) {
    this.jobs.push(job);
  }
}

export class MemorySettings implements SettingsRepository {
  readonly items = new Map<string, { settings: Partial<TenantSettings>; updatedAt: Date; updatedBy: string; revision?: string }>();
  private revisions = 0;
  async get(tenantId: string) {
    const item = this.items.get(tenantId);
    return item && structuredClone(item.settings);
  }
  async getForUpdate(tenantId: string) {
    const item = this.items.get(tenantId);
    return { stored: structuredClone(item?.settings ?? {}), revision: item?.revision ?? null };
  }
  async put(tenantId: string, settings: Partial<TenantSettings>, change: { updatedAt: Date; updatedBy: string; expectedRevision?: string | null }) {
    const { expectedRevision, ...when } = change;
    if (expectedRevision !== undefined && (this.items.get(tenantId)?.revision ?? null) !== expectedRevision) throw new StaleWrite(`The settings of tenant ${tenantId}`);
    this.items.set(tenantId, { settings: structuredClone(settings), ...when, revision: String(++this.revisions) });
  }
}

/** The audit lines written, as the fields the port was given. */
/** Every telemetry event, in order, as `{ event, ...arguments }`. */
export class MemoryTelemetry implements Telemetry {
  readonly events: Record<string, unknown>[] = [];
  urlGranted(kind: string) {
    this.events.push({ event: 'urlGranted', kind });
  }
  versionFinished(outcome: Parameters<Telemetry['versionFinished']>[0]) {
    this.events.push({ event: 'versionFinished', ...outcome });
  }
  processed(processor: string, durationMs: number, usage?: { bytesRead: number }) {
    this.events.push({ event: 'processed', processor, durationMs, ...usage });
  }
  renditionMade(format: string, durationMs: number) {
    this.events.push({ event: 'renditionMade', format, durationMs });
  }
  shareTokenRefused(reason: string) {
    this.events.push({ event: 'shareTokenRefused', reason });
  }
  throttled(limit: string) {
    this.events.push({ event: 'throttled', limit });
  }
  reconciled(run: Parameters<Telemetry['reconciled']>[0]) {
    this.events.push({ event: 'reconciled', ...run });
  }
  of(event: string) {
    return this.events.filter((e) => e.event === event);
  }
}

export class MemoryAuditLog implements AuditLog {
  readonly lines: Record<string, unknown>[] = [];
  write(fields: Record<string, unknown>) {
    this.lines.push(structuredClone(fields));
  }
}
