/**
 * The local stand-in for a schedule (EventBridge deployed): runs `task`
 * every `intervalMs`, and at once with `immediately`, one run at a time; a failed run is logged and
 * the next one tries again.
 */
export function runEvery(
  name: string,
  intervalMs: number,
  task: () => Promise<void>,
  options: { immediately?: boolean } = {},
): { stop(): Promise<void>; firstRun: Promise<void> } {
  let running: Promise<void> | undefined;
  const run = () =>
    (running ??= task()
      .catch((error: unknown) => console.error(JSON.stringify({ level: 'error', message: `${name} failed`, error: String(error) })))
      .finally(() => (running = undefined)));
  // Settles when the immediate run has (it never rejects: a failure is logged).
  const firstRun = options.immediately ? run() : Promise.resolve();
  const timer = setInterval(run, intervalMs);
  return {
    firstRun,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
