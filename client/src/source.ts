/**
 * What can be uploaded: a Blob (a browser's File is one; in Node, `fromPath` in `node.ts` gives
 * one backed by the file on disk), or bytes in memory. Everything becomes a Blob, which both
 * runtimes slice without reading the rest.
 */
export type UploadSource = Blob | Uint8Array | ArrayBuffer;

export function toBlob(source: UploadSource): Blob {
  if (source instanceof Blob) return source;
  if (source instanceof ArrayBuffer) return new Blob([source]);
  if (source instanceof Uint8Array) return new Blob([source as Uint8Array<ArrayBuffer>]);
  throw new TypeError('An upload source is a Blob (or File), a Uint8Array or an ArrayBuffer; in Node, fromPath(path) from the SDK\'s node entry gives a Blob of a file.');
}

/** The bytes of `blob` between `start` and `end`: one part, read only when it is sent. */
export async function readSlice(blob: Blob, start: number, end: number): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await blob.slice(start, end).arrayBuffer());
}

/** The name of a browser File or a Node file Blob (`fromPath` sets one), if it has one. */
export function nameOf(source: UploadSource): string | undefined {
  const name = (source as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}
