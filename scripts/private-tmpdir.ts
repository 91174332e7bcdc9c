import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `tsx scripts/private-tmpdir.ts <command> [args…]`: runs a test command with the temporary folder
 * (TMPDIR, TMP, TEMP, and so os.tmpdir() in every process it starts) pointed at a fresh folder of
 * its own, then fails, naming each entry, when the command left anything in it: a test removes what
 * it creates, and `npm test` leaves the temporary folder as it found it. The folder is private so that
 * the other processes on the machine, which come and go in the shared temporary folder, can neither
 * be blamed for a leftover nor hide one. It is removed at the end either way.
 *
 * Tools that keep a cache in the temporary folder by design keep it in the real one: Jest's (and
 * ts-jest's compiled files, through it) is configured there by jest.config.js from
 * FILEPORT_OUTER_TMPDIR. tsx keeps its compile cache in `tsx-<uid>`: the tests' `tsx` child
 * processes (the local stack, the CLI, the bench) fill one for the run, which is the one thing this
 * removes without counting it, after its processes are gone.
 */
function main(): number {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    console.error('Usage: tsx scripts/private-tmpdir.ts <command> [args…]');
    return 2;
  }
  const outer = realpathSync(tmpdir());
  const dir = mkdtempSync(join(outer, 'fileport-test-tmp-'));
  const env = { ...process.env, TMPDIR: dir, TMP: dir, TEMP: dir, FILEPORT_OUTER_TMPDIR: outer };
  try {
    const run = spawnSync(command, args, { stdio: 'inherit', env, shell: false });
    if (run.error) throw run.error;
    const status = run.status ?? 1;
    const uid = process.getuid?.() ?? process.env.USER ?? '';
    const left = readdirSync(dir).filter((name) => name !== `tsx-${uid}`);
    if (left.length === 0) return status;
    console.error(
      `\n${[command, ...args].join(' ')} left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in its temporary folder (a test must remove what it creates):\n` +
        left.sort().map((name) => `  ${name}`).join('\n'),
    );
    return status === 0 ? 1 : status;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = main();
