/** How a file of a given size is uploaded, and where its parts lie. Pure: unit tested. */

const MiB = 1024 * 1024;

/** S3's bounds of a part (the API refuses others with a 400). */
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * 1024 * MiB;
export const MAX_PARTS = 10_000;
/** At most one PUT of this size; above it, multipart (parallel, retried part by part, resumable). */
export const DEFAULT_MULTIPART_THRESHOLD = 16 * MiB;

export type UploadPlan = { kind: 'single' } | { kind: 'multipart'; partSize: number | undefined };

/**
 * Single PUT up to `multipartThreshold` (never for an empty file: a multipart upload has at least
 * one byte), multipart above. `partSize` undefined lets the API choose (8 MiB, more when 10,000
 * parts would not hold the file).
 */
export function planUpload(size: number, options: { multipartThreshold?: number; partSize?: number } = {}): UploadPlan {
  const threshold = options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD;
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size must be a whole number of bytes, not ${size}`);
  if (size === 0 || size <= threshold) return { kind: 'single' };
  if (options.partSize !== undefined) {
    if (!Number.isSafeInteger(options.partSize) || options.partSize < MIN_PART_SIZE || options.partSize > MAX_PART_SIZE) {
      throw new RangeError(`partSize must be between ${MIN_PART_SIZE} and ${MAX_PART_SIZE} bytes`);
    }
    if (Math.ceil(size / options.partSize) > MAX_PARTS) throw new RangeError(`${size} bytes in parts of ${options.partSize} would be more than ${MAX_PARTS} parts`);
  }
  return { kind: 'multipart', partSize: options.partSize };
}

export interface PartRange {
  partNumber: number;
  /** Byte offsets in the file: [start, end). */
  start: number;
  end: number;
}

/** Part `partNumber` (1-based) of `size` bytes in parts of `partSize`, as the API numbers them. */
export function partRange(partNumber: number, size: number, partSize: number): PartRange {
  const start = (partNumber - 1) * partSize;
  if (partNumber < 1 || start >= Math.max(size, 1)) throw new RangeError(`There is no part ${partNumber} of ${size} bytes in parts of ${partSize}`);
  return { partNumber, start, end: Math.min(size, start + partSize) };
}

export const partCount = (size: number, partSize: number): number => Math.max(1, Math.ceil(size / partSize));

export function partRanges(size: number, partSize: number): PartRange[] {
  return Array.from({ length: partCount(size, partSize) }, (_, i) => partRange(i + 1, size, partSize));
}
