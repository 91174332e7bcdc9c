import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withResults, type Results } from './report';

/** `npm run bench:readme`: the README's benchmark table, rendered again from bench/results.json. */
const ROOT = join(__dirname, '..');
export const RESULTS_FILE = join(ROOT, 'bench', 'results.json');
export const README_FILE = join(ROOT, 'README.md');

export function renderReadme(): boolean {
  const results = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Results;
  const before = readFileSync(README_FILE, 'utf8');
  const after = withResults(before, results);
  if (after !== before) writeFileSync(README_FILE, after);
  return after !== before;
}

if (require.main === module) console.log(renderReadme() ? 'README.md: benchmark table updated.' : 'README.md: benchmark table already up to date.');
