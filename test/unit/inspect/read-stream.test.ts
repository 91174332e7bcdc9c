import { Readable } from 'node:stream';
import { discard, readToBuffer } from '../../../lambdas/inspect/read-stream';

const pattern = (length: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + 7) % 256));

/** Yields `data` in chunks of the given sizes (cycled), recording whether the consumer closed it early. */
function chunked(data: Buffer, sizes: number[]) {
  const state = { closed: false, yielded: 0 };
  async function* generate() {
    try {
      for (let at = 0, i = 0; at < data.length; i++) {
        const size = sizes[i % sizes.length]!;
        state.yielded++;
        yield new Uint8Array(data.subarray(at, at + size));
        at += size;
      }
    } finally {
      state.closed = true;
    }
  }
  return { stream: generate(), state };
}

describe('readToBuffer', () => {
  it('fills one buffer of the declared size from chunks of any size', async () => {
    const data = pattern(100_000);
    const { stream } = chunked(data, [1, 7, 65_536, 3, 10_000]);
    const concat = jest.spyOn(Buffer, 'concat');
    try {
      const read = await readToBuffer(stream, data.length);
      expect(read.length).toBe(data.length);
      expect(read.equals(data)).toBe(true);
      expect(concat).not.toHaveBeenCalled();
    } finally {
      concat.mockRestore();
    }
  });

  it('reads a Node stream, and an empty object', async () => {
    const data = pattern(300_000);
    expect((await readToBuffer(Readable.from([data.subarray(0, 5), data.subarray(5)]), data.length)).equals(data)).toBe(true);
    expect((await readToBuffer(Readable.from([]), 0)).length).toBe(0);
  });

  it('refuses a stream longer than declared, without reading it to the end', async () => {
    const { stream, state } = chunked(pattern(1000), [100]);
    await expect(readToBuffer(stream, 250)).rejects.toThrow('longer than its declared 250 bytes');
    expect(state.yielded).toBe(3);
    expect(state.closed).toBe(true);
  });

  it('refuses a stream shorter than declared', async () => {
    const { stream } = chunked(pattern(1000), [300]);
    await expect(readToBuffer(stream, 1001)).rejects.toThrow('ended after 1000 of 1001 bytes');
  });

  it.each([-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER])('refuses an impossible size (%s)', async (size) => {
    await expect(readToBuffer(Readable.from([]), size)).rejects.toThrow(RangeError);
  });
});

describe('discard', () => {
  it('destroys a Node stream (an S3 body) without reading it', async () => {
    const stream = Readable.from([pattern(1000)]);
    await discard(stream);
    expect(stream.destroyed).toBe(true);
  });

  it('closes an iterator that was started', async () => {
    const { stream, state } = chunked(pattern(1000), [100]);
    await stream.next();
    await discard(stream);
    expect(state).toEqual({ closed: true, yielded: 1 });
  });
});
