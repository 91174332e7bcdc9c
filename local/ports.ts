import { isPortFree } from './emulators/free-port';

/** What listens on a port of the local stack, as messages name it. */
export type Listener = 'API' | 'S3' | 'DynamoDB';

/** A port the stack was told to use is taken by another process. */
export class PortInUseError extends Error {
  constructor(
    readonly listener: Listener,
    readonly port: number,
  ) {
    super(`port ${port} is in use (${listener})`);
  }
}

/**
 * Fails before anything starts when a chosen port is taken: the developer hears at once, not after
 * DynamoDB Local's JVM has booted only to be stopped again. Port 0 (any free port) is never taken.
 */
export async function assertPortsFree(ports: { listener: Listener; port: number }[]): Promise<void> {
  for (const { listener, port } of ports) {
    if (port !== 0 && !(await isPortFree(port))) throw new PortInUseError(listener, port);
  }
}

/**
 * Runs `start`, naming the listener when its port turns out to be taken after all (another process
 * bound it since `assertPortsFree` looked).
 */
export async function claimPort<T>(listener: Listener, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE') throw new PortInUseError(listener, port);
    throw error;
  }
}
