export type Stop = () => Promise<void>;

/**
 * What a start has started, to stop in reverse: the last started stops first, so nothing goes away
 * under what still uses it, and one that fails to stop does not keep the others running.
 */
export class Stops {
  private readonly stops: Stop[] = [];

  add(stop: Stop): void {
    this.stops.push(stop);
  }

  readonly stopAll = async (): Promise<void> => {
    for (const stop of this.stops.splice(0).reverse()) await stop().catch(() => undefined);
  };

  /** Runs `start`; if it fails, what it had started is stopped before the error goes on. */
  async undoing<T>(start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (error) {
      await this.stopAll();
      throw error;
    }
  }
}
