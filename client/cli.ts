// The `fileport` bin (package.json): built to client/dist/cli.cjs by `npm run build:client`, run by plain node.
import { run } from './cli/main';

run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`fileport: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
