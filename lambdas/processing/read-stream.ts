/**
 * Reads a stream of known length into one buffer allocated up front: a 500 MB object costs 500 MB,
 * not the 1 GB that collecting chunks and concatenating them would.
 */
export async function readToBuffer(stream: AsyncIterable<Uint8Array>, size: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(size);
  let offset = 0;
  for await (const chunk of stream) {
    if (offset + chunk.length > size) throw new Error(`The object is longer than its declared ${size} bytes.`);
    buffer.set(chunk, offset);
    offset += chunk.length;
  }
  if (offset !== size) throw new Error(`The object ended after ${offset} of ${size} bytes.`);
  return buffer;
}
