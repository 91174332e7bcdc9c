import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** The fenced sh block after `<!-- walkthrough.sh: PART -->` in the README. */
function readmeBlock(readme: string, part: 'steps' | 'helpers'): string | undefined {
  return new RegExp(`<!-- walkthrough\\.sh: ${part} -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\n`).exec(readme)?.[1];
}

describe("the README's curl walk-through", () => {
  it('shows examples/walkthrough.sh verbatim: its helpers (folded) and its steps', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const script = readFileSync(join(ROOT, 'examples', 'walkthrough.sh'), 'utf8');
    const steps = readmeBlock(readme, 'steps');
    const helpers = readmeBlock(readme, 'helpers');
    expect(steps).toMatch(/^# 1\. What can be stored\n/);
    expect(helpers).toMatch(/^#!\/bin\/sh\n/);
    // The script is what the integration test runs (test/integration/walkthrough.test.ts): the README must be it, line for line.
    expect(`${helpers}${steps}`).toBe(script);
  });
});
