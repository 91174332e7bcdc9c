import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload, type CryptoKey } from 'jose';

/**
 * The local stand-in for API Gateway's JWT authorizer: tokens signed with a local key, verified
 * with the same checks the deployed authorizer makes (signature, issuer, audience, expiry).
 */
export const LOCAL_ISSUER = 'https://fileport.local/dev';
export const LOCAL_AUDIENCE = 'fileport';
const ALG = 'ES256';

export interface DevAuth {
  issue(claims: { tenantId: string; sub: string; scopes: string[] }, tenantClaim: string, ttlSeconds?: number): Promise<string>;
  verify(token: string): Promise<JWTPayload>;
}

export interface LocalIssuer extends DevAuth {
  /** The public key tokens are verified with, as an issuer's JWKS serves it. */
  publicJwk(): Promise<JWK>;
}

/** The claims of the token `npm start` prints: tenant `demo`, every scope. */
export const demoClaims = { tenantId: 'demo', sub: 'demo-user', scopes: ['files:read', 'files:write', 'files:overwrite', 'files:admin'] };

/** Where a persistent stack keeps its signing key: `npm start -- --token` signs with it too. */
export const devAuthKeyFile = (dataDir: string) => join(dataDir, 'jwt-key.json');

/** With a file, the key survives restarts, and so do the tokens already handed out. */
export async function createDevAuth(keyFile: string | null): Promise<LocalIssuer> {
  let privateKey: CryptoKey;
  let publicKey: CryptoKey;
  if (keyFile && existsSync(keyFile)) {
    const jwk = JSON.parse(readFileSync(keyFile, 'utf8')) as JWK;
    privateKey = (await importJWK(jwk, ALG)) as CryptoKey;
    const { d: _d, ...publicJwk } = jwk;
    publicKey = (await importJWK(publicJwk, ALG)) as CryptoKey;
  } else {
    ({ privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true }));
    if (keyFile) {
      mkdirSync(dirname(keyFile), { recursive: true });
      writeFileSync(keyFile, JSON.stringify(await exportJWK(privateKey)), { mode: 0o600 });
    }
  }

  return {
    issue: ({ tenantId, sub, scopes }, tenantClaim, ttlSeconds = 12 * 3600) =>
      new SignJWT({ [tenantClaim]: tenantId, scope: scopes.join(' ') })
        .setProtectedHeader({ alg: ALG })
        .setSubject(sub)
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(privateKey),
    verify: async (token) => (await jwtVerify(token, publicKey, { issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE, algorithms: [ALG] })).payload,
    publicJwk: async () => ({ ...(await exportJWK(publicKey)), alg: ALG, use: 'sig' }),
  };
}
