/**
 * The Host values a local server listening on `port` answers: its loopback names, and the ones the
 * developer configured (FILEPORT_LOCAL_ALLOWED_HOSTS). Anything else is refused, so a web page using
 * DNS rebinding cannot reach the local stack under its own name.
 */
export function allowedHostsOf(port: number, configured: readonly string[] = []): ReadonlySet<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, ...configured.map((host) => host.toLowerCase())]);
}
