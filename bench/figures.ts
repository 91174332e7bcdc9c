/**
 * What every section of `npm run bench` reports: figures measured side by side with their floor,
 * in the same run, so a noisy machine moves both.
 */
export interface Measured {
  /** What was measured, e.g. "upload URL handler". */
  name: string;
  unit: 'ms' | 'µs' | 'req/s' | 'KB' | 'MB';
  median: number;
  /** Where a distribution was sampled (latencies); absent for single readings such as bundle size. */
  p99?: number;
  samples?: number;
}

export interface Figure extends Measured {
  /** Which of the bench's sections: "url-issuance", "gateway", "lambda-weight", "processors", "growth". */
  section: string;
  /** The best this could be on this machine, measured in the same run. */
  floor?: Measured;
  /** median / floor.median (or whatever comparison `target` names). */
  ratio?: number;
  /** The goal in words, e.g. "ratio ≤ 1.2 at p50"; absent where there is none. */
  target?: string;
  /** Whether the target was met; absent where there is no target. */
  pass?: boolean;
  /** Anything else worth printing: errors, peak RSS, file size, page count… */
  extra?: Record<string, number | string>;
}

/** One section of the bench. `quick` shrinks inputs and durations for the smoke test. */
export type Section = (options: { quick: boolean }) => Promise<Figure[]>;
