import { rmSync } from 'node:fs';

/** Removes the bundles global-setup.ts built for this run (not a folder the developer gave). */
export default function globalTeardown(): void {
  const built = process.env.FILEPORT_TEST_BUNDLES_BUILT;
  if (built) rmSync(built, { recursive: true, force: true });
}
