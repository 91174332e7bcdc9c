import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PDFDocument } from 'pdf-lib';
import { Api, eventually } from './api';

const ROOT = join(__dirname, '..', '..', '..');

export interface RunningStack {
  apiUrl: string;
  s3Endpoint: string;
  dynamoDbEndpoint: string;
  /** A token for tenant `demo` with every scope, as `npm start` prints it. */
  token: string;
  /** The stack's process (the emulators but DynamoDB Local's JVM run in it). */
  pid: number;
  stop(): Promise<void>;
  /** SIGKILL to the stack and everything it started (the JVM too): a crash, nothing cleaned up. */
  kill(): Promise<void>;
  /**
   * The audit lines (`"audit":true`, lambdas/domain/audit.ts), raw and parsed, that `where` picks, once
   * `atLeast` of them have arrived: the gateway answers once the
   * handler has logged, but the stack's stdout may reach this process a moment after the answer.
   */
  awaitAuditLines(where: (line: AuditLine) => boolean, atLeast?: number): Promise<AuditLine[]>;
  /** Every line the stack wrote to stdout and stderr so far but its ready line (which hands out a token on purpose). */
  logLines(): string[];
}

export interface AuditLine {
  text: string;
  fields: Record<string, unknown>;
}

/**
 * Starts `npm start`'s program in its own process, on free ports and in memory unless given a data folder, exactly as a
 * developer runs it; resolves when it prints its ready line.
 */
export async function startStack(env: Record<string, string> = {}, dataDir?: string): Promise<RunningStack> {
  // --verbose: the audit lines (awaitAuditLines) are info lines, which npm start drops by default.
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'local/main.ts', ...(dataDir ? ['--data-dir', dataDir] : ['--memory']), '--port', '0', '--json', '--verbose'], {
    cwd: ROOT,
    env: { ...process.env, ...env, AWS_ENDPOINT_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so kill() reaches every process of the stack at once.
    detached: true,
  });
  let stderr = '';
  const logLines: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (process.env.FILEPORT_TEST_LOGS) process.stderr.write(chunk);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => logLines.push(line));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // The handlers run in the stack's process and log to its stdout, as Lambda's do to CloudWatch.
  const auditLines: AuditLine[] = [];

  const ready = await new Promise<{ apiUrl: string; s3Endpoint: string; dynamoDbEndpoint: string; token: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Local stack did not start in 90 s. stderr:\n${stderr}`)), 90_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Local stack exited with ${code}. stderr:\n${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (process.env.FILEPORT_TEST_LOGS) console.log(line);
      if (line.includes('"audit":true')) auditLines.push({ text: line, fields: JSON.parse(line) as Record<string, unknown> });
      if (!line.startsWith('{"apiUrl"')) return void logLines.push(line);
      clearTimeout(timer);
      resolve(JSON.parse(line));
    });
  });

  return {
    ...ready,
    pid: child.pid as number,
    awaitAuditLines: (where, atLeast = 1) => eventually(async () => auditLines.filter(where), (lines) => lines.length >= atLeast, 10_000),
    logLines: () => [...logLines],
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
    kill: async () => {
      process.kill(-(child.pid as number), 'SIGKILL');
      await exited;
    },
  };
}

/**
 * One local stack for the test file (with `env` on top of the defaults): started before its tests, stopped after them. Returns
 * accessors, since the stack exists only once `beforeAll` has run.
 */
export function useStack(env: Record<string, string> = {}): { stack: () => RunningStack; api: () => Api } {
  let stack: RunningStack | undefined;
  beforeAll(async () => {
    stack = await startStack(env);
  });
  afterAll(() => stack?.stop());
  const started = () => {
    if (!stack) throw new Error('The local stack has not started');
    return stack;
  };
  return { stack: started, api: () => new Api(started().apiUrl, started().token) };
}

/** A PDF of `pages` pages, each with a line of text. */
export async function makePdf(pages: number, options: { useObjectStreams?: boolean } = {}): Promise<Uint8Array<ArrayBuffer>> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) doc.addPage([300, 300]).drawText(`Page ${i + 1} `.repeat(10), { x: 10, y: 150, size: 8 });
  return new Uint8Array(await doc.save(options));
}

/**
 * What must never reach a log: a share token's secret, a JWT, a pre-signed URL's or POST policy's
 * signature. Each is a credential: whoever reads the logs could use it.
 */
export const SECRET_PATTERNS: Record<string, RegExp> = {
  'share-token secret': /fps_[A-Za-z0-9_-]{43}/,
  JWT: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/,
  'S3 signature': /x-amz-signature/i,
  'webhook secret': /whsec_[A-Za-z0-9+/]{20,}/,
};

/** The log lines that hold a secret, each with what it holds. */
export function secretsIn(lines: readonly string[]): string[] {
  return lines.flatMap((line) => Object.entries(SECRET_PATTERNS).filter(([, pattern]) => pattern.test(line)).map(([what]) => `${what}: ${line.slice(0, 300)}`));
}
