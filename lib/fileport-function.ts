import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { catalogueJson } from '../lambdas/file-type-catalogue';
import { environmentVariables } from '../lambdas/function-needs';
import { lambdaBundle, nativePackages, tracingDefine } from './lambda-bundle';
import type { FileportArchitecture, FunctionSettings } from './deployment-settings';

/**
 * Each CPU `fileport:architecture` may name: Lambda's, and npm's name for it, which installs native
 * packages for the Lambda rather than for the machine running the synth.
 */
const cpus: Record<FileportArchitecture, { lambda: lambda.Architecture; npm: string }> = {
  arm64: { lambda: lambda.Architecture.ARM_64, npm: 'arm64' },
  x86_64: { lambda: lambda.Architecture.X86_64, npm: 'x64' },
};

/** Repository root: route-table paths such as `lambdas/entrypoints/api-files.ts` are relative to it. */
export const projectRoot = path.resolve(__dirname, '..');

export interface FileportFunctionProps {
  /** Entry file relative to the repository root, as `entrypointFile()` and `processorEntrypoints` give it. */
  entry: string;
  /** The deployment's CPU and S3 endpoint: required, so no function can miss an `x86_64` or LocalStack deployment's. */
  settings: FunctionSettings;
  description?: string;
  memorySize?: number;
  timeout?: Duration;
  environment?: Record<string, string>;
  /**
   * Packages with native binaries that esbuild cannot bundle. They are installed into the asset
   * with npm for the Lambda's platform (linux, its CPU, glibc), not for the machine running the synth.
   */
  nativeModules?: string[];
  logRetention?: logs.RetentionDays;
}

/**
 * Every Fileport Lambda: the runtime, CPU, bundling and logging decisions are made here once, so a
 * function differs from another only in what it runs and what it may touch.
 */
export class FileportFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: FileportFunctionProps) {
    // Created before super() so the function is born with it and never writes to an implicit,
    // never-expiring /aws/lambda/<name> group.
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });

    // A role of our own, allowed to write to this one log group only, instead of the managed
    // AWSLambdaBasicExecutionRole (which may create and write any log group in the account).
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the Fileport ${id} function`,
    });
    logGroup.grantWrite(role);
    const tracing = props.settings.tracing;

    const cpu = cpus[props.settings.architecture];
    super(scope, id, {
      entry: path.join(projectRoot, props.entry),
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: cpu.lambda,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      role,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        // The SDK's own variable: every S3 call and pre-signed URL goes there, path-style
        // (lambdas/config.ts), as LocalStack serves buckets.
        ...(props.settings.s3Endpoint !== '' && { AWS_ENDPOINT_URL_S3: props.settings.s3Endpoint }),
        // The catalogue in the asset (below), by a path relative to /var/task: far from the 4 KB
        // Lambda allows all of a function's variables, which the catalogue alone would exceed.
        [environmentVariables.fileTypesFile]: FILE_TYPES_ASSET_FILE,
        ...props.environment,
      },
      // Active: Lambda samples and starts the trace (an HTTP API cannot: API Gateway traces REST APIs only).
      // CDK grants the role xray:PutTraceSegments and xray:PutTelemetryRecords with it.
      ...(tracing && { tracing: lambda.Tracing.ACTIVE }),
      bundling: { ...bundlingFor(props.nativeModules ?? [], cpu.npm, tracing), commandHooks: withCatalogue(catalogueJson(props.settings.fileTypes)) },
    });
    if (tracing) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions: the resource must be *. Granted only with fileport:tracing on.',
      });
    }
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to nodejs22.x on purpose: the bundles are built for node22 and tested on Node 22 LTS, and moving to a newer runtime is a deliberate, tested change rather than something to follow automatically.',
    });
  }
}

/** Where in every asset the file-type catalogue is (FILEPORT_FILE_TYPES_FILE), as synth checked it. */
export const FILE_TYPES_ASSET_FILE = 'file-types.json';

/**
 * Writes the checked catalogue into the asset after esbuild. Through node and base64, so no shell
 * quoting can alter it; the asset's hash is of its output, so a changed catalogue is a new asset.
 */
function withCatalogue(json: string): NonNullable<BundlingOptions['commandHooks']> {
  const write = "require('node:fs').writeFileSync(process.argv[1], Buffer.from(process.argv[2], 'base64'))";
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) => [`node -e "${write}" "${path.join(outputDir, FILE_TYPES_ASSET_FILE)}" ${Buffer.from(json).toString('base64')}`],
  };
}

function bundlingFor(nativeModules: string[], npmCpu: string, tracing: boolean): BundlingOptions {
  const common: BundlingOptions = {
    define: tracingDefine(tracing),
    // The same settings `npm run bench` measures bundles with (CDK's esbuild runs with platform node).
    minify: lambdaBundle.minify,
    sourceMap: lambdaBundle.sourcemap,
    sourcesContent: lambdaBundle.sourcesContent,
    target: lambdaBundle.target,
    format: lambdaBundle.format === 'cjs' ? OutputFormat.CJS : OutputFormat.ESM,
    // Never Docker: the machines that synth this app have none, and esbuild is a dependency.
    forceDockerBundling: false,
    // Bundle the AWS SDK instead of using the runtime's copy: its version is ours (the lockfile's,
    // the one the tests ran), not whatever the runtime was last patched with. The S3 presigning
    // and checksum behaviour lambdas/adapters rely on differs between SDK versions.
    bundleAwsSDK: true,
    externalModules: nativePackages.filter((name) => !nativeModules.includes(name)),
  };
  if (nativeModules.length === 0) return common;
  return {
    ...common,
    // Installed rather than bundled; CDK marks these external as well.
    nodeModules: nativeModules,
    // `nodeModules` runs `npm ci` in the asset directory on this machine. Without these, npm picks
    // the optional platform packages (e.g. @img/sharp-linux-x64) for the build host; with them it
    // installs the linux glibc binaries for the Lambda's CPU, which its runtime can load.
    // (Lambda's Node.js runtimes run on Amazon Linux, which is glibc-based.)
    environment: { npm_config_os: 'linux', npm_config_cpu: npmCpu, npm_config_libc: 'glibc' },
  };
}
