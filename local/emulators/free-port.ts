import { createServer } from 'node:net';

/**
 * Listens on `port` of every interface (IPv6 and IPv4 where the machine has them), as a process
 * that binds all interfaces would, and closes again. Resolves to the port bound, or to undefined
 * when it is in use.
 */
function probe(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' || error.code === 'EACCES' ? resolve(undefined) : reject(error)));
    server.listen({ port, exclusive: true }, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

/**
 * A port nothing listens on right now, on any interface. Another process may still take it before
 * the caller binds it: callers that can, retry.
 */
export async function freePort(): Promise<number> {
  const port = await probe(0);
  if (port === undefined) throw new Error('no free port');
  return port;
}

/** Whether nothing listens on `port`, on any interface. */
export async function isPortFree(port: number): Promise<boolean> {
  return (await probe(port)) !== undefined;
}
