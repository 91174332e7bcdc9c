export type LogLevel = 'info' | 'warn' | 'error';

const rank: Record<LogLevel, number> = { info: 0, warn: 1, error: 2 };

// Deployed, every line goes to CloudWatch, unless the function's application log level (Lambda's
// logging controls, AWS_LAMBDA_LOG_LEVEL) is set higher. The local stack raises it (local/main.ts)
// so the developer's terminal shows what went wrong rather than a line per request; its bundles,
// which have their own copy of this module, read it from that variable.
let threshold: LogLevel = levelOf(process.env.AWS_LAMBDA_LOG_LEVEL);

function levelOf(lambdaLevel: string | undefined): LogLevel {
  switch (lambdaLevel?.toUpperCase()) {
    case 'WARN':
      return 'warn';
    case 'ERROR':
    case 'FATAL':
      return 'error';
    default:
      return 'info';
  }
}

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
