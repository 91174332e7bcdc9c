import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getSecretString, secretsManagerEndpoint, SecretsManagerError } from '../../../lambdas/adapters/secrets-manager';
import { uploadIdKeysOf } from '../../../lambdas/adapters/upload-id-keys';

const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ApiUploadIdSecret-AbCdEf';
const secret = 'q'.repeat(64);

describe('the upload id key', () => {
  it('is the configured key itself, when there is one', async () => {
    const key = new Uint8Array(32).fill(9);
    expect(await uploadIdKeysOf({ key }).signingKey()).toBe(key);
  });

  it('is read from the secret once, on first use; a failed read is tried again, a short secret refused', async () => {
    const reads: string[] = [];
    let fail = true;
    const keys = uploadIdKeysOf({ secretArn: arn }, async (secretArn) => {
      reads.push(secretArn);
      if (fail) throw new SecretsManagerError(500, 'InternalServiceError', 'down');
      return secret;
    });
    expect(reads).toEqual([]);
    await expect(keys.signingKey()).rejects.toMatchObject({ type: 'InternalServiceError' });
    fail = false;
    const [a, b] = await Promise.all([keys.signingKey(), keys.signingKey()]);
    expect(Buffer.from(a).toString('utf8')).toBe(secret);
    expect(b).toBe(a);
    expect(await keys.signingKey()).toBe(a);
    expect(reads).toEqual([arn, arn]);

    await expect(uploadIdKeysOf({ secretArn: arn }, async () => 'short').signingKey()).rejects.toThrow(/holds 5 bytes; it needs at least 32/);
  });

  it('is a configuration error, on use, when the deployment has none', async () => {
    await expect(uploadIdKeysOf(undefined).signingKey()).rejects.toThrow(/FILEPORT_UPLOAD_ID_SECRET_ARN .* or FILEPORT_UPLOAD_ID_KEY/);
  });
});

describe('Secrets Manager GetSecretValue', () => {
  let server: Server;
  let endpoint: string;
  let seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[];
  let answer: { status: number; body: string };
  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ method: request.method, url: request.url, headers: request.headers, body });
        response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    seen = [];
  });
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session' };

  it('is one POST of the JSON protocol, SigV4-signed for secretsmanager in the region, with the session token', async () => {
    answer = { status: 200, body: JSON.stringify({ ARN: arn, Name: 'ApiUploadIdSecret', SecretString: secret, VersionStages: ['AWSCURRENT'] }) };
    expect(await getSecretString(arn, { region: 'eu-west-1', endpoint, credentials })).toBe(secret);
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request).toMatchObject({ method: 'POST', url: '/', body: JSON.stringify({ SecretId: arn }) });
    expect(request?.headers).toMatchObject({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue', 'x-amz-security-token': 'session' });
    const authorization = String(request?.headers.authorization);
    expect(authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/);
    const signed = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';');
    expect(signed).toEqual(expect.arrayContaining(['content-type', 'host', 'x-amz-date', 'x-amz-security-token', 'x-amz-target']));
  });

  it('reports AWS\'s error type, and never the secret', async () => {
    answer = { status: 400, body: JSON.stringify({ __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }) };
    await expect(getSecretString(arn, { region: 'eu-west-1', endpoint, credentials })).rejects.toMatchObject({ status: 400, type: 'ResourceNotFoundException' });
    answer = { status: 400, body: JSON.stringify({ __type: 'com.amazonaws.secretsmanager#AccessDeniedException', Message: 'no' }) };
    await expect(getSecretString(arn, { region: 'eu-west-1', endpoint, credentials })).rejects.toMatchObject({ type: 'AccessDeniedException' });
    answer = { status: 200, body: JSON.stringify({ ARN: arn, SecretBinary: 'AAAA' }) };
    await expect(getSecretString(arn, { region: 'eu-west-1', endpoint, credentials })).rejects.toMatchObject({ type: 'NoSecretString' });
  });

  it('goes to the regional endpoint unless the SDK\'s endpoint variables name another', () => {
    expect(secretsManagerEndpoint('eu-west-1', {})).toBe('https://secretsmanager.eu-west-1.amazonaws.com');
    expect(secretsManagerEndpoint('cn-north-1', {})).toBe('https://secretsmanager.cn-north-1.amazonaws.com.cn');
    expect(secretsManagerEndpoint('eu-west-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' })).toBe('http://127.0.0.1:4566');
    expect(secretsManagerEndpoint('eu-west-1', { AWS_ENDPOINT_URL: 'http://a', AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://b' })).toBe('http://b');
  });
});
