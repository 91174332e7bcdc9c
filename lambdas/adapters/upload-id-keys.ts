import { MIN_UPLOAD_ID_KEY_BYTES, type UploadIdKeySource } from '../config';
import type { UploadIdKeys } from '../domain/ports';
import { getSecretString } from './secrets-manager';

/**
 * The key multipart upload ids are signed with: the deployment's secret, read from Secrets Manager
 * on first use and kept for the life of the container (a failed read is tried again by the next
 * request), or the key itself when the configuration holds it (the local stack). Never logged.
 */
export function uploadIdKeysOf(source: UploadIdKeySource | undefined, readSecret: (secretArn: string) => Promise<string> = readFromSecretsManager): UploadIdKeys {
  if (!source) {
    return {
      signingKey: () =>
        Promise.reject(new Error('Invalid Fileport configuration: multipart uploads need FILEPORT_UPLOAD_ID_SECRET_ARN (deployed) or FILEPORT_UPLOAD_ID_KEY (local) to sign their ids.')),
    };
  }
  if ('key' in source) {
    const { key } = source;
    return { signingKey: () => Promise.resolve(key) };
  }
  let pending: Promise<Uint8Array> | undefined;
  return {
    signingKey: () => {
      pending ??= readSecret(source.secretArn)
        .then(keyOfSecret)
        .catch((error: unknown) => {
          pending = undefined;
          throw error;
        });
      return pending;
    },
  };
}

function keyOfSecret(secret: string): Uint8Array {
  const key = Buffer.from(secret, 'utf8');
  if (key.length < MIN_UPLOAD_ID_KEY_BYTES) {
    throw new Error(`Invalid Fileport configuration: the upload id secret holds ${key.length} bytes; it needs at least ${MIN_UPLOAD_ID_KEY_BYTES}.`);
  }
  return key;
}

function readFromSecretsManager(secretArn: string): Promise<string> {
  // The secret's ARN names its region; the function's own is the fallback.
  const region = secretArn.split(':')[3] || process.env.AWS_REGION || 'us-east-1';
  return getSecretString(secretArn, { region });
}
