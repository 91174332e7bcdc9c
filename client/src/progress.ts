import type { Progress } from './types';

/**
 * Bytes sent of a transfer made of parts sent in parallel, each possibly several times. What is
 * reported is monotonic and bounded: a failed attempt's bytes are taken back from the count (so
 * its retry does not count them twice), but the report only moves forward: it holds while the
 * retry catches up with what was shown. The last report is `loaded === total`.
 */
export class ProgressTracker {
  private readonly loadedByPart = new Map<number, number>();
  private done = 0;
  private reported = -1;

  constructor(
    readonly total: number,
    private readonly listener?: (progress: Progress) => void,
  ) {}

  /** Bytes already there before this run (parts a resumed upload finds uploaded). */
  addCompleted(bytes: number): void {
    this.done += bytes;
  }

  /** Part `key` has sent `loaded` bytes in its current attempt. */
  update(key: number, loaded: number): void {
    this.loadedByPart.set(key, loaded);
    this.report();
  }

  /** The attempt failed: its bytes no longer count. */
  fail(key: number): void {
    this.loadedByPart.delete(key);
  }

  /** The part is there: its `bytes` count for good. */
  complete(key: number, bytes: number): void {
    this.loadedByPart.delete(key);
    this.done += bytes;
    this.report();
  }

  /** What has really been sent: may go down after a failure, unlike what is reported. */
  get sent(): number {
    let sum = this.done;
    for (const loaded of this.loadedByPart.values()) sum += loaded;
    return sum;
  }

  /** Reports the start (0, or what a resume found) once. */
  start(): void {
    this.report();
  }

  /** Everything is there: reports `total` unless already reported. */
  finish(): void {
    this.emit(this.total);
  }

  private report(): void {
    this.emit(Math.min(this.total, this.sent));
  }

  private emit(loaded: number): void {
    if (loaded <= this.reported) return;
    this.reported = loaded;
    this.listener?.({ loaded, total: this.total });
  }
}
