// Validates an OpenAPI document with @seriousme/openapi-schema-validator (the specification's own
// JSON Schemas, independent of this project's generator). Run by test/unit/api/openapi.test.ts in a
// child process: the validator is ESM and reads its schemas through import.meta, which Jest's
// CommonJS transform cannot load.
//
// Input (stdin): the document as JSON. Output (stdout): JSON { valid, version, errors }.
import { Validator } from '@seriousme/openapi-schema-validator';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const validator = new Validator();
const result = await validator.validate(JSON.parse(Buffer.concat(chunks).toString('utf8')));
process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? null }));
