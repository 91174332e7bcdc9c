import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { lambdaBundle, nativePackages } from '../../lib/lambda-bundle';
import { entrypointFile, processorEntrypoints, routeGroups } from '../../lambdas/routes';
import type { Figure, Section } from '../figures';
import { median, ratio, round, shuffled } from '../stats';

/**
 * Section 3: the weight of every Lambda the CDK app deploys (one per route group, one per
 * processor): its minified bundle, built with the deployed esbuild settings (lib/lambda-bundle.ts),
 * and its cold init, the time a fresh Node process takes to `require` it. The floor is
 * bench/floor-handler.ts, an upload-URL Lambda reduced to one GetItem and one presign.
 *
 * Init is measured inside the child around `require` (what a cold start adds to the runtime's own
 * start), with --enable-source-maps as deployed; the child's whole wall time is an extra. Every
 * round runs every bundle once, in a fresh order.
 */
const ROOT = join(__dirname, '..', '..');
// Under node_modules, so a bundle's external `require("sharp")` resolves as it does in the asset.
const OUT = join(ROOT, 'node_modules', '.cache', 'fileport-bench', 'lambda-weight');
const API_SIZE_ALLOWANCE_KB = 100;
const API_INIT_RATIO = 1.2;

interface Lambda {
  name: string;
  entry: string;
  kind: 'api' | 'processor' | 'floor';
  /** Heavy packages this function exists to use; any other in its bundle is a mistake. */
  uses: { pdfLib: boolean; sharp: boolean };
}

/** Which processor needs which heavy package: pdf-lib counts pages, sharp makes thumbnails. */
const processorUses: Record<string, Lambda['uses']> = {
  metadata: { pdfLib: true, sharp: false },
  thumbnails: { pdfLib: false, sharp: true },
};

const none = { pdfLib: false, sharp: false };

export function deployedLambdas(): Lambda[] {
  return [
    ...routeGroups.map((group): Lambda => ({ name: `api ${group}`, entry: entrypointFile(group), kind: 'api', uses: none })),
    ...Object.entries(processorEntrypoints).map(([name, entry]): Lambda => ({ name: `processor ${name}`, entry, kind: 'processor', uses: processorUses[name] ?? none })),
  ];
}

interface Built {
  lambda: Lambda;
  file: string;
  kb: number;
  pdfLib: boolean;
  /** `external`: required at run time from the function's node_modules; `inlined` would crash on Lambda. */
  sharp: 'no' | 'external' | 'inlined';
  packages: [string, number][];
}

export const lambdaWeight: Section = async ({ quick }) => {
  const rounds = quick ? 1 : 5;
  rmSync(OUT, { recursive: true, force: true });
  const floorLambda: Lambda = { name: 'floor', entry: 'bench/floor-handler.ts', kind: 'floor', uses: none };
  const lambdas = deployedLambdas();
  const built = new Map<Lambda, Built>();
  for (const lambda of [floorLambda, ...lambdas]) built.set(lambda, await bundle(lambda));

  const init = new Map<Lambda, { require: number[]; wall: number[] }>([...built.keys()].map((l) => [l, { require: [], wall: [] }]));
  for (let round = 0; round < rounds; round++) {
    for (const lambda of shuffled([...built.keys()])) {
      const timing = coldInit((built.get(lambda) as Built).file);
      init.get(lambda)?.require.push(timing.requireMs);
      init.get(lambda)?.wall.push(timing.wallMs);
    }
  }

  const floor = built.get(floorLambda) as Built;
  const floorInit = init.get(floorLambda) as { require: number[]; wall: number[] };
  const floorSize = { name: 'floor bundle: GetItem + presign', unit: 'KB' as const, median: floor.kb };
  const floorInitMs = round(median(floorInit.require));
  const figures: Figure[] = [];
  for (const lambda of lambdas) {
    const b = built.get(lambda) as Built;
    const times = init.get(lambda) as { require: number[]; wall: number[] };
    const contentsOk = b.pdfLib === lambda.uses.pdfLib && (b.sharp === 'external') === lambda.uses.sharp && b.sharp !== 'inlined';
    const expected = `${lambda.uses.pdfLib ? 'pdf-lib' : 'no pdf-lib'}, ${lambda.uses.sharp ? 'sharp external' : 'no sharp'}`;
    const isApi = lambda.kind === 'api';
    figures.push({
      section: 'lambda-weight',
      name: `${lambda.name}: bundle`,
      unit: 'KB',
      median: b.kb,
      floor: floorSize,
      ratio: ratio(b.kb, floor.kb),
      target: isApi ? `≤ floor + ${API_SIZE_ALLOWANCE_KB} KB; ${expected}` : expected,
      pass: contentsOk && (!isApi || b.kb <= floor.kb + API_SIZE_ALLOWANCE_KB),
      extra: {
        'pdf-lib': b.pdfLib ? 'yes' : 'no',
        sharp: b.sharp,
        heaviest: b.packages
          .slice(0, 4)
          .map(([name, kb]) => `${name} ${kb}`)
          .join(' / '),
      },
    });
    const initMs = round(median(times.require));
    figures.push({
      section: 'lambda-weight',
      name: `${lambda.name}: cold init`,
      unit: 'ms',
      median: initMs,
      samples: times.require.length,
      floor: { name: 'floor bundle init', unit: 'ms', median: floorInitMs, samples: floorInit.require.length },
      ratio: ratio(initMs, floorInitMs),
      ...(isApi && { target: `≤ ${API_INIT_RATIO}× floor`, pass: initMs <= API_INIT_RATIO * floorInitMs }),
      // The minimum is the least disturbed start: on a busy machine it separates cost from noise.
      extra: { 'min ms': round(Math.min(...times.require)), 'floor min ms': round(Math.min(...floorInit.require)), 'process wall ms': round(median(times.wall)), 'floor wall ms': round(median(floorInit.wall)) },
    });
  }
  return figures;
};

async function bundle(lambda: Lambda): Promise<Built> {
  const dir = join(OUT, lambda.name.replace(/\W+/g, '-'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'index.js');
  const result = await build({
    ...lambdaBundle,
    entryPoints: [join(ROOT, lambda.entry)],
    bundle: true,
    external: [...nativePackages],
    outfile: file,
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('index.js'))?.[1];
  if (!output) throw new Error(`esbuild wrote no index.js for ${lambda.entry}`);
  const packages = packageSizes(output);
  const inputs = Object.keys(output.inputs);
  const sharpInlined = inputs.some((path) => /node_modules\/sharp\//.test(path));
  const sharpExternal = output.imports.some((i) => i.external && (i.path === 'sharp' || i.path.startsWith('sharp/')));
  return {
    lambda,
    file,
    kb: Math.round(output.bytes / 1024),
    pdfLib: inputs.some((path) => /node_modules\/(pdf-lib|@pdf-lib)\//.test(path)),
    sharp: sharpInlined ? 'inlined' : sharpExternal ? 'external' : 'no',
    packages,
  };
}

/** KB of the bundle per package (the function's own code as `fileport`), heaviest first. */
function packageSizes(output: Metafile['outputs'][string]): [string, number][] {
  const bytes = new Map<string, number>();
  for (const [path, input] of Object.entries(output.inputs)) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? 'fileport';
    bytes.set(name, (bytes.get(name) ?? 0) + input.bytesInOutput);
  }
  return [...bytes]
    .sort((a, b) => b[1] - a[1])
    .map(([name, b]): [string, number] => [name, Math.round(b / 1024)]);
}

const CHILD = `
const started = performance.now();
require(process.argv[1]);
process.stdout.write(String(performance.now() - started));
`;

/** One cold start: a fresh Node process that requires the bundle and reports how long that took. */
function coldInit(file: string): { requireMs: number; wallMs: number } {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--enable-source-maps', '-e', CHILD, file], {
    encoding: 'utf8',
    // What a deployed function's environment holds when its module loads; none of the caller's.
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', FILEPORT_TABLE_NAME: 'bench', FILEPORT_BUCKET_NAME: 'bench', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' },
  });
  const wallMs = performance.now() - started;
  const requireMs = Number(child.stdout);
  if (child.status !== 0 || !Number.isFinite(requireMs) || child.stdout === '') {
    throw new Error(`Loading ${file} failed (${child.status ?? child.signal}): ${child.stderr.slice(-2000)}`);
  }
  return { requireMs, wallMs };
}
