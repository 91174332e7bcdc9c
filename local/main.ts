import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalStack } from './stack';

/**
 * `npm start`: the whole service on this machine. Options:
 *   --port N        gateway port (default 3000; 0 picks a free one)
 *   --data-dir DIR  where data persists (default .fileport/)
 *   --memory        keep nothing: an ephemeral run
 *   --json          print one JSON line with the URLs and a dev token once ready (for scripts and tests)
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT ?? '3000' },
      'data-dir': { type: 'string', default: '.fileport' },
      memory: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not ${values.port}`);

  const stack = await startLocalStack({ port, dataDir: values.memory ? null : resolve(values['data-dir']) });
  const token = await stack.auth.issue({ tenantId: 'demo', sub: 'demo-user', scopes: ['files:read', 'files:write', 'files:overwrite', 'files:admin'] }, stack.tenantClaim);

  if (values.json) {
    console.log(JSON.stringify({ apiUrl: stack.apiUrl, s3Endpoint: stack.s3Endpoint, dynamoDbEndpoint: stack.dynamoDbEndpoint, token }));
  } else {
    console.log(`
Fileport is running.

  API          ${stack.apiUrl}/v1
  Upload page  ${stack.apiUrl}/
  S3           ${stack.s3Endpoint}
  DynamoDB     ${stack.dynamoDbEndpoint}
  Data         ${values.memory ? 'in memory (--memory)' : resolve(values['data-dir'])}

A token for tenant "demo" (read, write, overwrite, admin; valid 12 hours):

  export TOKEN=${token}

Try it:

  curl -s ${stack.apiUrl}/v1/file-types -H "Authorization: Bearer $TOKEN"

More tokens: curl -s -X POST ${stack.apiUrl}/_dev/token -d '{"tenantId":"demo","sub":"me","scopes":["files:read","files:write"]}'
  (scopes: files:read, files:write, files:overwrite, files:admin)
Stop with Ctrl+C.
`);
  }

  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    void stack.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
