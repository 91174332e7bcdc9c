import { resolve } from 'node:path';
import { buildBundles, defaultBundlesDir } from '../local/bundles';

/**
 * `npm run build:bundles`: the Lambda bundles `cdk synth` builds, for this machine's CPU, into
 * FILEPORT_LOCAL_BUNDLES (default: a folder under the system's temporary one), for
 * `FILEPORT_LOCAL_BUNDLES=<folder> npm start -- --bundles` or the integration tests to run.
 */
async function main(): Promise<void> {
  const dir = process.env.FILEPORT_LOCAL_BUNDLES ? resolve(process.env.FILEPORT_LOCAL_BUNDLES) : defaultBundlesDir();
  const started = Date.now();
  const manifest = await buildBundles(dir);
  console.log(`Built ${Object.keys(manifest.functions).length} Lambda bundles (${manifest.architecture}) in ${((Date.now() - started) / 1000).toFixed(1)} s: ${dir}`);
  console.log(`Run them with: FILEPORT_LOCAL_BUNDLES=${dir} npm start -- --bundles`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
