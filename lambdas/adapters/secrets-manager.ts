import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { recordCalls } from './aws-call-recorder';

/**
 * Secrets Manager's GetSecretValue, as one SigV4-signed POST of its JSON protocol, with the signer,
 * hash and credential chain the S3 and DynamoDB clients already bring into the bundle.
 * @aws-sdk/client-secrets-manager would add 27 KB (minified) to the uploads function for this one
 * call, past the weight `npm run bench` holds API functions to (bench/sections/lambda-weight.ts).
 */
export interface SecretsManagerTarget {
  region: string;
  /** The service's URL: from AWS_ENDPOINT_URL_SECRETS_MANAGER or AWS_ENDPOINT_URL when set, as the SDK reads them. */
  endpoint?: string;
  credentials?: ConstructorParameters<typeof SignatureV4>[0]['credentials'];
  timeoutMs?: number;
}

export class SecretsManagerError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The regional endpoint (China's regions have their own DNS suffix). */
export function secretsManagerEndpoint(region: string, env: Record<string, string | undefined> = process.env): string {
  const override = env.AWS_ENDPOINT_URL_SECRETS_MANAGER || env.AWS_ENDPOINT_URL;
  if (override) return override;
  return `https://secretsmanager.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}

/** The secret's current string value (AWSCURRENT). Throws SecretsManagerError with AWS's error type. */
export async function getSecretString(secretId: string, target: SecretsManagerTarget): Promise<string> {
  const url = new URL(target.endpoint ?? secretsManagerEndpoint(target.region));
  recordCalls([{ service: 'secretsmanager', action: 'secretsmanager:GetSecretValue', resource: secretId, context: { 'aws:SecureTransport': 'true' }, via: 'sdk' }]);
  const body = JSON.stringify({ SecretId: secretId });
  const signer = new SignatureV4({ service: 'secretsmanager', region: target.region, credentials: target.credentials ?? defaultProvider(), sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
    body,
  });
  // `host` is the fetch's own to set (undici refuses it); it is signed, and fetch sends the same.
  const { host: _host, ...headers } = signed.headers;
  const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(target.timeoutMs ?? 5000) });
  const text = await response.text();
  let answer: { SecretString?: unknown; __type?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    // Not JSON (a proxy's page, say): reported below with the status.
  }
  if (!response.ok) {
    // `__type` may carry a namespace: `com.amazonaws.secretsmanager#ResourceNotFoundException`.
    const type = String(answer.__type ?? response.headers.get('x-amzn-errortype') ?? 'UnknownError').split('#').pop()?.split(':')[0] ?? 'UnknownError';
    throw new SecretsManagerError(response.status, type, `Secrets Manager answered ${response.status} ${type} for ${secretId}: ${String(answer.message ?? answer.Message ?? '')}`);
  }
  if (typeof answer.SecretString !== 'string') throw new SecretsManagerError(response.status, 'NoSecretString', `Secret ${secretId} has no string value.`);
  return answer.SecretString;
}
