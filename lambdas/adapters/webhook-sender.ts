import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { SendOutcome, WebhookSender } from '../domain/webhooks/ports';
import { refusedAddress, refusedUrl, type TargetPolicy } from '../domain/webhooks/targets';

export interface SenderLimits {
  /** Connecting, sending and reading the answer, together. */
  timeoutMs: number;
  /** What is read of an answer's body before the connection is closed: only its status matters. */
  maxResponseBytes: number;
}

export const DEFAULT_SENDER_LIMITS: SenderLimits = { timeoutMs: 10_000, maxResponseBytes: 64 * 1024 };

class RefusedTarget extends Error {}

/**
 * Posts a delivery with Node's own HTTP client, guarded against SSRF where it matters: the URL is
 * checked again (a literal address is never resolved), and every address a host name resolves to
 * is checked by the request's own `lookup` before the socket connects to it, so the address checked
 * is the address connected to (no second resolution for a rebinding DNS server to answer
 * differently). No redirect is followed, no connection is kept, the body read is bounded and the
 * whole exchange has a deadline.
 */
export class HttpWebhookSender implements WebhookSender {
  constructor(
    private readonly policy: TargetPolicy,
    private readonly limits: SenderLimits = DEFAULT_SENDER_LIMITS,
    /** Name resolution (`dns.lookup`); tests give their own, to resolve names as a hostile DNS server would. */
    private readonly resolve: typeof dnsLookup = dnsLookup,
  ) {}

  send(url: string, headers: Record<string, string>, body: string): Promise<SendOutcome> {
    const refused = refusedUrl(url, this.policy);
    if (refused) return Promise.resolve({ ok: false, status: null, error: `Refused target: ${refused}.` });
    const target = new URL(url);
    const lookup = checkedLookup(this.policy, this.resolve);
    const { timeoutMs, maxResponseBytes } = this.limits;
    return new Promise<SendOutcome>((resolve) => {
      let settled = false;
      const settle = (outcome: SendOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve(outcome);
      };
      const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
        target,
        { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup, agent: false },
        (response) => readBounded(response, maxResponseBytes, () => settle(outcomeOf(response.statusCode ?? 0))),
      );
      const deadline = setTimeout(() => {
        settle({ ok: false, status: null, error: `No answer within ${timeoutMs / 1000} s.` });
        request.destroy();
      }, timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException) => {
        const message = error instanceof RefusedTarget ? `Refused target: ${error.message}.` : `Could not deliver: ${error.code ?? error.message}.`;
        settle({ ok: false, status: null, error: message });
      });
      request.end(body);
    });
  }
}

function outcomeOf(status: number): SendOutcome {
  if (status >= 200 && status < 300) return { ok: true, status };
  if (status >= 300 && status < 400) return { ok: false, status, error: `HTTP ${status}: redirects are not followed.` };
  return { ok: false, status, error: `HTTP ${status}.` };
}

/** Reads at most `max` bytes of the answer (and drops them), then closes it; `done` once it ended or was cut. */
function readBounded(response: IncomingMessage, max: number, done: () => void): void {
  let read = 0;
  response.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read >= max) {
      response.destroy();
      done();
    }
  });
  response.on('end', done);
  response.on('close', done);
  response.on('error', done);
}

/** `dns.lookup`, refusing the whole answer when any address it holds is refused. */
export function checkedLookup(policy: TargetPolicy, resolve: typeof dnsLookup = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const bad = addresses.find((a) => refusedAddress(a.address, policy) !== undefined);
      if (bad || addresses.length === 0) {
        const why = bad ? `${hostname} resolves to ${bad.address}, ${refusedAddress(bad.address, policy)}` : `${hostname} resolves to no address`;
        return callback(new RefusedTarget(why) as NodeJS.ErrnoException, '', 0);
      }
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
