import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDb } from '../../local/emulators/dynamodb';
import { isPortFree } from '../../local/emulators/free-port';
import { startS3 } from '../../local/emulators/s3';
import { claimPort, PortInUseError } from '../../local/ports';
import { Api, eventually } from './support/api';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');

/** `npm start`'s program as a developer runs it, in its own process. */
class Started {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'local/main.ts', ...args], {
      cwd: ROOT,
      // The embedded emulators, never a LocalStack or ports the environment may name.
      env: { ...process.env, AWS_ENDPOINT_URL: '', PORT: '', S3_PORT: '', DYNAMODB_PORT: '', FILEPORT_LOG_LEVEL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('close', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Resolves once `pattern` shows in stdout; fails when the process exits first. */
  async waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    const found = await eventually(
      async () => ({ match: pattern.exec(this.stdout), over: this.child.exitCode !== null || this.child.signalCode !== null }),
      ({ match, over }) => match !== null || over,
      90_000,
    );
    if (!found.match) throw new Error(`npm start did not print ${pattern}. stdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
    return found.match;
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

/** Runs `npm start` with `args` to its end. */
async function runToEnd(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = new Started(args, env);
  const code = await run.exited;
  return { code, stdout: run.stdout, stderr: run.stderr };
}

/** A port nothing listens on; with `next`, the one after it is free too (the S3 emulator's default). */
async function freePort(next = false): Promise<number> {
  for (;;) {
    const server = await listen(0);
    const { port } = server.address() as { port: number };
    await close(server);
    if (!next || (port < 65535 && (await isPortFree(port + 1)))) return port;
  }
}

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject).listen(port, '127.0.0.1', () => resolve(server));
  });
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** Whether a DynamoDB Local JVM listening on `port` is running (its command line names the port). */
function dynamoDbLocalRunsOn(port: number): boolean {
  const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return processes.split('\n').some((line) => line.includes('DynamoDBLocal') && new RegExp(`-port ${port}\\b`).test(line));
}

/** Nothing of a stack that was told to use `port` for DynamoDB Local is left: the JVM is gone and the port free. */
async function expectNoDynamoDbLocalOn(port: number): Promise<void> {
  const gone = await eventually(async () => !dynamoDbLocalRunsOn(port) && (await isPortFree(port)), (done) => done, 15_000);
  expect(gone).toBe(true);
}

const NODE_VERSION_WARNING = /NodeVersionSupportWarning/;
/** A JSON log line (audit, request or processing), as lambdas/log.ts writes them. */
const JSON_LINE = /^\{.*"level":/m;

/** Creates a file and asks for its upload URL: a request whose handler writes an audit line. */
async function createAndGrant(api: Api): Promise<void> {
  const created = await api.call('POST', '/v1/files', { body: { name: 'report.pdf', fileTypeId: 'pdf' } });
  expect(created.status).toBe(201);
  const grant = await api.call('PUT', `/v1/files/${created.body.id}/upload`);
  expect(grant.status).toBe(200);
}

/** A port another server holds for the tests of the describe block; `onTaken` learns which, before they run. */
function useTakenPort(onTaken: (port: number) => void): void {
  let taken: Server;
  beforeAll(async () => {
    const port = await freePort();
    taken = await listen(port);
    onTaken(port);
  });
  afterAll(() => close(taken));
}

describe('npm start refuses a taken port in one line, and leaves nothing running', () => {
  let takenPort = 0;
  useTakenPort((port) => (takenPort = port));

  it('the API port: exit 1, one line naming it and how to pick another, no stack trace, no DynamoDB Local left', async () => {
    const [s3Port, dynamoDbPort] = [await freePort(), await freePort()];
    const run = await runToEnd(['--memory', '--port', String(takenPort), '--s3-port', String(s3Port), '--dynamodb-port', String(dynamoDbPort)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`fileport: port ${takenPort} is in use (API); pick another with npm start -- --port N or PORT=N\n`);
    expect(run.stdout).toBe('');
    await expectNoDynamoDbLocalOn(dynamoDbPort);
    expect(await isPortFree(s3Port)).toBe(true);
  });

  it('the S3 port, by default the one after the API port', async () => {
    const run = await runToEnd(['--memory'], { PORT: String(takenPort - 1) });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`fileport: port ${takenPort} is in use (S3); pick another with npm start -- --s3-port N or S3_PORT=N\n`);
  });

  it("DynamoDB Local's port, once the S3 emulator is already up: it is stopped again", async () => {
    const [port, s3Port] = [await freePort(), await freePort()];
    const run = await runToEnd(['--memory', '--port', String(port), '--s3-port', String(s3Port), '--dynamodb-port', String(takenPort)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`fileport: port ${takenPort} is in use (DynamoDB); pick another with npm start -- --dynamodb-port N or DYNAMODB_PORT=N\n`);
    expect(await isPortFree(s3Port)).toBe(true);
  });
});

describe('npm start checks what it is given (the cases: test/unit/local/start-options.test.ts)', () => {
  it('an unknown option: exit 1, one line with the usage, no stack trace', async () => {
    const run = await runToEnd(['--prot', '3000']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "fileport: unknown option '--prot'. usage: npm start -- [--port N] [--s3-port N] [--dynamodb-port N] [--data-dir DIR | --memory] [--verbose | --log-level info|warn|error] [--bundles] [--json] [--token]\n",
    );
  });
});

describe('a signal while npm start is still starting', () => {
  it('stops DynamoDB Local too: its JVM does not outlive the stack', async () => {
    const dynamoDbPort = await freePort();
    const run = new Started(['--memory', '--port', '0', '--dynamodb-port', String(dynamoDbPort)]);
    // The JVM answers before the stack is ready: the signal lands between the two.
    const up = await eventually(async () => !(await isPortFree(dynamoDbPort)), (listening) => listening, 60_000);
    expect(up).toBe(true);
    process.kill(run.pid, 'SIGTERM');
    await run.exited;
    await expectNoDynamoDbLocalOn(dynamoDbPort);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('npm start, quiet by default, on a persistent data folder', () => {
  let dataDir: string;
  let stack: Started;
  let port: number;
  let api: Api;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fileport-start-'));
    port = await freePort(true);
    stack = new Started(['--data-dir', dataDir, '--port', String(port)]);
    const token = (await stack.waitFor(/^ {2}export TOKEN=(\S+)\n\s*$/m))[1]!;
    api = new Api(`http://127.0.0.1:${port}`, token);
  });
  afterAll(async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the URLs with --port and the S3 port next to it, and the token last', async () => {
    expect(stack.stdout).toContain(`API          http://127.0.0.1:${port}/v1`);
    expect(stack.stdout).toContain(`S3           http://127.0.0.1:${port + 1}\n`);
    expect(stack.stdout.trimEnd().split('\n').at(-1)).toMatch(/^ {2}export TOKEN=\S+$/);
    expect((await api.call('GET', '/v1/file-types')).status).toBe(200);
    const s3 = await fetch(`http://127.0.0.1:${port + 1}/fileport-local?list-type=2`);
    // Unsigned: the emulator answers, and refuses.
    expect(s3.status).toBe(403);
  });

  it('--token prints a fresh token signed with the data folder key, which the running stack accepts', async () => {
    const printed = await runToEnd(['--token', '--data-dir', dataDir]);
    expect(printed.code).toBe(0);
    const token = /^export TOKEN=(\S+)\n$/.exec(printed.stdout)?.[1];
    expect(token).toBeDefined();
    expect((await new Api(api.baseUrl, token!).call('GET', '/v1/file-types')).status).toBe(200);
    expect((await new Api(api.baseUrl, `${token!}x`).call('GET', '/v1/file-types')).status).toBe(401);
  });

  it('logs no JSON line per request, and no AWS SDK notice about the Node version', async () => {
    await createAndGrant(api);
    // Time for any line the requests wrote to reach this process (the --verbose stack's arrive within it).
    await new Promise((done) => setTimeout(done, 1000));
    expect(stack.stdout).not.toMatch(JSON_LINE);
    expect(`${stack.stdout}${stack.stderr}`).not.toMatch(NODE_VERSION_WARNING);
    expect(stack.stderr).toBe('');
  });

  it('--token for a data folder no stack has used says so, and prints no token', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'fileport-start-empty-'));
    try {
      const printed = await runToEnd(['--token', '--data-dir', empty]);
      expect(printed.code).toBe(1);
      expect(printed.stdout).toBe('');
      expect(printed.stderr).toMatch(/^fileport: no local stack has run with the data folder .* yet .*: start it first with npm start\n$/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('npm start --verbose, in memory, on ports from PORT and --s3-port, --json', () => {
  let stack: Started;
  let ports: { api: number; s3: number; dynamoDb: number };
  let ready: { apiUrl: string; s3Endpoint: string; dynamoDbEndpoint: string; token: string };
  beforeAll(async () => {
    ports = { api: await freePort(), s3: await freePort(), dynamoDb: await freePort() };
    stack = new Started(['--memory', '--verbose', '--json', '--s3-port', String(ports.s3), '--dynamodb-port', String(ports.dynamoDb)], { PORT: String(ports.api) });
    ready = JSON.parse((await stack.waitFor(/^\{"apiUrl".*$/m))[0]) as typeof ready;
  });
  afterAll(() => stack.stop());

  it('listens where it was told, and says so', async () => {
    expect(ready).toMatchObject({
      apiUrl: `http://127.0.0.1:${ports.api}`,
      s3Endpoint: `http://127.0.0.1:${ports.s3}`,
      dynamoDbEndpoint: `http://127.0.0.1:${ports.dynamoDb}`,
    });
    expect((await new Api(ready.apiUrl, ready.token).call('GET', '/v1/file-types')).status).toBe(200);
    expect((await fetch(`${ready.s3Endpoint}/fileport-local?list-type=2`)).status).toBe(403);
    // DynamoDB Local answers an unsigned request with its own error.
    expect((await fetch(ready.dynamoDbEndpoint, { method: 'POST' })).status).toBe(400);
  });

  it("shows each request's audit line", async () => {
    await createAndGrant(new Api(ready.apiUrl, ready.token));
    const lines = await eventually(
      async () => stack.stdout.split('\n').filter((line) => line.includes('"audit":true')),
      (found) => found.length > 0,
      10_000,
    );
    expect(lines.length).toBeGreaterThan(0);
  });

  it('--token --memory asks the running stack on --port for a token it accepts', async () => {
    const printed = await runToEnd(['--token', '--memory', '--port', String(ports.api)]);
    expect(printed.code).toBe(0);
    const token = /^export TOKEN=(\S+)\n$/.exec(printed.stdout)?.[1];
    expect(token).toBeDefined();
    expect((await new Api(ready.apiUrl, token!).call('GET', '/v1/file-types')).status).toBe(200);
  });
});

// The check before start (assertPortsFree) can lose a race with another process taking the port.
describe('a port taken after the check: still a PortInUseError naming the listener', () => {
  let takenPort = 0;
  useTakenPort((port) => (takenPort = port));

  it('the S3 emulator rejects, rather than crashing the process with an unhandled error event', async () => {
    const started = claimPort('S3', takenPort, () => startS3({ port: takenPort, directory: null, bucket: 'taken', corsOrigins: ['http://localhost:5173'] }));
    await expect(started).rejects.toThrow(new PortInUseError('S3', takenPort));
  });

  it('DynamoDB Local, told a taken port', async () => {
    await expect(claimPort('DynamoDB', takenPort, () => startDynamoDb({ port: takenPort, directory: null }))).rejects.toThrow(new PortInUseError('DynamoDB', takenPort));
  });
});
