import { createHash } from 'node:crypto';

const MiB = 1024 ** 2;

/** One pseudo-random 1 MiB block (xorshift32, fixed seed): cheap, deterministic, incompressible. */
const BASE = (() => {
  const block = Buffer.alloc(MiB);
  let x = 0x9e3779b9;
  for (let i = 0; i < MiB; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block.writeUInt32LE(x >>> 0, i);
  }
  return block;
})();

/**
 * `size` bytes of generated content, 1 MiB at a time, each block stamped with its index so no two
 * are alike: the same bytes on every run, never held whole (a 2 GB upload streams from it).
 */
export function* contentBlocks(size: number): Generator<Buffer> {
  for (let i = 0, left = size; left > 0; i++, left -= MiB) {
    const block = Buffer.from(BASE.subarray(0, Math.min(MiB, left)));
    if (block.length >= 4) block.writeUInt32LE(i, 0);
    yield block;
  }
}

/** Base64 SHA-256 of `contentBlocks(size)`. */
export function contentSha256(size: number): string {
  const hash = createHash('sha256');
  for (const block of contentBlocks(size)) hash.update(block);
  return hash.digest('base64');
}

/** `contentBlocks(size)` as a request body, pulled as it is sent. */
export function contentBody(size: number): ReadableStream<Uint8Array> {
  const source = contentBlocks(size);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = source.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
}
