import { request, type Agent, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';

/**
 * Waits for `promise`, failing with `what` if it has not settled after `ms`: a hang detector (the
 * gateway never answers, or never closes), not a measure of how fast it is.
 */
export async function within<T>(promise: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Still waiting after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** One response as read off the wire. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The complete responses in `text` (bodies with Content-Length or chunked), in order. */
export function parseResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return responses;
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    const status = Number(statusLine.split(' ')[1]);
    let after = rest.slice(end + 4);
    let body = '';
    if (status === 100) {
      // An interim answer: no body.
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (after.length < length) return responses;
      body = after.slice(0, length);
      after = after.slice(length);
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      for (;;) {
        const sizeEnd = after.indexOf('\r\n');
        if (sizeEnd < 0) return responses;
        const size = parseInt(after.slice(0, sizeEnd), 16);
        if (after.length < sizeEnd + 2 + size + 2) return responses;
        body += after.slice(sizeEnd + 2, sizeEnd + 2 + size);
        after = after.slice(sizeEnd + 2 + size + 2);
        if (size === 0) break;
      }
    }
    responses.push({ status, headers, body });
    rest = after;
  }
}

/** A raw TCP connection to the gateway: what it has answered so far, and whether it has closed. */
export function rawConnection(port: number) {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let isClosed = false;
  const waiters: (() => void)[] = [];
  const notify = () => waiters.splice(0).forEach((wake) => wake());
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
    notify();
  });
  // Writing into a connection the gateway has closed fails (EPIPE, ECONNRESET): that it closed is
  // what the tests look at.
  socket.on('error', () => undefined);
  socket.on('close', () => {
    isClosed = true;
    notify();
  });
  /** Resolves once `done` holds of the responses received so far; fails if it never does. */
  const until = (what: string, done: (responses: RawResponse[]) => boolean) =>
    within(
      new Promise<void>((resolve) => {
        const check = () => (done(parseResponses(received)) ? resolve() : waiters.push(check));
        check();
      }),
      what,
    );
  return {
    socket,
    responses: () => parseResponses(received),
    closed: () => isClosed,
    write: (data: string | Buffer) => new Promise<void>((resolve) => socket.write(data, () => resolve())),
    until,
    /** Resolves once the gateway has closed the connection; fails if it never does. */
    untilClosed: (what: string) =>
      within(
        new Promise<void>((resolve) => {
          const check = () => (isClosed ? resolve() : waiters.push(check));
          check();
        }),
        what,
      ),
  };
}

/** A request with whatever Host header the test names (fetch will not send one it did not pick). */
export function send(
  port: number,
  options: { method?: string; path: string; host: string; headers?: Record<string, string>; body?: string | Buffer; agent?: Agent },
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return within(
    new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: { ...options.headers, host: options.host }, agent: options.agent ?? false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(options.body);
    }),
    `an answer to ${options.method ?? 'GET'} ${options.path} (Host: ${options.host})`,
  );
}
