import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Context } from 'aws-lambda';
import { entrypointFile, routeGroups, type RouteGroup } from '../lambdas/routes';
import { processors, type Processor } from '../lambdas/processors';
import { buildBundles, defaultBundlesDir, readBundleManifest, type BundledFunction, type BundleManifest } from './bundles';
import { withFunctionEnvironment } from './function-environment';

/** Every function the CDK app deploys: one per API route group, and the processing ones. */
export type LambdaName = RouteGroup | Processor;
export const lambdaNames: readonly LambdaName[] = [...routeGroups, ...(Object.keys(processors) as Processor[])];

/**
 * Which code the local stack runs: `sources`, the TypeScript entry files (fast to start, what
 * development wants), or `bundles`, the Lambda assets `cdk synth` builds (minified CommonJS with
 * the AWS SDK inside, sharp installed beside the thumbnails bundle), loaded as Lambda loads them.
 */
export type LocalCode = 'sources' | 'bundles';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface LoadedLambda {
  name: LambdaName;
  handler: LambdaHandler;
  /** The file the handler came from: an entry file, or an asset's `index.js`. */
  file: string;
}

/** What the deployed template's resource references stand for locally; null: the local stack replaces the variable. */
export type LocalResources = Record<string, string | null>;

export interface LambdaCode {
  code: LocalCode;
  /** Bundles only: the cloud assembly the assets come from. */
  assembly?: string;
  /**
   * The variables the deployed functions are given (every function's, together), with the
   * template's values, and this machine's for what the template references: the local stack sets
   * those it has not set itself. Called before `load`.
   */
  environment(resources: LocalResources): Record<string, string>;
  /** A function's handler; bundles load and run with that function's own environment (`functionEnvironment`). */
  load(name: LambdaName): Promise<LoadedLambda>;
}

const ROOT = join(__dirname, '..');

/** The TypeScript entry file of a function, relative to the repository root. */
export const entryOf = (name: LambdaName): string => (name in processors ? processors[name as Processor].entry : entrypointFile(name as RouteGroup));

/** The TypeScript entry files, imported as they are: the same modules CDK bundles from. */
export function sourceCode(): LambdaCode {
  return {
    code: 'sources',
    // The handlers read what the local stack sets; the deployed values are the template's, which sources do not have.
    environment: () => ({}),
    load: async (name) => {
      const file = join(ROOT, entryOf(name));
      const module = (await import(file)) as { handler?: unknown };
      return { name, handler: handlerOf(module, 'handler', file), file };
    },
  };
}

/**
 * The bundles of a cloud assembly (`dir`, with the manifest local/bundles.ts writes), or, without
 * `dir`, bundles built now (a `cdk synth` of this checkout, some 20-30 s).
 */
export async function bundleCode(dir: string | undefined): Promise<LambdaCode> {
  const manifest = dir ? readBundleManifest(dir) : await buildBundles(defaultBundlesDir());
  return fromManifest(manifest);
}

export function fromManifest(manifest: BundleManifest): LambdaCode {
  let prepared = false;
  return {
    code: 'bundles',
    assembly: manifest.assembly,
    environment: (resources) => {
      prepared = true;
      return deployedEnvironment(manifest, resources);
    },
    load: async (name) => {
      const fn = manifest.functions[name];
      if (!fn) throw new Error(`The bundle manifest of ${manifest.assembly} has no function ${name}`);
      if (!prepared) throw new Error('Bundles are loaded once their environment is known: call environment() first');
      const env = functionEnvironment(manifest, fn, process.env);
      assertNothingAbove(fn.asset);
      // Lambda's `index.handler`: the file index.js at the asset's root, its export `handler`.
      const [base, exportName] = splitHandler(fn.handler);
      const file = join(fn.asset, `${base}.js`);
      if (!existsSync(file)) throw new Error(`The ${name} function's handler ${fn.handler} has no file ${file}`);
      let module: Record<string, unknown>;
      try {
        // Node's own CommonJS loader, resolving from the asset as Lambda's runtime does from /var/task
        // (taken from the process, not imported: a test runner's module system would stand in for it).
        const load = () => process.getBuiltinModule('node:module').createRequire(file)(file) as Record<string, unknown>;
        module = withFunctionEnvironment(env, load);
      } catch (error) {
        // Read as a property: Node's loader may throw an Error of another realm than this module's.
        const { message = String(error) } = error as { message?: string };
        throw new Error(`The ${name} function's bundle ${file} fails to load, as it would in Lambda: ${message}`, { cause: error });
      }
      const handler = handlerOf(module, exportName, file);
      return { name, handler: (event, context) => withFunctionEnvironment(env, () => handler(event, context)), file };
    },
  };
}

/** Variables of the process every function gets: those Lambda's runtime sets, and where this machine's AWS endpoints are. */
const RUNTIME_VARIABLES = /^(AWS_(REGION|DEFAULT_REGION|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|LAMBDA_LOG_LEVEL|ENDPOINT_URL(_[A-Z0-9_]+)?|SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED)|TZ|PATH|HOME|LANG)$/;

/** Deployed variables the local stack gives under another name: Secrets Manager is not emulated, the key itself is passed. */
const LOCAL_STAND_INS: Record<string, string> = { FILEPORT_UPLOAD_ID_SECRET_ARN: 'FILEPORT_UPLOAD_ID_KEY' };

/**
 * The environment one function runs with, as Lambda gives it only its own: the runtime's
 * variables, the variables its template names (with the values the process has for them: the
 * template's, unless the developer or the local stack set them), and the local configuration of
 * what deploys with its default (a FILEPORT_ variable no template names). A variable only another
 * function is given is missing, as deployed.
 */
export function functionEnvironment(manifest: BundleManifest, fn: BundledFunction, processEnv: Record<string, string | undefined>): Record<string, string> {
  const named = new Set(Object.values(manifest.functions).flatMap((f) => Object.keys(f.environment)));
  const standIns = new Set(Object.values(LOCAL_STAND_INS));
  const env: Record<string, string> = {};
  for (const [variable, value] of Object.entries(processEnv)) {
    if (value === undefined) continue;
    if (RUNTIME_VARIABLES.test(variable) || (variable.startsWith('FILEPORT_') && !named.has(variable) && !standIns.has(variable))) env[variable] = value;
  }
  for (const variable of Object.keys(fn.environment)) {
    if (variable === 'NODE_OPTIONS') continue;
    for (const name of [variable, LOCAL_STAND_INS[variable]]) {
      const value = name === undefined ? undefined : processEnv[name];
      if (name !== undefined && value !== undefined) env[name] = value;
    }
  }
  return env;
}

function splitHandler(handler: string): [string, string] {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) throw new Error(`Not a Node.js Lambda handler: ${handler}`);
  return [handler.slice(0, dot), handler.slice(dot + 1)];
}

function handlerOf(module: Record<string, unknown>, exportName: string, file: string): LambdaHandler {
  const handler = module[exportName];
  if (typeof handler !== 'function') throw new Error(`${file} exports no function ${exportName}`);
  return handler as LambdaHandler;
}

/**
 * In Lambda an asset sits alone in /var/task. A `node_modules` in a folder above the asset here
 * would let a `require` the bundle cannot satisfy (a package left external by mistake) find this
 * repository's copy and pass: bundles are only run from where nothing is above them.
 */
function assertNothingAbove(asset: string): void {
  for (let dir = dirname(asset); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) {
      throw new Error(`The bundle ${asset} has ${join(dir, 'node_modules')} above it, which Lambda would not: build the bundles outside any project (FILEPORT_LOCAL_BUNDLES)`);
    }
    if (dirname(dir) === dir) return;
  }
}

/**
 * Every function's deployed environment, in one: literal values as the template has them, and the
 * template's references (a table name, a queue URL) as `resources` says. Two functions given one
 * variable with different values cannot share a process, and a reference the local stack has no
 * stand-in for would leave a function without what it reads deployed: both stop the start.
 */
function deployedEnvironment(manifest: BundleManifest, resources: LocalResources): Record<string, string> {
  const env: Record<string, string> = {};
  const setBy: Record<string, string> = {};
  for (const [name, fn] of Object.entries(manifest.functions)) {
    for (const [variable, deployed] of Object.entries(fn.environment)) {
      if (variable === 'NODE_OPTIONS') {
        // The one option the functions set; this process cannot take options, but can do what it does.
        if (deployed !== '--enable-source-maps') throw new Error(`The ${name} function's NODE_OPTIONS ${JSON.stringify(deployed)} cannot be applied in the local stack`);
        process.setSourceMapsEnabled(true);
        continue;
      }
      let value: string | null;
      if (typeof deployed === 'string') value = deployed;
      else if (variable in resources) value = resources[variable] as string | null;
      else throw new Error(`The ${name} function's ${variable} is ${JSON.stringify(deployed)} deployed, which the local stack has no stand-in for`);
      if (value === null) continue;
      if (variable in env && env[variable] !== value) {
        throw new Error(`The ${setBy[variable]} and ${name} functions are given different ${variable} (${env[variable]}, ${value}); the local stack runs them in one process`);
      }
      env[variable] = value;
      setBy[variable] = name;
    }
  }
  return env;
}
