import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LogLevel } from '../lambdas/log';
import type { LocalCode } from './lambda-code';

/** What `npm start` was asked to do (local/main.ts). */
export interface StartOptions {
  /** The API's port; 0 picks a free one. */
  port: number;
  /** The S3 emulator's port; 0 picks a free one. */
  s3Port: number;
  /** DynamoDB Local's port; 0 picks a free one. */
  dynamoDbPort: number;
  /** Absolute; null with --memory. */
  dataDir: string | null;
  json: boolean;
  /** Print a token for the local stack and exit, rather than start it. */
  token: boolean;
  logLevel: LogLevel;
  /** The functions' code: the TypeScript sources, or the Lambda bundles `cdk synth` builds. */
  code: LocalCode;
  /** Bundles already built (npm run build:bundles) to run instead of building them at start; absolute. */
  bundlesDir: string | null;
  help: boolean;
}

/** A bad command line or setting: said in one line, with the usage, and nothing starts. */
export class UsageError extends Error {}

export const USAGE =
  'usage: npm start -- [--port N] [--s3-port N] [--dynamodb-port N] [--data-dir DIR | --memory] [--verbose | --log-level info|warn|error] [--bundles] [--json] [--token]';

export const HELP = `${USAGE}

  --port N            the API's port (env PORT; default 3000; 0 picks a free one)
  --s3-port N         the S3 emulator's port (env S3_PORT; default the API's port + 1, so upload
                      URLs keep working across restarts; free one when --port is 0)
  --dynamodb-port N   DynamoDB Local's port (env DYNAMODB_PORT; default a free one)
  --data-dir DIR      where files, the database and the signing keys persist (default .fileport)
  --memory            keep nothing: an ephemeral run
  --verbose           log every request's and every processed upload's JSON line, and the AWS SDK's
                      warnings (same as --log-level info); by default only warnings and errors
  --log-level LEVEL   info, warn (default) or error (env FILEPORT_LOG_LEVEL)
  --bundles           run the Lambda bundles \`cdk synth\` builds (built at start, some 30 s, or
                      those in FILEPORT_LOCAL_BUNDLES) instead of the TypeScript sources; the same
                      as FILEPORT_LOCAL_CODE=bundles (default sources)
  --json              once ready, print one JSON line with the URLs and a dev token (for scripts)
  --token             print a fresh dev token for the local stack (export TOKEN=...) and exit;
                      with --memory, asks the stack running on --port
  --help              this text`;

const DEFAULT_PORT = 3000;
const DEFAULT_DATA_DIR = '.fileport';
const LOG_LEVELS: readonly LogLevel[] = ['info', 'warn', 'error'];

/**
 * Options fileport reads, by the name npm gives a flag it keeps for itself: `npm start --port 3000`
 * runs the script without `--port` (npm sets npm_config_port instead and passes `3000` on alone).
 */
const NPM_SWALLOWED: Record<string, string> = {
  port: '--port N',
  's3-port': '--s3-port N',
  'dynamodb-port': '--dynamodb-port N',
  'data-dir': '--data-dir DIR',
  memory: '--memory',
  json: '--json',
  'log-level': '--log-level LEVEL',
};

/** The command line and environment of `npm start`, checked: every mistake is a UsageError. */
export function parseStartOptions(args: string[], env: Record<string, string | undefined>): StartOptions {
  refuseSwallowedFlags(env);
  const values = parseCommandLine(args);
  const port = portOf(values.port ?? env.PORT, values.port === undefined ? 'PORT' : '--port', DEFAULT_PORT);
  const s3Port = portOf(values['s3-port'] ?? env.S3_PORT, values['s3-port'] === undefined ? 'S3_PORT' : '--s3-port', defaultS3Port(port));
  const dynamoDbPort = portOf(values['dynamodb-port'] ?? env.DYNAMODB_PORT, values['dynamodb-port'] === undefined ? 'DYNAMODB_PORT' : '--dynamodb-port', 0);
  refuseSharedPorts({ API: port, S3: s3Port, DynamoDB: dynamoDbPort });
  if (values.memory && values['data-dir'] !== undefined) throw new UsageError('--memory keeps nothing on disk: give either --memory or --data-dir, not both');
  return {
    port,
    s3Port,
    dynamoDbPort,
    dataDir: values.memory ? null : resolve(values['data-dir'] ?? DEFAULT_DATA_DIR),
    json: values.json,
    token: values.token,
    logLevel: logLevelOf(values, env),
    code: values.bundles ? 'bundles' : localCodeOf(env.FILEPORT_LOCAL_CODE),
    bundlesDir: env.FILEPORT_LOCAL_BUNDLES ? resolve(env.FILEPORT_LOCAL_BUNDLES) : null,
    help: values.help,
  };
}

function parseCommandLine(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      options: {
        port: { type: 'string' },
        's3-port': { type: 'string' },
        'dynamodb-port': { type: 'string' },
        'data-dir': { type: 'string' },
        memory: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        token: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        bundles: { type: 'boolean', default: false },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    // Node's messages run on with advice about positionals that does not apply here: the first sentence says it.
    // Read as a property: under Jest, parseArgs' errors come from another realm than this module's Error.
    const { message = String(error) } = error as { message?: string };
    const sentence = message.split(/\.\s/)[0]!.replace(/\.$/, '');
    throw new UsageError(sentence.charAt(0).toLowerCase() + sentence.slice(1));
  }
}

function refuseSwallowedFlags(env: Record<string, string | undefined>): void {
  if (env.npm_lifecycle_event !== 'start') return;
  const swallowed = Object.keys(NPM_SWALLOWED).find((name) => env[`npm_config_${name.replace(/-/g, '_')}`] !== undefined);
  if (swallowed) throw new UsageError(`npm kept --${swallowed} for itself: put fileport's options after --, as in npm start -- ${NPM_SWALLOWED[swallowed]}`);
}

/** Next to the API's, so the upload URLs a persistent stack handed out still work after a restart. */
function defaultS3Port(port: number): number {
  if (port === 0) return 0;
  return port < 65535 ? port + 1 : 0;
}

function portOf(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`${name} must be a port number from 0 to 65535 (0: any free port), not ${JSON.stringify(text)}`);
  return port;
}

function refuseSharedPorts(ports: Record<string, number>): void {
  const chosen = Object.entries(ports).filter(([, port]) => port !== 0);
  for (const [i, [listener, port]] of chosen.entries()) {
    const other = chosen.slice(i + 1).find(([, p]) => p === port);
    if (other) throw new UsageError(`the ${listener} and ${other[0]} ports are both ${port}: give them different ports`);
  }
}

function localCodeOf(value: string | undefined): LocalCode {
  if (value === undefined || value === '' || value === 'sources') return 'sources';
  if (value === 'bundles') return 'bundles';
  throw new UsageError(`FILEPORT_LOCAL_CODE must be sources or bundles, not ${JSON.stringify(value)}`);
}

function logLevelOf(values: { verbose: boolean; 'log-level'?: string }, env: Record<string, string | undefined>): LogLevel {
  const [text, name] = values['log-level'] !== undefined ? [values['log-level'], '--log-level'] : [env.FILEPORT_LOG_LEVEL, 'FILEPORT_LOG_LEVEL'];
  if (values.verbose && values['log-level'] !== undefined && values['log-level'] !== 'info') throw new UsageError('--verbose is --log-level info: give one of them');
  if (values.verbose) return 'info';
  if (text === undefined || text === '') return 'warn';
  const level = LOG_LEVELS.find((l) => l === text.trim().toLowerCase());
  if (!level) throw new UsageError(`${name} must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(text)}`);
  return level;
}
