import { countPages } from '../../inspect/count-pages';
import { ProcessingFailure } from '../../inspect/failure';
import { countPagesByRanges, RANGED_BUDGET, type RangedBudget } from '../../inspect/pdf-pages/ranged-page-count';
import type { FileError } from '../model';
import type { ObjectStore } from '../ports';

/** A PDF's page count, or null with why (`unavailable.pageCount`): the version is ready either way. */
export interface PdfPageCount {
  pageCount: number | null;
  unavailable?: FileError;
}

/**
 * Pages of the PDF at `key` (the bytes of `eTag`, `size` long). First through ranged reads of its
 * trailer, cross-reference sections and page tree, whatever its size (up to S3's 5 TiB): from
 * `held` when its bytes were read already (they streamed through to be hashed), else from the
 * store. When that cannot decide (a damaged or encrypted file, sections it cannot follow, its
 * budget spent), the whole PDF (`held`, or what `wholeFile` gives for a PDF small enough to hold,
 * null otherwise) is counted by pdf-lib, which fails a hostile or corrupt file (a
 * ProcessingFailure, thrown) as it always did.
 * Beyond both, no count and the reason. Newer bytes at the key while reading are an error
 * (retried: the run then sees it is stale).
 */
export async function countPdfPages(
  objects: ObjectStore,
  object: { key: string; eTag: string; size: number },
  held: Uint8Array | null,
  wholeFile: () => Promise<Uint8Array | null>,
  budget: RangedBudget = RANGED_BUDGET,
): Promise<PdfPageCount> {
  const read = async (start: number, end: number) => {
    if (held) return held.subarray(start, end + 1);
    const bytes = await objects.readRange(object.key, start, end, object.eTag);
    if (bytes === undefined || bytes === 'changed') throw new Error(`Object ${object.key} (ETag ${object.eTag}) ${bytes === 'changed' ? 'changed' : 'disappeared'} while its pages were counted.`);
    return bytes;
  };
  const ranged = await countPagesByRanges(read, object.size, budget);
  if ('pages' in ranged) return { pageCount: ranged.pages };
  const bytes = held ?? (await wholeFile());
  if (bytes) return { pageCount: await countPages(bytes) };
  // Not a failure (nothing says the file is bad): the reason goes in `unavailable`, the version stays ready.
  const reason = new ProcessingFailure(
    'PAGE_COUNT_UNAVAILABLE',
    `The PDF's pages could not be counted from its cross-reference sections (${ranged.undecided}), and at ${object.size} bytes it is too large to be counted whole.`,
  );
  return { pageCount: null, unavailable: { code: reason.code, message: reason.message } };
}
