import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { setLogLevel, type LogLevel } from '../lambdas/log';
import { createDevAuth, demoClaims, devAuthKeyFile } from './dev-auth';
import { PortInUseError, type Listener } from './ports';
import type { LocalStack } from './stack';
import { HELP, parseStartOptions, USAGE, UsageError, type StartOptions } from './start-options';

/** `npm start`: the whole service on this machine. Options: local/start-options.ts (`npm start -- --help`). */
async function main(): Promise<void> {
  const options = parseStartOptions(process.argv.slice(2), process.env);
  if (options.help) return void console.log(HELP);
  quietUnlessVerbose(options.logLevel);
  if (options.token) return printToken(options);
  await run(options);
}

/**
 * A terminal that scrolls a line per request buries the token and the URLs, and hides the error
 * a developer needs to see: below `info`, the handlers' info lines (audit, processing) are dropped,
 * and so is the AWS SDK's notice that it will drop this Node version (it concerns Fileport's
 * maintainers, not someone trying the service), by the SDK's own switch for that one warning.
 */
function quietUnlessVerbose(level: LogLevel): void {
  setLogLevel(level);
  // The same for the functions run from their bundles, which have their own copy of lambdas/log.ts.
  process.env.AWS_LAMBDA_LOG_LEVEL = level.toUpperCase();
  if (level !== 'info') process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

async function run(options: StartOptions): Promise<void> {
  // Set once started; a signal before then finds it empty.
  const running: { stack?: LocalStack } = {};
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // Still starting: exiting at once also kills DynamoDB Local's JVM (its 'exit' hook in
    // local/emulators/dynamodb.ts), which would otherwise outlive a stack stopped by a signal.
    if (!running.stack) process.exit(128 + constants.signals[signal]);
    void running.stack.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  // Loaded only to start: the handlers and SDK clients behind it cost seconds that a usage error or --token need not wait.
  const { startLocalStack } = await import('./stack');
  const { bundleCode, sourceCode } = await import('./lambda-code');
  const code = options.code === 'bundles' ? await bundleCode(options.bundlesDir ?? undefined) : sourceCode();
  const stack = (running.stack = await startLocalStack({ port: options.port, s3Port: options.s3Port, dynamoDbPort: options.dynamoDbPort, dataDir: options.dataDir, code }));
  const token = await stack.auth.issue(demoClaims, stack.tenantClaim);
  if (options.json) console.log(JSON.stringify({ apiUrl: stack.apiUrl, s3Endpoint: stack.s3Endpoint, dynamoDbEndpoint: stack.dynamoDbEndpoint, token }));
  else console.log(banner(options, stack, token));
}

/** What a developer needs, the token last: it is what they copy next. */
function banner(options: StartOptions, stack: LocalStack, token: string): string {
  const logs = options.logLevel === 'info' ? 'every request and processed upload (--verbose)' : `${options.logLevel === 'warn' ? 'warnings and errors' : 'errors'} only; npm start -- --verbose shows every request`;
  return `
Fileport is running.

  API          ${stack.apiUrl}/v1
  Upload page  ${stack.apiUrl}/
  S3           ${stack.s3Endpoint}
  DynamoDB     ${stack.dynamoDbEndpoint}
  Data         ${options.dataDir ?? 'in memory (--memory)'}
  Code         ${stack.loaded.code === 'bundles' ? `Lambda bundles of ${stack.loaded.assembly}` : 'TypeScript sources (npm start -- --bundles runs the Lambda bundles)'}
  Logs         ${logs}

Try it:

  curl -s ${stack.apiUrl}/v1/file-types -H "Authorization: Bearer $TOKEN"

This token again, fresh:  ${tokenCommand(options, new URL(stack.apiUrl).port)}
Other claims: curl -s -X POST ${stack.apiUrl}/_dev/token -d '{"tenantId":"demo","sub":"me","scopes":["files:read","files:write"]}'
  (scopes: files:read, files:write, files:overwrite, files:admin)
Stop with Ctrl+C.

A token for tenant "demo" (read, write, overwrite, admin; valid 12 hours):

  export TOKEN=${token}
`;
}

/** The command that prints a token for this stack, from another terminal. */
function tokenCommand(options: StartOptions, apiPort: string): string {
  if (!options.dataDir) return `npm start -- --token --memory --port ${apiPort}`;
  return options.dataDir === resolve('.fileport') ? 'npm start -- --token' : `npm start -- --token --data-dir ${shellQuoted(options.dataDir)}`;
}

const shellQuoted = (text: string) => (/^[\w./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

/**
 * A persistent stack keeps its signing key in its data folder (local/dev-auth.ts), so the token
 * is signed here with that key: no running stack is needed, and it stays valid across restarts.
 * An in-memory stack's key lives only in its process: that stack is asked instead.
 */
async function printToken(options: StartOptions): Promise<void> {
  const token = options.dataDir ? await tokenFromKeyFile(options.dataDir) : await tokenFromRunningStack(options.port);
  console.log(options.json ? JSON.stringify({ token }) : `export TOKEN=${token}`);
}

async function tokenFromKeyFile(dataDir: string): Promise<string> {
  const keyFile = devAuthKeyFile(dataDir);
  // Not created here: a mistyped --data-dir would otherwise mint tokens no stack accepts.
  if (!existsSync(keyFile)) throw new Error(`no local stack has run with the data folder ${dataDir} yet (no ${keyFile}): start it first with npm start`);
  // Read only now: the service's configuration module is loaded after the environment is set.
  const { getAuthConfig } = await import('../lambdas/config');
  return (await createDevAuth(keyFile)).issue(demoClaims, getAuthConfig().tenantClaim);
}

async function tokenFromRunningStack(port: number): Promise<string> {
  if (port === 0) throw new UsageError('--token --memory asks the running in-memory stack for a token: give its --port');
  const url = `http://127.0.0.1:${port}/_dev/token`;
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', body: JSON.stringify(demoClaims), signal: AbortSignal.timeout(10_000) });
  } catch {
    throw new Error(`no local stack answers on port ${port}; an in-memory stack's tokens come from the running stack: give its --port`);
  }
  const body = (await response.json().catch(() => ({}))) as { token?: unknown };
  if (response.status !== 200 || typeof body.token !== 'string') throw new Error(`port ${port} did not answer as a local Fileport stack (${url} answered ${response.status})`);
  return body.token;
}

/** Where each listener's port is chosen, for the message when it is taken. */
const portOptions: Record<Listener, { flag: string; env: string }> = {
  API: { flag: '--port', env: 'PORT' },
  S3: { flag: '--s3-port', env: 'S3_PORT' },
  DynamoDB: { flag: '--dynamodb-port', env: 'DYNAMODB_PORT' },
};

/** One line: what went wrong and what to do. No stack trace for what the developer can fix. */
function failureLine(error: unknown): string {
  if (error instanceof UsageError) return `fileport: ${error.message}. ${USAGE}`;
  if (error instanceof PortInUseError) {
    const { flag, env } = portOptions[error.listener];
    return `fileport: port ${error.port} is in use (${error.listener}); pick another with npm start -- ${flag} N or ${env}=N`;
  }
  return `fileport: ${error instanceof Error ? error.message : String(error)}`;
}

main().catch((error: unknown) => {
  console.error(failureLine(error));
  process.exit(1);
});
