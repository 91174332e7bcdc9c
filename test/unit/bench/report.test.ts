import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Figure } from '../../../bench/figures';
import { merge, missedTargets, readmeBlock, README_END, README_START, table, withResults, type Results, type SectionRun } from '../../../bench/report';

const ROOT = join(__dirname, '..', '..', '..');
const SECTIONS = ['url-issuance', 'gateway', 'lambda-weight', 'processors', 'time-to-ready', 'growth', 'share-tokens', 'renditions'];

const run = (name: string, overrides: Partial<SectionRun> = {}): SectionRun => ({
  name,
  status: 'ok',
  seconds: 1,
  commit: 'abcdef012345',
  date: '2026-12-04T12:00:00.000Z',
  quick: false,
  machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 4, os: 'Linux' },
  versions: { node: '20.20.2' },
  ...overrides,
});
const figure = (section: string, name: string, pass?: boolean): Figure => ({ section, name, unit: 'µs', median: 120, floor: { name: 'floor', unit: 'µs', median: 100 }, ratio: 1.2, target: 'ratio ≤ 1.2 at p50', pass });

describe('the README\'s benchmark table', () => {
  const committed = JSON.parse(readFileSync(join(ROOT, 'bench', 'results.json'), 'utf8')) as Results;

  it('is the rendering of the committed bench/results.json, never edited by hand (npm run bench:readme renders it)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf(README_START);
    const end = readme.indexOf(README_END);
    expect(start).toBeGreaterThan(0);
    expect(readme.slice(start, end + README_END.length)).toBe(readmeBlock(committed));
  });

  it('comes from a full run of every section, each saying its commit, machine and date', () => {
    expect(committed.runs.map((r) => r.name)).toEqual(SECTIONS);
    for (const r of committed.runs) {
      expect({ name: r.name, status: r.status, quick: r.quick }).toEqual({ name: r.name, status: 'ok', quick: false });
      expect(r.commit).toMatch(/^[0-9a-f]{12}(-dirty)?$/);
      expect(Number.isNaN(Date.parse(r.date))).toBe(false);
      expect(r.machine.cores).toBeGreaterThan(0);
    }
    expect(new Set(committed.figures.map((f) => f.section))).toEqual(new Set(SECTIONS));
  });

  it('shows every figure of the results, and where each section was measured', () => {
    const block = readmeBlock({ runs: [run('gateway', { commit: '0123456789ab-dirty' })], figures: [figure('gateway', 'a | b', false)] });
    expect(block).toContain('`gateway`: 2026-12-04, commit `0123456789ab-dirty`, Test CPU, 2 cores, 4 GiB, Linux; Node 20.20.2');
    // A pipe in a cell is escaped, or it would end the cell.
    expect(block).toContain('| gateway | a \\| b ');
    expect(block).toContain('| NO ');
  });

  it('is replaced whole, and a README without the block is an error', () => {
    const results: Results = { runs: [run('growth')], figures: [figure('growth', 'list', true)] };
    const readme = `# Title\n\n${README_START}\nold\n${README_END}\n\nAfter.\n`;
    expect(withResults(readme, results)).toBe(`# Title\n\n${readmeBlock(results)}\n\nAfter.\n`);
    expect(() => withResults('# No table\n', results)).toThrow(/no results block/);
  });
});

describe('bench --check', () => {
  it('names every figure that missed its target and every section that failed; figures without a target never miss', () => {
    const results: Results = {
      runs: [run('url-issuance'), run('processors', { status: 'error', error: 'boom' })],
      figures: [figure('url-issuance', 'upload URL', false), figure('url-issuance', 'download URL', true), figure('url-issuance', 'seeding')],
    };
    expect(missedTargets(results)).toEqual([
      'processors: the section failed to run',
      'url-issuance: upload URL: ratio 1.2 (120 µs against 100 µs) misses "ratio ≤ 1.2 at p50"',
    ]);
    expect(missedTargets({ runs: [run('url-issuance')], figures: [figure('url-issuance', 'download URL', true)] })).toEqual([]);
  });
});

describe('merging a run into the results', () => {
  it('replaces the sections run again and keeps the others, in the bench\'s order', () => {
    const earlier: Results = {
      runs: [run('url-issuance', { commit: 'old' }), run('gateway', { commit: 'old' })],
      figures: [figure('url-issuance', 'u1'), figure('url-issuance', 'u2'), figure('gateway', 'g-old')],
    };
    const latest: Results = { runs: [run('gateway', { commit: 'new' })], figures: [figure('gateway', 'g-new')] };
    const merged = merge(earlier, latest, SECTIONS);
    expect(merged.runs.map((r) => `${r.name}@${r.commit}`)).toEqual(['url-issuance@old', 'gateway@new']);
    expect(merged.figures.map((f) => f.name)).toEqual(['u1', 'u2', 'g-new']);
    expect(table(merged.figures).split('\n')).toHaveLength(2 + 3);
  });

  it('starts from nothing when there were no results', () => {
    const latest: Results = { runs: [run('growth')], figures: [figure('growth', 'list')] };
    expect(merge(undefined, latest, SECTIONS)).toEqual(latest);
  });
});
