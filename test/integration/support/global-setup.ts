import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundles } from '../../../local/bundles';
import recordAwsCalls from './record-aws-calls';

/**
 * With FILEPORT_LOCAL_CODE=bundles (npm test), the Lambda bundles are built once for the run, from
 * this checkout as it is (never stale ones), and every local stack the tests start runs them:
 * FILEPORT_LOCAL_BUNDLES reaches the test workers and, through them, each stack's process.
 * A folder given in FILEPORT_LOCAL_BUNDLES is used as it is.
 */
export default async function globalSetup(): Promise<void> {
  recordAwsCalls();
  if (process.env.FILEPORT_LOCAL_CODE !== 'bundles' || process.env.FILEPORT_LOCAL_BUNDLES) return;
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'fileport-test-bundles-'));
  const manifest = await buildBundles(dir);
  process.env.FILEPORT_LOCAL_BUNDLES = dir;
  process.env.FILEPORT_TEST_BUNDLES_BUILT = dir;
  console.log(`\nIntegration tests run on the Lambda bundles (${manifest.architecture}) built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${dir}`);
}
