import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Where the integration suite's local stacks record their AWS calls, unless FILEPORT_RECORD_AWS_CALLS says elsewhere. */
export const DEFAULT_RECORDING_DIR = join(__dirname, '..', '..', '..', 'test-artifacts', 'aws-calls');

/**
 * Jest's globalSetup of the integration project: every local stack the suite starts inherits
 * FILEPORT_RECORD_AWS_CALLS and records the AWS calls its Lambdas make there, for the IAM
 * conformance check that `npm test` runs next (`npm run test:iam`). The previous run's recording is
 * removed first, so the check reads this run's calls only.
 */
export default function recordAwsCalls(): void {
  const directory = (process.env.FILEPORT_RECORD_AWS_CALLS ||= DEFAULT_RECORDING_DIR);
  mkdirSync(directory, { recursive: true });
  for (const file of readdirSync(directory).filter((f) => /^calls-.*\.jsonl$/.test(f))) rmSync(join(directory, file));
}
