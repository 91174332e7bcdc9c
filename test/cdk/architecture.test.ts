import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { synthFileport } from './fixtures';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

/** Every Lambda of the template that runs Fileport code (not aws-cdk-lib's custom-resource handlers). */
function fileportFunctions(context: Record<string, unknown> = {}): [string, Record<string, any>][] {
  const resources = synthFileport(context).template.toJSON().Resources as Resources;
  const functions = Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description ?? '').startsWith('Fileport'))
    .map(([id, r]) => [id, r.Properties] as [string, Record<string, any>]);
  // The eight API groups, the four processing functions, the events publisher and the webhook delivery function.
  expect(functions).toHaveLength(14);
  return functions;
}

const architectureOf = (functions: [string, Record<string, any>][]) => Object.fromEntries(functions.map(([id, p]) => [id, p.Architectures]));
const everyFunction = (functions: [string, Record<string, any>][], value: unknown) => Object.fromEntries(functions.map(([id]) => [id, value]));

describe('fileport:architecture', () => {
  it('runs every function on arm64 (Graviton) by default', () => {
    const functions = fileportFunctions();
    expect(architectureOf(functions)).toEqual(everyFunction(functions, ['arm64']));
  });

  it('runs every function on x86_64 when asked to (LocalStack on an x86 machine, teams on x86)', () => {
    const functions = fileportFunctions({ 'fileport:architecture': 'x86_64' });
    expect(architectureOf(functions)).toEqual(everyFunction(functions, ['x86_64']));
  });

  it('fails the synth on any other value, naming the key and the values it takes', () => {
    for (const bad of ['x64', 'amd64', 'ARM64', '']) {
      expect(() => synthFileport({ 'fileport:architecture': bad })).toThrow(`Context fileport:architecture must be one of "arm64", "x86_64", got ${JSON.stringify(bad)}.`);
    }
  });
});

describe('fileport:s3Endpoint', () => {
  it('is unset by default: the functions use AWS\'s own S3 endpoint, by virtual host', () => {
    for (const [id, props] of fileportFunctions()) {
      expect({ id, endpoint: props.Environment.Variables.AWS_ENDPOINT_URL_S3, pathStyle: props.Environment.Variables.FILEPORT_S3_FORCE_PATH_STYLE }).toEqual({
        id,
        endpoint: undefined,
        pathStyle: undefined,
      });
    }
  });

  it('points every function\'s S3 calls and pre-signed URLs at the endpoint given (lambdas/config.ts then addresses buckets by path)', () => {
    const functions = fileportFunctions({ 'fileport:s3Endpoint': 'http://s3.localhost.localstack.cloud:4566' });
    expect(Object.fromEntries(functions.map(([id, p]) => [id, p.Environment.Variables.AWS_ENDPOINT_URL_S3]))).toEqual(
      everyFunction(functions, 'http://s3.localhost.localstack.cloud:4566'),
    );
  });

  it('fails the synth on anything but an http(s) URL without a path', () => {
    for (const bad of ['localhost:4566', 'ftp://localhost:4566', 'http://localhost:4566/bucket', 'http://localhost:4566?x=1', 4566]) {
      expect(() => synthFileport({ 'fileport:s3Endpoint': bad })).toThrow(/Context fileport:s3Endpoint must be an http\(s\) URL without a path/);
    }
  });
});

describe('npm run deploy:local', () => {
  /** The `-c key=value` pairs the script deploys with, read from package.json itself. */
  const scriptContext = (): Record<string, string> => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string> };
    const script = pkg.scripts['deploy:local'] ?? '';
    return Object.fromEntries([...script.matchAll(/-c (fileport:\w+)=(\S+)/g)].map((m) => [m[1] as string, m[2] as string]));
  };

  it('deploys x86_64 functions that call LocalStack\'s S3 endpoint, which browsers on the host reach too', () => {
    const context = scriptContext();
    expect(context).toEqual({ 'fileport:architecture': 'x86_64', 'fileport:s3Endpoint': 'http://s3.localhost.localstack.cloud:4566' });
    const functions = fileportFunctions(context);
    expect(Object.fromEntries(functions.map(([id, p]) => [id, [p.Architectures, p.Environment.Variables.AWS_ENDPOINT_URL_S3]]))).toEqual(
      everyFunction(functions, [['x86_64'], 'http://s3.localhost.localstack.cloud:4566']),
    );
  });
});
