import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LambdaName } from './lambda-code';

/**
 * What the local stack needs of a cloud assembly to run the functions as they deploy: for each
 * function, the directory of its asset (what is zipped and uploaded), its handler and its
 * environment as the template gives it (tokens such as `{"Ref": "Table…"}` left unresolved: the
 * local stack decides what they point at).
 */
export interface BundleManifest {
  /** The cloud assembly (`cdk.out`) the assets are part of. */
  assembly: string;
  architecture: Architecture;
  functions: Record<LambdaName, BundledFunction>;
}

export interface BundledFunction {
  /** The function's logical id in the template. */
  logicalId: string;
  /** The asset directory, as `cdk deploy` zips it. */
  asset: string;
  /** `index.handler`: file (without `.js`) and export, as Lambda reads it. */
  handler: string;
  environment: Record<string, unknown>;
}

export type Architecture = 'arm64' | 'x86_64';

export const MANIFEST_FILE = 'local-bundles.json';

/**
 * Where bundles are built unless FILEPORT_LOCAL_BUNDLES names a folder (one per checkout): outside the repository on
 * purpose, so that no `node_modules` above an asset can satisfy a `require` the asset cannot (in
 * Lambda, /var/task has only what the asset ships).
 */
export const defaultBundlesDir = (): string => join(tmpdir(), `fileport-local-bundles-${createHash('sha256').update(join(__dirname, '..')).digest('hex').slice(0, 12)}`);

/** The CPU of this machine, as `fileport:architecture` names it: the thumbnails asset's sharp must load here. */
export const hostArchitecture = (): Architecture => (process.arch === 'arm64' ? 'arm64' : 'x86_64');

/**
 * Synthesizes the CDK app with bundling (esbuild, and npm for sharp, exactly as `cdk synth` does)
 * into `outdir`, for this machine's CPU, and writes the manifest next to the assembly.
 */
export async function buildBundles(outdir: string, architecture: Architecture = hostArchitecture()): Promise<BundleManifest> {
  // Loaded only here: the CDK library costs seconds that source mode need not wait.
  const { App } = await import('aws-cdk-lib');
  const { FileportStack } = await import('../lib/fileport-stack');
  rmSync(outdir, { recursive: true, force: true });
  // With malware scanning, so the scan-result function is bundled too; the local stack sets
  // FILEPORT_MALWARE_SCANNING itself, on or off, over the template's value.
  const app = new App({ outdir, context: { 'fileport:architecture': architecture, 'fileport:malwareScanning': true } });
  const stack = new FileportStack(app, 'Fileport');
  const assembly = app.synth();
  const template = JSON.parse(readFileSync(join(assembly.directory, stack.templateFile), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: unknown }; Handler?: string; Environment?: { Variables?: Record<string, unknown> } } }>;
  };
  const { api, processing, events } = stack;
  if (!events.publisher) throw new Error('The stack has no events publisher to bundle');
  const scanning = stack.fileport.malwareScanning;
  if (!scanning) throw new Error('The bundles are built with fileport:malwareScanning, which makes the scan-result function');
  const constructs = {
    ...api.functions,
    metadata: processing.metadataFunction,
    thumbnails: processing.thumbnailsFunction,
    deadLetters: processing.deadLettersFunction,
    reconciler: processing.reconcilerFunction,
    events: events.publisher,
    scanResults: scanning.function,
    webhookDeliveries: stack.fileport.webhooks.deliveryFunction,
  };
  const functions = Object.fromEntries(
    Object.entries(constructs).map(([name, fn]) => {
      const logicalId = stack.getLogicalId(fn.node.defaultChild as import('aws-cdk-lib').CfnElement);
      const resource = template.Resources[logicalId];
      const key = resource?.Properties.Code?.S3Key;
      if (typeof key !== 'string' || !resource?.Properties.Handler) throw new Error(`The template has no bundled code for ${name} (${logicalId})`);
      const asset = join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
      if (!existsSync(asset)) throw new Error(`The asset of ${name} is not in the assembly: ${asset}`);
      return [name, { logicalId, asset, handler: resource.Properties.Handler, environment: resource.Properties.Environment?.Variables ?? {} }];
    }),
  ) as Record<LambdaName, BundledFunction>;
  const manifest: BundleManifest = { assembly: assembly.directory, architecture, functions };
  writeFileSync(join(outdir, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
  return manifest;
}

export function readBundleManifest(dir: string): BundleManifest {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file)) throw new Error(`no Lambda bundles in ${dir} (no ${MANIFEST_FILE}): build them with npm run build:bundles, or unset FILEPORT_LOCAL_BUNDLES`);
  return JSON.parse(readFileSync(file, 'utf8')) as BundleManifest;
}
