import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../local/dev-auth';
import { LOCAL_BUCKET, LOCAL_TABLE } from '../../local/stack';
import type { Figure, Section } from '../figures';
import { distribution, median, ratio, round, shuffled } from '../stats';

/**
 * Section 2: the local gateway under load. N keep-alive clients (autocannon) ask for upload URLs of
 * a set of files through the real local stack (`npm start --memory`: gateway, JWT verification, the
 * uploads Lambda, DynamoDB Local and presigning). The floor (bench/gateway-floor.ts) grants the same
 * upload URLs for real with nothing around it: node:http, the same ES256 JWT verified with jose, one
 * GetItem from the same DynamoDB Local and one presign against the same S3 emulator. The ratios are
 * what the gateway, routing, validation and middleware cost over the work itself.
 *
 * Both servers run in processes of their own and autocannon in this one, so the load generator
 * never shares an event loop with what it measures. Rounds alternate between the two.
 */
const ROOT = join(__dirname, '..', '..');
const CONNECTIONS = 10;
const FILES = 10;
const TARGET = 1.3;

export const gateway: Section = async ({ quick }) => {
  const rounds = quick ? 2 : 4;
  const roundSeconds = quick ? 1 : 5;
  const warmupRequests = quick ? 100 : 2000;

  const servers: Running[] = [];
  try {
    // As `npm start` runs by default: quiet, no audit line per request (the floor writes none either;
    // url-issuance measures the functions with theirs).
    const stack = await startProcess(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'local/main.ts', '--memory', '--port', '0', '--json'], {
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

    // The floor, against the same emulators, verifying the same tokens with the stack's public key.
    const { s3Endpoint, dynamoDbEndpoint } = JSON.parse(stack.readyLine) as { s3Endpoint: string; dynamoDbEndpoint: string };
    const floorServer = await startProcess(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'bench/gateway-floor.ts'], {
      BENCH_JWKS_URL: `${apiUrl}/_dev/jwks.json`,
      BENCH_ISSUER: LOCAL_ISSUER,
      BENCH_AUDIENCE: LOCAL_AUDIENCE,
      BENCH_TENANT_CLAIM: 'tenant_id',
      BENCH_TABLE: LOCAL_TABLE,
      BENCH_BUCKET: LOCAL_BUCKET,
      AWS_ENDPOINT_URL: '',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEndpoint,
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    });
    servers.push(floorServer);
    const bareUrl = floorServer.readyLine.trim();
    const floorSample = await fetch(`${bareUrl}${paths[0]}`, { method: 'PUT', headers });
    if (floorSample.status !== 200) throw new Error(`The floor answered ${floorSample.status}: ${await floorSample.text()}`);
    // Same work, same kind of answer: both grant a URL that S3 takes.
    for (const body of [sampleBody, await floorSample.text()]) {
      const { url, headers: signed } = JSON.parse(body) as { url: string; headers: Record<string, string> };
      const put = await fetch(url, { method: 'PUT', headers: signed, body: '%PDF-1.7\n' });
      if (put.status !== 200) throw new Error(`A PUT to a granted URL answered ${put.status}: ${await put.text()}`);
    }

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
    const floorLatency = distribution('node:http + jose + GetItem + presign', 'ms', f.latencies);
    const settings = { connections: CONNECTIONS, rounds, 'seconds per round': roundSeconds };
    // Throughput: how many times the floor's rate is the gateway's (below 1 is slower); its target
    // is the floor's rate at most 1.3 times the gateway's.
    const throughputRatio = ratio(throughput, floorThroughput);
    const latencyRatio = ratio(latency.median, floorLatency.median);
    return [
      {
        section: 'gateway',
        name: 'gateway: upload URLs per second',
        unit: 'req/s',
        median: throughput,
        samples: g.ratePerRound.length,
        floor: { name: 'node:http + jose + GetItem + presign', unit: 'req/s', median: floorThroughput, samples: f.ratePerRound.length },
        ratio: throughputRatio,
        target: `floor ≤ ${TARGET}× gateway; 0 errors, timeouts, non-2xx`,
        pass: clean && floorThroughput <= TARGET * throughput,
        extra: { ...problems, 'floor errors': f.errors + f.timeouts + f.non2xx, ...settings },
      },
      {
        section: 'gateway',
        ...latency,
        floor: floorLatency,
        ratio: latencyRatio,
        target: `ratio ≤ ${TARGET} at p50`,
        pass: latencyRatio <= TARGET,
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
        // The local stack prints its JSON line among others; the floor prints only its URL.
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
