/** The dev token the page signs in with, kept for this tab only (sessionStorage). */
export interface Session {
  token: string;
  tenantId: string;
  sub: string;
  scopes: string[];
}

const KEY = 'fileport.session';

export const SCOPES = ['files:read', 'files:write', 'files:overwrite', 'files:admin'] as const;

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session | undefined): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

/** Asks the local gateway (`POST /_dev/token`, local stack only) for a token. */
export async function signIn(apiUrl: string, input: { tenantId: string; sub: string; scopes: string[] }): Promise<Session> {
  const response = await fetch(`${apiUrl}/_dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await response.json().catch(() => ({}))) as { token?: string; error?: { message?: string } };
  if (!response.ok || !body.token) throw new Error(body.error?.message ?? `Sign-in failed (${response.status})`);
  return { token: body.token, ...input };
}
