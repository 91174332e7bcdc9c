import type { ObjectStore, StoredObject } from '../domain/ports';

/**
 * The object store, counting the bytes of objects read through it (the sniffed head, streamed
 * bodies as they are consumed, ranges): what one processing run cost in reads, reported with its
 * duration (Telemetry.processed). Processing should read only what it needs whatever the object's
 * size; this is how an operator, the tests and the bench see that it does.
 */
export function countingReads(store: ObjectStore): { store: ObjectStore; bytesRead: () => number } {
  let bytesRead = 0;
  const reads: Pick<ObjectStore, 'readHead' | 'read' | 'readRange'> = {
    async readHead(key, length) {
      const head = await store.readHead(key, length);
      if (head) bytesRead += head.bytes.length;
      return head;
    },
    async read(key) {
      const stored = await store.read(key);
      return stored && { ...stored, body: counted(stored.body) };
    },
    async readRange(key, start, end, eTag) {
      const range = await store.readRange(key, start, end, eTag);
      if (range instanceof Uint8Array) bytesRead += range.length;
      return range;
    },
  };
  async function* counted(body: StoredObject['body']): StoredObject['body'] {
    for await (const chunk of body) {
      bytesRead += chunk.length;
      yield chunk;
    }
  }
  const wrapped = new Proxy(store, {
    get(target, name, receiver) {
      if (name === 'readHead' || name === 'read' || name === 'readRange') return reads[name];
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, bytesRead: () => bytesRead };
}
