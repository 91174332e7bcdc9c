export type LogLevel = 'info' | 'warn' | 'error';

const rank: Record<LogLevel, number> = { info: 0, warn: 1, error: 2 };

// Deployed, every line goes to CloudWatch. The local stack raises it (local/main.ts) so the
// developer's terminal shows what went wrong rather than a line per request.
let threshold: LogLevel = 'info';

/** The least severe level still written; lines below it are dropped. */
export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

/** One JSON line per event, the shape CloudWatch Logs Insights queries best. */
export function log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
  if (rank[level] < rank[threshold]) return;
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
}

export const describeError = (error: unknown) =>
  error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { message: String(error) };
