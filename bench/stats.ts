import type { Measured } from './figures';

/** Nearest-rank percentile of ascending `sorted` (p in 0–100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  if (sorted.length === 0) throw new Error('median of no values');
  return Number.isInteger(mid) ? ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2 : (sorted[Math.floor(mid)] as number);
}

/** Rounded for reading, not for comparing: keeps three significant figures, at least. */
export function round(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return Number(value.toFixed(Math.min(digits, 6)));
}

/** A latency distribution as a figure reports it: median and p99 of the samples. */
export function distribution(name: string, unit: Measured['unit'], samples: readonly number[]): Measured {
  const sorted = [...samples].sort((a, b) => a - b);
  return { name, unit, median: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), samples: sorted.length };
}

/** `a / b`, rounded; what the Figure's `ratio` holds. */
export const ratio = (a: number, b: number): number => Number((a / b).toFixed(3));

/** Fisher–Yates, so each round runs its contenders in a fresh order and none always goes first. */
export function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
