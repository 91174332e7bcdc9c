import { createHash } from 'node:crypto';
import type { FileChanges, FileRecord } from '../../../lambdas/domain/model';
import { StaleWrite, type FileRepository, type ObjectStore, type ThumbnailJob } from '../../../lambdas/domain/ports';

/** In-memory ports with the same contract as the DynamoDB and S3 adapters, for domain unit tests. */
export class MemoryFiles implements FileRepository {
  readonly items = new Map<string, FileRecord>();
  /** When each file in `processing` entered it, as the DynamoDB repository's processing index keeps it. */
  readonly processingSince = new Map<string, Date>();
  async create(file: FileRecord) {
    this.items.set(file.id, structuredClone(file));
  }
  async get(id: string) {
    const f = this.items.get(id);
    return f && structuredClone(f);
  }
  async update(current: FileRecord, changes: FileChanges, now: Date) {
    const stored = this.items.get(current.id);
    if (!stored || stored.version !== current.version) throw new StaleWrite(current.id);
    const next = { ...stored, ...structuredClone(changes), version: stored.version + 1, updatedAt: now.toISOString() };
    this.items.set(current.id, next);
    if (next.status !== 'processing') this.processingSince.delete(current.id);
    else if (!this.processingSince.has(current.id)) this.processingSince.set(current.id, now);
    return structuredClone(next);
  }
  async delete(file: FileRecord) {
    this.items.delete(file.id);
  }
  async list() {
    return { items: [...this.items.values()], nextCursor: null };
  }
  async listProcessingSince(before: Date, limit: number) {
    return [...this.processingSince]
      .filter(([, since]) => since < before)
      .slice(0, limit)
      .map(([id, since]) => ({ file: structuredClone(this.items.get(id) as FileRecord), since }));
  }
}

export class MemoryObjects implements ObjectStore {
  readonly objects = new Map<string, Buffer>();
  put(key: string, body: Uint8Array) {
    this.objects.set(key, Buffer.from(body));
    return Promise.resolve();
  }
  eTagOf(key: string) {
    return createHash('md5').update(this.objects.get(key) ?? '').digest('hex');
  }
  async readHead(key: string, length: number) {
    const o = this.objects.get(key);
    return o && { bytes: o.subarray(0, length), size: o.length, eTag: this.eTagOf(key) };
  }
  async read(key: string) {
    const o = this.objects.get(key);
    return o && { size: o.length, eTag: this.eTagOf(key), body: (async function* () { yield o; })() };
  }
  async delete(keys: string[]) {
    keys.forEach((k) => this.objects.delete(k));
  }
  presignPut = async () => 'https://example/put';
  presignGet = async () => 'https://example/get';
}

export class MemoryQueue {
  readonly jobs: ThumbnailJob[] = [];
  async enqueue(job: ThumbnailJob) {
    this.jobs.push(job);
  }
}
