/**
 * Node-only helpers, kept out of the browser entry (`index.ts` imports no `node:` module).
 */
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';

export * from './index';

/**
 * A Blob backed by the file at `path` (Node 20+ `fs.openAsBlob`): uploads read it slice by slice,
 * never whole. It carries the file's base name as `name`, like a browser's File.
 */
export async function fromPath(path: string, options: { type?: string } = {}): Promise<Blob & { name: string }> {
  const blob = await openAsBlob(path, options.type === undefined ? undefined : { type: options.type });
  return Object.assign(blob, { name: basename(path) });
}
