import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import type { Figure, Section } from '../figures';
import { distribution, median, ratio, round, shuffled } from '../stats';

/**
 * Section 2: the local gateway under load. N keep-alive clients (autocannon) ask for upload URLs of
 * a set of files through the real local stack (`npm start --memory`: gateway, JWT verification, the
 * uploads Lambda, DynamoDB Local and presigning). The floor is a bare node:http server answering a
 * fixed JSON of the same size, loaded the same way: the ratio is what the gateway and the handler
 * cost over raw HTTP on this machine.
 *
 * Both servers run in processes of their own and autocannon in this one, so the load generator
 * never shares an event loop with what it measures. Rounds alternate between the two.
 */
const ROOT = join(__dirname, '..', '..');
const CONNECTIONS = 10;
const FILES = 10;

export const gateway: Section = async ({ quick }) => {
  const rounds = quick ? 2 : 4;
  const roundSeconds = quick ? 1 : 5;
  const warmupRequests = quick ? 100 : 2000;

  const servers: Running[] = [];
  try {
    // --verbose: each request writes its audit line, as the deployed Lambda does; the figure includes it.
    const stack = await startProcess(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'local/main.ts', '--memory', '--port', '0', '--json', '--verbose'], {
      // The embedded emulators, never a LocalStack the environment may point at.
      AWS_ENDPOINT_URL: '',
    });
    servers.push(stack);
    const { apiUrl, token } = JSON.parse(stack.readyLine) as { apiUrl: string; token: string };
    const headers = { authorization: `Bearer ${token}` };

    const paths: string[] = [];
    for (let i = 0; i < FILES; i++) {
      const created = await fetch(`${apiUrl}/v1/files`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `Bench file ${i}`, fileTypeId: 'pdf' }),
      });
      if (created.status !== 201) throw new Error(`Creating a bench file answered ${created.status}: ${await created.text()}`);
      paths.push(`/v1/files/${((await created.json()) as { id: string }).id}/upload`);
    }
    const sample = await fetch(`${apiUrl}${paths[0]}`, { method: 'PUT', headers });
    const sampleBody = await sample.text();
    if (sample.status !== 200) throw new Error(`An upload URL answered ${sample.status}: ${sampleBody}`);

    // The floor answers what the gateway answers, byte for byte in size, with the same headers.
    const bare = await startProcess(process.execPath, ['-e', BARE_SERVER], { BENCH_BODY: sampleBody });
    servers.push(bare);
    const bareUrl = bare.readyLine.trim();

    const targets = {
      gateway: { url: apiUrl, requests: paths.map((path) => ({ method: 'PUT', path, headers })) },
      floor: { url: bareUrl, requests: paths.map((path) => ({ method: 'PUT', path, headers })) },
    };
    const tallies = { gateway: newTally(), floor: newTally() };
    for (const which of ['gateway', 'floor'] as const) await load(targets[which], { amount: warmupRequests }, tallies[which], false);
    for (let round = 0; round < rounds; round++) {
      for (const which of shuffled(['gateway', 'floor'] as const)) await load(targets[which], { duration: roundSeconds }, tallies[which], true);
    }

    const g = tallies.gateway;
    const f = tallies.floor;
    const problems = { errors: g.errors, timeouts: g.timeouts, non2xx: g.non2xx };
    const clean = problems.errors === 0 && problems.timeouts === 0 && problems.non2xx === 0;
    const throughput = round(median(g.ratePerRound));
    const floorThroughput = round(median(f.ratePerRound));
    const latency = distribution('gateway: upload URL latency', 'ms', g.latencies);
    const floorLatency = distribution('bare node:http, same answer', 'ms', f.latencies);
    const settings = { connections: CONNECTIONS, rounds, 'seconds per round': roundSeconds };
    return [
      {
        section: 'gateway',
        name: 'gateway: upload URLs per second',
        unit: 'req/s',
        median: throughput,
        samples: g.ratePerRound.length,
        floor: { name: 'bare node:http, same answer', unit: 'req/s', median: floorThroughput, samples: f.ratePerRound.length },
        ratio: ratio(throughput, floorThroughput),
        target: '0 errors, 0 timeouts, 0 non-2xx',
        pass: clean,
        extra: { ...problems, 'floor errors': f.errors + f.timeouts + f.non2xx, ...settings },
      },
      {
        section: 'gateway',
        ...latency,
        floor: floorLatency,
        ratio: ratio(latency.median, floorLatency.median),
        extra: { 'p99 ratio': ratio(latency.p99 ?? 0, floorLatency.p99 ?? 1), ...settings },
      },
    ] satisfies Figure[];
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
};

interface Tally {
  ratePerRound: number[];
  latencies: number[];
  errors: number;
  timeouts: number;
  non2xx: number;
}

const newTally = (): Tally => ({ ratePerRound: [], latencies: [], errors: 0, timeouts: 0, non2xx: 0 });

/** One autocannon run. Errors count from the warm-up on too: any failure under load is a failure. */
async function load(
  target: { url: string; requests: { method: string; path: string; headers: Record<string, string> }[] },
  length: { duration: number } | { amount: number },
  tally: Tally,
  measured: boolean,
): Promise<void> {
  const latencies: number[] = [];
  const started = performance.now();
  const instance = autocannon({ ...target, ...length, connections: CONNECTIONS, pipelining: 1, timeout: 10 });
  instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
    latencies.push(responseTimeMs);
  });
  const result = await instance;
  const seconds = (performance.now() - started) / 1000;
  tally.errors += result.errors;
  tally.timeouts += result.timeouts;
  tally.non2xx += result.non2xx;
  if (measured) {
    // Not push(...latencies): a round against the bare server yields more samples than a call takes arguments.
    for (const latency of latencies) tally.latencies.push(latency);
    tally.ratePerRound.push(latencies.length / seconds);
  }
}

/** The floor: node:http and nothing else, answering every request with the body it is given. */
const BARE_SERVER = `
const http = require('node:http');
const body = Buffer.from(process.env.BENCH_BODY);
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65000;
server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

interface Running {
  /** The first line the process printed: its URL, or the local stack's JSON. */
  readyLine: string;
  stop(): Promise<void>;
}

/** Starts a server process and waits for its first line on stdout (60 s at most). */
async function startProcess(command: string, args: string[], env: Record<string, string>): Promise<Running> {
  const child: ChildProcess = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const readyLine = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${args.join(' ').slice(0, 80)} did not start within 60 s. stderr:\n${stderr}`)), 60_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${args.join(' ').slice(0, 80)} exited with ${code} before it was ready. stderr:\n${stderr}`));
      });
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        // The local stack prints its JSON line among others; the bare server prints only its URL.
        if (!line.startsWith('{"apiUrl"') && !line.startsWith('http://')) return;
        clearTimeout(timer);
        lines.removeAllListeners('line');
        // Keep draining: a full pipe would stall the server.
        child.stdout?.resume();
        resolve(line);
      });
    });
    return { readyLine, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
