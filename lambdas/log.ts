import { AsyncLocalStorage } from 'node:async_hooks';

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

/**
 * What every line written while handling one request or one processed object carries: the
 * correlation ids (`requestId`, `correlationId`, the S3 key and sequencer…) and the tenant once
 * known. Held per invocation in AsyncLocalStorage, so concurrent work in one process (the local
 * stack runs every Lambda in one) never mixes its fields up.
 */
export type LogContext = Record<string, unknown>;

const contexts = new AsyncLocalStorage<LogContext>();

/** Runs `work` with `fields` added to the current context for every line it (and what it awaits) writes. */
export function withLogContext<T>(fields: LogContext, work: () => T): T {
  return contexts.run({ ...contexts.getStore(), ...fields }, work);
}

/**
 * Adds fields to the current context from here on, for the rest of the work `withLogContext`
 * started (the tenant, once the caller's token is read). Outside any, nothing is kept: a field
 * must never leak from one invocation into the next one the container serves.
 */
export function addLogContext(fields: LogContext): void {
  const store = contexts.getStore();
  if (store) Object.assign(store, fields);
}

/** The current context's fields (a copy), for lines written by something else than `log` (metrics). */
export const logContext = (): LogContext => ({ ...contexts.getStore() });

/**
 * The X-Ray trace of this invocation when the function is traced: Lambda sets the variable per
 * invocation, and a line that names the trace finds it in the X-Ray console.
 */
function traceIdOf(): string | undefined {
  const header = process.env._X_AMZN_TRACE_ID;
  return header ? /Root=([^;]+)/.exec(header)?.[1] : undefined;
}

/**
 * Writes one JSON line as it is, to stdout (stderr for errors), unless its level is below the
 * threshold. Not `console.log`: Lambda's
 * runtime prefixes what the console writes with a time, request id and level, which would make
 * the line text with JSON in it rather than a JSON event: Logs Insights would not find its fields
 * and CloudWatch would not read an embedded-metric line.
 */
export function writeLine(level: LogLevel, record: Record<string, unknown>): void {
  if (rank[level] < rank[threshold]) return;
  process[level === 'error' ? 'stderr' : 'stdout'].write(`${JSON.stringify(record)}\n`);
}

/** One JSON line per event, the shape CloudWatch Logs Insights queries best, with the current context's fields. */
export function log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
  if (rank[level] < rank[threshold]) return;
  const traceId = traceIdOf();
  writeLine(level, { level, message, time: new Date().toISOString(), ...contexts.getStore(), ...(traceId && { traceId }), ...fields });
}

export const describeError = (error: unknown) =>
  error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { message: String(error) };
