import { constants } from 'node:buffer';

/**
 * Reads a stream of known length into one buffer allocated up front: a 500 MB object costs 500 MB,
 * not the 1 GB that collecting chunks and concatenating them would. A stream longer or shorter
 * than `size` is an error (the object changed, or the connection broke), never a short buffer.
 */
export async function readToBuffer(stream: AsyncIterable<Uint8Array>, size: number): Promise<Buffer> {
  if (!Number.isSafeInteger(size) || size < 0 || size > constants.MAX_LENGTH) throw new RangeError(`Cannot read an object of ${size} bytes into one buffer.`);
  const buffer = Buffer.allocUnsafe(size);
  let offset = 0;
  for await (const chunk of stream) {
    // Throwing here ends the loop, which destroys the stream (no socket is left open).
    if (chunk.length > size - offset) throw new Error(`The object is longer than its declared ${size} bytes.`);
    buffer.set(chunk, offset);
    offset += chunk.length;
  }
  if (offset !== size) throw new Error(`The object ended after ${offset} of ${size} bytes.`);
  return buffer;
}

/**
 * Closes a stream that will not be read, so that its connection is released now rather than held
 * until it times out.
 */
export async function discard(stream: AsyncIterable<Uint8Array>): Promise<void> {
  // A Node stream (an S3 body) is destroyed: its iterator, not yet started, would close nothing.
  if (isDestroyable(stream)) stream.destroy();
  else await stream[Symbol.asyncIterator]().return?.();
}

const isDestroyable = (stream: object): stream is { destroy(): void } => 'destroy' in stream && typeof stream.destroy === 'function';
