/**
 * The local stand-in for a schedule (EventBridge deployed): runs `task`
 * every `intervalMs`, and at once with `immediately`, one run at a time; a failed run is logged and
 * the next one tries again.
 */
export function runEvery(name: string, intervalMs: number, task: () => Promise<void>, options: { immediately?: boolean } = {}): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= task()
      .catch((error: unknown) => console.error(JSON.stringify({ level: 'error', message: `${name} failed`, error: String(error) })))
      .finally(() => (running = undefined));
  };
  if (options.immediately) run();
  const timer = setInterval(run, intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
