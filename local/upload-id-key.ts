import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The local stand-in for the deployment's upload id secret (Secrets Manager, lib/api.ts): 32 random
 * bytes, base64, for FILEPORT_UPLOAD_ID_KEY. With a file, the key survives restarts, and so do the
 * multipart uploads a client may resume after one; without, it lives as long as the process.
 */
export function localUploadIdKey(keyFile: string | null): string {
  if (keyFile && existsSync(keyFile)) return readFileSync(keyFile, 'utf8').trim();
  const key = randomBytes(32).toString('base64');
  if (keyFile) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, key, { mode: 0o600 });
  }
  return key;
}
