import { isIP } from 'node:net';

/**
 * Where a webhook may point (SSRF): checked when an endpoint is registered or changed (the URL and
 * a literal address in it) and again at every attempt, on each address the host name resolves to,
 * by the sender's own `lookup` (lambdas/adapters/webhook-sender.ts), so a name that resolves to an
 * internal address later (DNS rebinding) is refused too.
 */
export interface TargetPolicy {
  /**
   * Loopback addresses (127.0.0.0/8, ::1, `localhost`) allowed, over http too: the local stack's
   * receivers. Off deployed, where only https to public addresses is allowed.
   */
  allowLoopback: boolean;
}

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** Why an address may not be a webhook's target, or undefined when it may. */
export function refusedAddress(address: string, policy: TargetPolicy): string | undefined {
  const family = isIP(address);
  if (family === 4) return refusedIpv4(ipv4Bytes(address), policy);
  if (family === 6) return refusedIpv6(ipv6Words(address), policy);
  return 'not an IP address';
}

type V4 = [number, number, number, number];

function ipv4Bytes(address: string): V4 {
  return address.split('.').map(Number) as V4;
}

/** `a.b.c.d` within `base`/`bits`. */
function inV4(ip: V4, base: V4, bits: number): boolean {
  const value = (ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3];
  const net = (base[0] << 24) | (base[1] << 16) | (base[2] << 8) | base[3];
  const mask = bits === 0 ? 0 : ~0 << (32 - bits);
  return (value & mask) === (net & mask);
}

const V4_REFUSED: [V4, number, string][] = [
  [[0, 0, 0, 0], 8, 'this network (0.0.0.0/8)'],
  [[10, 0, 0, 0], 8, 'private (10.0.0.0/8)'],
  [[100, 64, 0, 0], 10, 'shared address space (100.64.0.0/10)'],
  [[169, 254, 0, 0], 16, 'link-local, where cloud metadata services answer (169.254.0.0/16)'],
  [[172, 16, 0, 0], 12, 'private (172.16.0.0/12)'],
  [[192, 0, 0, 0], 24, 'IETF protocol assignments (192.0.0.0/24)'],
  [[192, 0, 2, 0], 24, 'documentation (192.0.2.0/24)'],
  [[192, 168, 0, 0], 16, 'private (192.168.0.0/16)'],
  [[198, 18, 0, 0], 15, 'benchmarking (198.18.0.0/15)'],
  [[198, 51, 100, 0], 24, 'documentation (198.51.100.0/24)'],
  [[203, 0, 113, 0], 24, 'documentation (203.0.113.0/24)'],
  [[224, 0, 0, 0], 4, 'multicast (224.0.0.0/4)'],
  [[240, 0, 0, 0], 4, 'reserved or broadcast (240.0.0.0/4)'],
];

function refusedIpv4(ip: V4, policy: TargetPolicy): string | undefined {
  if (inV4(ip, [127, 0, 0, 0], 8)) return policy.allowLoopback ? undefined : 'loopback (127.0.0.0/8)';
  return V4_REFUSED.find(([base, bits]) => inV4(ip, base, bits))?.[2];
}

/** The eight 16-bit words of an IPv6 address (a trailing dotted IPv4 part included). */
function ipv6Words(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = ipv4Bytes(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const words = (part: string | undefined) => (part ? part.split(':').map((w) => parseInt(w, 16)) : []);
  const front = words(head);
  const back = words(tail);
  return tail === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

function refusedIpv6(w: number[], policy: TargetPolicy): string | undefined {
  const zeros = (from: number, to: number) => w.slice(from, to).every((x) => x === 0);
  const embeddedV4 = (): V4 => [w[6]! >> 8, w[6]! & 0xff, w[7]! >> 8, w[7]! & 0xff];
  if (zeros(0, 8)) return 'unspecified (::)';
  if (zeros(0, 7) && w[7] === 1) return policy.allowLoopback ? undefined : 'loopback (::1)';
  // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible (::a.b.c.d): what the IPv4 address is.
  if (zeros(0, 5) && w[5] === 0xffff) return withV4('IPv4-mapped', refusedIpv4(embeddedV4(), policy));
  if (zeros(0, 6)) return 'IPv4-compatible (::/96)';
  // NAT64 (64:ff9b::/96) reaches the embedded IPv4 address.
  if (w[0] === 0x64 && w[1] === 0xff9b && zeros(2, 6)) return withV4('NAT64', refusedIpv4(embeddedV4(), policy));
  if ((w[0]! & 0xffc0) === 0xfe80) return 'link-local (fe80::/10)';
  if ((w[0]! & 0xffc0) === 0xfec0) return 'site-local (fec0::/10)';
  if ((w[0]! & 0xfe00) === 0xfc00) return 'unique local (fc00::/7)';
  if ((w[0]! & 0xff00) === 0xff00) return 'multicast (ff00::/8)';
  if (w[0] === 0x2001 && w[1] === 0x0db8) return 'documentation (2001:db8::/32)';
  // 6to4 (2002::/16) carries an IPv4 address in its next 32 bits.
  if (w[0] === 0x2002) return withV4('6to4', refusedIpv4([w[1]! >> 8, w[1]! & 0xff, w[2]! >> 8, w[2]! & 0xff], policy));
  return undefined;
}

const withV4 = (kind: string, reason: string | undefined) => reason && `${kind} IPv4 address, ${reason}`;

/** Host names that name this machine or an internal network rather than a public host. */
function refusedHostName(host: string, policy: TargetPolicy): string | undefined {
  const name = host.replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return policy.allowLoopback ? undefined : 'names this machine (localhost)';
  if (!name.includes('.')) return 'is a single-label name, which resolves through local search domains: use a fully qualified name';
  if (/\.(internal|local|localdomain|home\.arpa|intranet|lan|corp)$/.test(name)) return 'names a private network';
  return undefined;
}

/**
 * Why `text` may not be a webhook URL (said to the admin as INVALID_WEBHOOK_URL), or undefined.
 * Host names are checked again, resolved, at every attempt.
 */
export function refusedUrl(text: string, policy: TargetPolicy): string | undefined {
  if (text.length > MAX_WEBHOOK_URL_LENGTH) return `it is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'it is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `the scheme must be https, not ${url.protocol.slice(0, -1)}`;
  if (url.username !== '' || url.password !== '') return 'it must not carry credentials (user:password@): they would be shown with the endpoint';
  if (url.hash !== '') return 'it must not have a fragment (#…)';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const literal = isIP(host) !== 0;
  const why = literal ? refusedAddress(host, policy) : refusedHostName(host.toLowerCase(), policy);
  if (why) return `its host ${url.hostname} ${literal ? `is ${why}` : why}`;
  if (url.protocol === 'http:' && !(policy.allowLoopback && isLoopbackHost(host))) return 'the scheme must be https (http only to this machine, where the deployment allows it)';
  return undefined;
}

function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const family = isIP(host);
  return family !== 0 && refusedAddress(host, { allowLoopback: false }) !== undefined && refusedAddress(host, { allowLoopback: true }) === undefined;
}
