import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { lambdaBundle, nativePackages } from '../../../lib/lambda-bundle';
import { MANIFEST_FILE, type BundledFunction, type BundleManifest } from '../../../local/bundles';
import { lambdaNames, type LambdaName } from '../../../local/lambda-code';

/**
 * Entries with a bundling mistake each (and one without), bundled as the CDK app bundles
 * (lib/lambda-bundle.ts): each mistake works from the sources and fails once bundled.
 */
export type Entry = 'fine' | 'dynamic-require' | 'reads-beside' | 'environment';

/** `entry` bundled into the asset folder `asset.<entry>` under `parent`, as a function of a manifest. */
export async function bundled(entry: Entry, parent: string, handler = 'index.handler'): Promise<BundledFunction> {
  const asset = join(parent, `asset.${entry}`);
  await build({ ...lambdaBundle, entryPoints: [join(__dirname, `${entry}.ts`)], bundle: true, external: [...nativePackages], outfile: join(asset, 'index.js'), logLevel: 'silent' });
  return { logicalId: `${entry.replace(/-/g, '')}Function`, asset, handler, environment: {} };
}

/**
 * A cloud assembly as local/bundles.ts describes one, in `dir`, whose functions all run `fine`
 * but those given, each with the environment given (a template's): what the local stack loads
 * with FILEPORT_LOCAL_BUNDLES=dir.
 */
export async function assemblyOf(
  dir: string,
  entries: Partial<Record<LambdaName, Entry>>,
  environments: Partial<Record<LambdaName, Record<string, unknown>>> = {},
): Promise<BundleManifest> {
  const functions = Object.fromEntries(
    await Promise.all(lambdaNames.map(async (name) => [name, { ...(await bundled(entries[name] ?? 'fine', join(dir, name))), environment: environments[name] ?? {} }] as const)),
  );
  const manifest: BundleManifest = { assembly: dir, architecture: 'x86_64', functions: functions as BundleManifest['functions'] };
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
  return manifest;
}
