import { execFileSync, fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Figure, Section } from './figures';
import { README_FILE, RESULTS_FILE, renderReadme } from './readme';
import { describeMachine, merge, missedTargets, table, type Results } from './report';

/**
 * `npm run bench`: every section in order, each in a fresh Node process (a section's stack, clients
 * and heap cannot skew the next one, and the Lambdas' module-level caches start empty), then one table.
 * Options:
 *   --only a,b    run only these sections (names as in the table)
 *   --quick       small inputs and short runs: checks that the bench works, measures little
 *   --check       exit 1 when any figure misses its target, naming each
 *   --out FILE    where the JSON goes
 * A full run merges its sections into bench/results.json (each section records its commit, machine
 * and date) and renders the README's table from it; a quick one writes under node_modules/.cache
 * unless --out says otherwise, and never touches the README. Exits 1 when a section fails to run.
 */
const ROOT = resolve(__dirname, '..');

/** Each section's module (bench/sections/<name>.ts) and the name of its exported `Section`, in run order. */
const sections: Record<string, string> = {
  'url-issuance': 'urlIssuance',
  gateway: 'gateway',
  'lambda-weight': 'lambdaWeight',
  processors: 'processors',
  'time-to-ready': 'timeToReady',
  growth: 'growth',
  'share-tokens': 'shareTokens',
  renditions: 'renditions',
};

/** Loaded by path, so one missing or broken section fails alone instead of the whole bench. */
async function loadSection(name: string): Promise<Section> {
  const exportName = sections[name];
  if (!exportName) throw new Error(`Unknown section ${name}`);
  const module = (await import(join(__dirname, 'sections', `${name}.ts`))) as Record<string, unknown>;
  const section = module[exportName];
  if (typeof section !== 'function') throw new Error(`bench/sections/${name}.ts exports no Section named ${exportName}`);
  return section as Section;
}

type ChildMessage = { figures: Figure[] } | { error: string };

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      out: { type: 'string' },
      // Internal: run one section in this process and send its figures to the parent.
      section: { type: 'string' },
    },
  });
  if (values.section) return runChild(values.section, values.quick);

  const names = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : Object.keys(sections);
  const unknown = names.filter((name) => !(name in sections));
  if (unknown.length > 0) {
    console.error(`Unknown section(s): ${unknown.join(', ')}. Sections: ${Object.keys(sections).join(', ')}.`);
    return 2;
  }
  // The order of the table is the order of `sections`, whatever order --only named them in.
  const selected = Object.keys(sections).filter((name) => names.includes(name));
  // Quick numbers measure little: they never land in the committed results unless asked to.
  const out = values.out ?? (values.quick ? join(ROOT, 'node_modules', '.cache', 'fileport-bench', 'results.quick.json') : RESULTS_FILE);

  const provenance = { commit: commit(), quick: values.quick, machine: machine(), versions: versions() };
  const latest: Results = { runs: [], figures: [] };
  for (const name of selected) {
    process.stderr.write(`bench: ${name}${values.quick ? ' (quick)' : ''}… `);
    const date = new Date().toISOString();
    const started = performance.now();
    const outcome = await runSection(name, values.quick);
    const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
    if ('figures' in outcome) {
      latest.figures.push(...outcome.figures);
      latest.runs.push({ name, status: 'ok', seconds, date, ...provenance });
      process.stderr.write(`${outcome.figures.length} figure(s) in ${seconds} s\n`);
    } else {
      latest.runs.push({ name, status: 'error', seconds, error: outcome.error, date, ...provenance });
      process.stderr.write(`FAILED after ${seconds} s\n${outcome.error}\n`);
    }
  }

  const earlier = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Results) : undefined;
  const results = merge(earlier?.runs ? earlier : undefined, latest, Object.keys(sections));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\n${table(latest.figures)}\n`);
  console.log(`${describeMachine(provenance.machine, provenance.versions.node)}; commit ${provenance.commit}.`);
  console.log(`Written to ${out}.`);
  if (resolve(out) === RESULTS_FILE && renderReadme()) console.log(`${README_FILE}: benchmark table rendered again from it.`);

  const failed = latest.runs.filter((r) => r.status === 'error');
  if (failed.length > 0) console.error(`Section(s) failed: ${failed.map((r) => r.name).join(', ')}.`);
  if (values.check) {
    const missed = missedTargets(latest);
    for (const line of missed) console.error(`bench --check: ${line}`);
    if (missed.length > 0) return 1;
    console.log('bench --check: every target met.');
  }
  return failed.length > 0 ? 1 : 0;
}

/** Runs one section in a child process; its output is shown only if it fails. */
function runSection(name: string, quick: boolean): Promise<ChildMessage> {
  return new Promise((resolvePromise) => {
    const child = fork(__filename, ['--section', name, ...(quick ? ['--quick'] : [])], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let message: ChildMessage | undefined;
    child.on('message', (m) => {
      message = m as ChildMessage;
    });
    child.on('error', (error) => {
      message ??= { error: `Could not start the section's process: ${error.message}` };
    });
    child.on('close', (code, signal) => {
      if (message && 'figures' in message && code === 0) return resolvePromise(message);
      const reason = message && 'error' in message ? message.error : `its process exited with ${signal ?? `code ${code}`} before reporting`;
      resolvePromise({ error: `${reason}\n--- its output (last 8,000 characters) ---\n${output}` });
    });
  });
}

async function runChild(name: string, quick: boolean): Promise<number> {
  const send = (message: ChildMessage) => new Promise<void>((done) => process.send?.(message, () => done()) ?? done());
  try {
    const figures = await (await loadSection(name))({ quick });
    await send({ figures });
    return 0;
  } catch (error) {
    await send({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return 1;
  }
}

/** The commit measured: HEAD, and `-dirty` when the work tree differs from it. */
function commit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return `${git('rev-parse', '--short=12', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') === '' ? '' : '-dirty'}`;
  } catch {
    return 'unknown (not a git work tree)';
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function npmVersion(): string {
  // Under `npm run`, npm names itself; run directly, ask it.
  const agent = /npm\/(\S+)/.exec(process.env.npm_config_user_agent ?? '')?.[1];
  if (agent) return agent;
  try {
    return execFileSync('npm', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function versions() {
  return {
    node: process.versions.node,
    npm: npmVersion(),
    sdk: { 'client-s3': packageVersion('@aws-sdk/client-s3'), 'client-dynamodb': packageVersion('@aws-sdk/client-dynamodb'), 'lib-dynamodb': packageVersion('@aws-sdk/lib-dynamodb') },
    sharp: packageVersion('sharp'),
    'pdf-lib': packageVersion('pdf-lib'),
    zod: packageVersion('zod'),
    esbuild: packageVersion('esbuild'),
    autocannon: packageVersion('autocannon'),
  };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
