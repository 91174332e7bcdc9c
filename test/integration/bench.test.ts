import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routeGroups } from '../../lambdas/routes';
import { processorEntrypoints } from '../../lambdas/processors';

/**
 * `npm run bench` must keep working: every section runs in quick mode and must record every figure
 * with real numbers, and the gateway must answer every request under load. Timing goals are the
 * bench's to report, never this test's; bundle contents and sizes are not timings and are checked.
 */
jest.setTimeout(600_000);

const ROOT = join(__dirname, '..', '..');
let dir: string;
let results: any;
let exitCode: number | null;
let output = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fileport-bench-'));
  const out = join(dir, 'results.json');
  const child = spawn(
    process.execPath,
    [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'bench/run.ts', '--quick', '--only', 'url-issuance,gateway,lambda-weight,processors,time-to-ready,growth,share-tokens,renditions', '--out', out],
    // Not recorded for the IAM conformance check: the bench calls the adapters outside any function's invocation, and measures them unrecorded.
    { cwd: ROOT, env: { ...process.env, AWS_ENDPOINT_URL: '', FILEPORT_RECORD_AWS_CALLS: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  exitCode = await new Promise<number | null>((resolve) => child.once('close', resolve));
  results = JSON.parse(readFileSync(out, 'utf8'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const figuresOf = (section: string): any[] => results.figures.filter((f: any) => f.section === section);

function expectMeasured(measured: any): void {
  expect(Number.isFinite(measured.median)).toBe(true);
  expect(measured.median).toBeGreaterThan(0);
  if (measured.p99 !== undefined) expect(measured.p99).toBeGreaterThanOrEqual(measured.median);
}

it('runs every section without error and prints the table', () => {
  expect({ exitCode, sections: results.runs.map((s: any) => `${s.name}: ${s.status}`) }).toEqual({
    exitCode: 0,
    sections: ['url-issuance: ok', 'gateway: ok', 'lambda-weight: ok', 'processors: ok', 'time-to-ready: ok', 'growth: ok', 'share-tokens: ok', 'renditions: ok'],
  });
  expect(output).toContain('| section');
  expect(output).toContain('| lambda-weight');
});

it('records, for every section, the commit, the machine, the versions and the date the numbers came from', () => {
  for (const run of results.runs) {
    expect(run.commit).toMatch(/^[0-9a-f]{12}(-dirty)?$/);
    expect(run.quick).toBe(true);
    expect(run.machine.cores).toBeGreaterThan(0);
    expect(run.machine.memoryGiB).toBeGreaterThan(0);
    expect(typeof run.machine.cpu).toBe('string');
    expect(typeof run.machine.os).toBe('string');
    expect(run.versions.node).toBe(process.versions.node);
    for (const name of ['npm', 'sharp', 'pdf-lib']) expect(run.versions[name]).toMatch(/^\d+\.\d+\.\d+/);
    expect(run.versions.sdk['client-s3']).toMatch(/^\d+\.\d+\.\d+/);
    expect(new Date(run.date).getTime()).toBeGreaterThan(0);
  }
});

it('measures every URL-issuing route against its floor', () => {
  const figures = figuresOf('url-issuance');
  expect(figures.map((f) => f.name)).toEqual([
    expect.stringContaining('upload URL'),
    expect.stringContaining('download URL'),
    expect.stringContaining('upload form'),
    expect.stringContaining('multipart upload, 1 part URL'),
    expect.stringContaining('multipart upload, 10 part URLs'),
    expect.stringContaining('shared download URL'),
    expect.stringContaining('public link'),
  ]);
  for (const figure of figures) {
    expectMeasured(figure);
    expectMeasured(figure.floor);
    expect(figure.samples).toBeGreaterThan(0);
    expect(figure.floor.samples).toBe(figure.samples);
    expect(figure.ratio).toBeGreaterThan(0);
    expect(typeof figure.pass).toBe('boolean');
  }
  expect(typeof figures[4].extra['µs per part URL']).toBe('number');
});

it('loads the gateway with no errors, timeouts or non-2xx answers', () => {
  const [throughput, latency] = figuresOf('gateway');
  expect(throughput.unit).toBe('req/s');
  expectMeasured(throughput);
  expectMeasured(throughput.floor);
  // Errors are not timings: any under load fails here. How fast is the bench's to say (--check).
  expect({ errors: throughput.extra.errors, timeouts: throughput.extra.timeouts, non2xx: throughput.extra.non2xx, floorErrors: throughput.extra['floor errors'] }).toEqual({
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    floorErrors: 0,
  });
  expect(throughput.floor.name).toBe('node:http + jose + GetItem + presign');
  for (const figure of [throughput, latency]) expect(typeof figure.pass).toBe('boolean');
  expect(latency.unit).toBe('ms');
  expectMeasured(latency);
  expectMeasured(latency.floor);
});

it('weighs every deployed Lambda, and each carries only the heavy packages it uses', () => {
  const lambdas = [...routeGroups.map((g) => `api ${g}`), ...Object.keys(processorEntrypoints).map((p) => `processor ${p}`)];
  const figures = figuresOf('lambda-weight');
  expect(figures.map((f) => f.name).sort()).toEqual(
    lambdas.flatMap((name) => [`${name}: bundle`, name.startsWith('api ') ? `${name}: cold start (load + first request)` : `${name}: cold init (load)`]).sort(),
  );
  for (const figure of figures) {
    expectMeasured(figure);
    expectMeasured(figure.floor);
  }
  // The API functions' first request was answered (the child checks its status) and timed, the floor's too.
  for (const figure of figures.filter((f) => f.name.includes('first request'))) {
    expect(figure.extra['first request ms']).toBeGreaterThan(0);
    expect(figure.extra['floor first request ms']).toBeGreaterThan(0);
  }
  // Sizes and contents are deterministic, unlike times: a heavier or wrongly assembled bundle fails here.
  const bundles = figures.filter((f) => f.name.endsWith(': bundle'));
  expect(bundles.filter((f) => !f.pass).map((f) => `${f.name}: ${f.median} KB (${f.target}; ${JSON.stringify(f.extra)})`)).toEqual([]);
  const contents = Object.fromEntries(bundles.map((f) => [f.name, `pdf-lib ${f.extra['pdf-lib']}, sharp ${f.extra.sharp}`]));
  expect(contents['processor metadata: bundle']).toBe('pdf-lib yes, sharp no');
  expect(contents['processor thumbnails: bundle']).toBe('pdf-lib no, sharp external');
  // Only the renditions function installs sharp; no API function carries pdf-lib.
  for (const group of routeGroups) expect([group, contents[`api ${group}: bundle`]]).toEqual([group, group === 'renditions' ? 'pdf-lib no, sharp external' : 'pdf-lib no, sharp no']);
});

it('counts pages (whole and ranged), makes thumbnails and PDF previews of the generated inputs, each beside its floor', () => {
  const figures = figuresOf('processors');
  expect(figures.map((f) => f.name)).toEqual([
    expect.stringMatching(/^page count/),
    expect.stringMatching(/^ranged page count/),
    expect.stringMatching(/^page count/),
    expect.stringMatching(/^ranged page count/),
    expect.stringContaining('peak RSS'),
    expect.stringMatching(/^page count/),
    expect.stringMatching(/^ranged page count, .*classic/),
    expect.stringMatching(/^ranged page count, .*cross-reference streams/),
    ...Array(2).fill(expect.stringMatching(/^PDF preview/)),
    ...Array(3).fill(expect.stringContaining('thumbnails')),
  ]);
  for (const figure of figures) {
    expectMeasured(figure);
    expectMeasured(figure.floor);
  }
  // The real processors answered, rather than failing on the generated inputs.
  const results = figures.map((f) => String(f.extra?.result ?? ''));
  expect(results.filter((r) => /^\d+ pages$/.test(r))).toHaveLength(7);
  expect(results.filter((r) => /^small \d+×\d+, medium \d+×\d+$/.test(r))).toHaveLength(5);
  // The ranged count read a part of each file, and said how much.
  for (const figure of figures.filter((f) => f.name.startsWith('ranged'))) {
    expect(figure.extra['bytes read']).toBeGreaterThan(0);
    expect(figure.extra['bytes read / file size']).toBeLessThanOrEqual(1);
  }
});

it('times uploads to ready by size, with and without a declared checksum, with bytes read and Lambda cost', () => {
  const figures = figuresOf('time-to-ready');
  const ready = figures.filter((f) => f.name.startsWith('time to ready'));
  expect(ready).toHaveLength(8);
  for (const figure of ready) {
    expectMeasured(figure);
    expect(figure.samples).toBe(2);
    expect(figure.extra['bytes read']).toBeGreaterThan(0);
    expect(figure.extra['US$ / 1,000 files']).toBeGreaterThan(0);
    expect(figure.extra.price).toContain('2026-12-05');
  }
  // A declared SHA-256 is read back from S3: past the sniffed head, the object is not read.
  const declared20 = ready.find((f) => f.name === 'time to ready, 20 MB, declared SHA-256');
  const undeclared20 = ready.find((f) => f.name === 'time to ready, 20 MB, no declared checksum');
  expect(declared20.extra['bytes read']).toBeLessThan(1024 ** 2);
  expect(undeclared20.extra['bytes read']).toBeGreaterThanOrEqual(20 * 1024 ** 2);
  const [run, checksumRead, independence] = figures.slice(-3);
  expect([run.floor.name, checksumRead.floor.name]).toEqual([expect.stringContaining('HeadObject'), expect.stringContaining('HeadObject')]);
  expect(checksumRead.name).toContain('checksum read back');
  expect(independence.name).toContain('size independence');
  for (const figure of [run, checksumRead, independence]) {
    expectMeasured(figure);
    expectMeasured(figure.floor);
    expect(figure.ratio).toBeGreaterThan(0);
  }
  expect(typeof independence.pass).toBe('boolean');
});

it('times first and later rendition requests through the real entrypoint, each beside its floor', () => {
  const figures = figuresOf('renditions');
  expect(figures.map((f) => f.name)).toEqual([expect.stringContaining('first request'), expect.stringContaining('later request')]);
  for (const figure of figures) {
    expectMeasured(figure);
    expectMeasured(figure.floor);
    expect(typeof figure.pass).toBe('boolean');
  }
  expect(figures[0].extra.result).toMatch(/^\d+×\d+$/);
  // The first request's floor reads and stores as the handler must; sharp alone is reported beside it.
  expect(figures[0].floor.name).toMatch(/GetObject.*sharp.*PutObject/);
  expect(figures[0].extra['ratio to sharp alone']).toBeGreaterThan(0);
});

it('lists tenants of two sizes through the real repository, finding every matching file', () => {
  const lists = figuresOf('growth').filter((f) => f.name.startsWith('list'));
  expect(lists).toHaveLength(4);
  for (const figure of lists) {
    expectMeasured(figure);
    expectMeasured(figure.floor);
    expect(figure.extra['matching files']).toBeGreaterThan(0);
  }
});

it('times unknown, deleted and expired share tokens, every one answering the same 404', () => {
  const [unknown, deleted, expired, difference] = figuresOf('share-tokens');
  expect([unknown, deleted, expired].map((f) => f.name)).toEqual([
    expect.stringMatching(/^unknown token/),
    expect.stringMatching(/^deleted token/),
    expect.stringMatching(/^expired token/),
  ]);
  // The section throws on any answer that differs from the first 404, so getting here means none did.
  expect([unknown, deleted, expired].map((f) => f.extra['DynamoDB GetItem'])).toEqual(['miss', 'miss', 'hit']);
  for (const figure of [unknown, deleted, expired]) {
    expectMeasured(figure);
    expect(figure.samples).toBe(difference.extra.samples);
  }
  for (const figure of [deleted, expired, difference]) {
    expectMeasured(figure.floor);
    expect(figure.floor.samples).toBe(unknown.samples);
    expect(figure.ratio).toBeGreaterThan(0);
  }
  expect(difference.name).toContain('largest difference');
  expect(difference.median).toBeGreaterThanOrEqual(0);
  expect(typeof difference.pass).toBe('boolean');
  expect(difference.extra['identical 404s']).toBeGreaterThan(3 * difference.extra.samples);
});
