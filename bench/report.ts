import type { Figure, Measured } from './figures';

/** The machine a section ran on, as `npm run bench` records it. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
}

/** One section's run: what it was measured on (commit, machine, versions) and when. */
export interface SectionRun {
  name: string;
  status: 'ok' | 'error';
  seconds: number;
  error?: string;
  /** `git rev-parse HEAD`, with `-dirty` when the work tree had changes: what was measured. */
  commit: string;
  date: string;
  quick: boolean;
  machine: Machine;
  versions: Record<string, unknown>;
}

/** bench/results.json: the last run of every section, and its figures. */
export interface Results {
  runs: SectionRun[];
  figures: Figure[];
}

/**
 * The results of a run merged over earlier ones: a section run again replaces its run and figures,
 * the others keep theirs (each run says its own commit and date), in `order`.
 */
export function merge(earlier: Results | undefined, latest: Results, order: readonly string[]): Results {
  const rerun = new Set(latest.runs.map((r) => r.name));
  const runs = [...(earlier?.runs ?? []).filter((r) => !rerun.has(r.name)), ...latest.runs];
  const figures = [...(earlier?.figures ?? []).filter((f) => !rerun.has(f.section)), ...latest.figures];
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  return {
    runs: runs.sort((a, b) => rank(a.name) - rank(b.name)),
    // Stable: figures keep their section's order within it.
    figures: figures.map((f, i) => [f, i] as const).sort(([a, i], [b, j]) => rank(a.section) - rank(b.section) || i - j).map(([f]) => f),
  };
}

/** Every figure that missed its target, and every section that failed to run, in words. */
export function missedTargets(results: Results): string[] {
  return [
    ...results.runs.filter((r) => r.status === 'error').map((r) => `${r.name}: the section failed to run`),
    ...results.figures.filter((f) => f.pass === false).map((f) => `${f.section}: ${f.name}: ${describe(f)} misses "${f.target ?? ''}"`),
  ];
}

const describe = (f: Figure) => (f.ratio === undefined ? `${f.median} ${f.unit}` : `ratio ${f.ratio} (${f.median} ${f.unit} against ${f.floor?.median} ${f.floor?.unit})`);

const value = (m: Measured | undefined, field: 'median' | 'p99'): string => (m?.[field] === undefined ? '' : `${m[field]} ${m.unit}`);

/** A Markdown table: readable in a terminal and, rendered from results.json, the README's. */
export function table(figures: readonly Figure[]): string {
  const header = ['section', 'figure', 'median', 'p99', 'floor median', 'ratio', 'target', 'pass', 'extras'];
  const rows = figures.map((f) => [
    f.section,
    f.name,
    value(f, 'median'),
    value(f, 'p99'),
    value(f.floor, 'median'),
    f.ratio === undefined ? '' : String(f.ratio),
    f.target ?? '',
    f.pass === undefined ? '' : f.pass ? 'yes' : 'NO',
    Object.entries(f.extra ?? {})
      .map(([k, v]) => `${k}: ${v}`)
      .join(', '),
  ]);
  // Pipes inside a cell would end it.
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => cell(r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => cell(c).padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const describeMachine = (m: Machine, node: unknown) => `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${String(node)}`;

/** Where each section was measured: one line each. */
export function provenance(runs: readonly SectionRun[]): string {
  return runs
    .map((r) => `- \`${r.name}\`: ${r.date.slice(0, 10)}, commit \`${r.commit}\`${r.quick ? ' (--quick)' : ''}, ${describeMachine(r.machine, r.versions.node)}${r.status === 'error' ? ' — FAILED' : ''}`)
    .join('\n');
}

export const README_START = '<!-- bench-results: generated from bench/results.json by `npm run bench:readme`; do not edit -->';
export const README_END = '<!-- /bench-results -->';

/** The README's results block, as bench/results.json renders. */
export function readmeBlock(results: Results): string {
  return `${README_START}\n${provenance(results.runs)}\n\n${table(results.figures)}\n${README_END}`;
}

/** The README with its results block replaced by `results`' rendering. */
export function withResults(readme: string, results: Results): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md has no results block (${README_START} … ${README_END})`);
  return readme.slice(0, start) + readmeBlock(results) + readme.slice(end + README_END.length);
}
