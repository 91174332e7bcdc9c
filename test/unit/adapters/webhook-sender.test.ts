import type { LookupAddress, lookup as dnsLookup } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkedLookup, HttpWebhookSender } from '../../../lambdas/adapters/webhook-sender';

/** A receiver on 127.0.0.1 that answers what `handle` does; counts the requests it got. */
async function receiver(handle: Parameters<typeof createServer>[1]): Promise<{ port: number; requests: () => number; server: Server }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    handle!(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, requests: () => requests, server };
}
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => (s.closeAllConnections(), s.close(resolve)))));
});

/** A resolver that answers every name with `address`, as a DNS server of the attacker's would. */
const resolvesTo = (address: string, family = 4) =>
  ((_hostname: string, _options: unknown, callback: (error: null, addresses: LookupAddress[]) => void) => callback(null, [{ address, family }])) as unknown as typeof dnsLookup;

const local = { allowLoopback: true };
const deployed = { allowLoopback: false };

describe('the webhook sender', () => {
  it('posts the body with the headers and reports a 2xx as delivered', async () => {
    let got = '';
    const r = await receiver((req, res) => {
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (got += chunk));
      req.on('end', () => res.writeHead(204).end());
    });
    servers.push(r.server);
    const outcome = await new HttpWebhookSender(local).send(`http://127.0.0.1:${r.port}/hook`, { 'webhook-id': 'evt_1' }, '{"a":1}');
    expect(outcome).toEqual({ ok: true, status: 204 });
    expect(got).toBe('{"a":1}');
  });

  it('connects to the address the name resolved to, checked: a name resolving to an internal address is refused before any connection', async () => {
    const r = await receiver((_req, res) => res.writeHead(200).end());
    servers.push(r.server);
    // The URL passes (a public-looking name); the resolver says 127.0.0.1, which the deployment refuses.
    const refused = await new HttpWebhookSender({ allowLoopback: false }, undefined, resolvesTo('127.0.0.1')).send(`https://hooks.example.com:${r.port}/`, {}, '{}');
    expect(refused).toEqual({ ok: false, status: null, error: expect.stringMatching(/hooks\.example\.com resolves to 127\.0\.0\.1, loopback/) });
    for (const address of ['10.1.2.3', '169.254.169.254', '::ffff:192.168.0.1']) {
      const outcome = await new HttpWebhookSender(deployed, undefined, resolvesTo(address, address.includes(':') ? 6 : 4)).send('https://hooks.example.com/', {}, '{}');
      expect(outcome).toEqual({ ok: false, status: null, error: expect.stringMatching(new RegExp(`resolves to ${address.replace(/\./g, '\\.')}`)) });
    }
    expect(r.requests()).toBe(0);
    // Where loopback is allowed, the same name reaches the receiver through the checked address.
    const allowed = await new HttpWebhookSender(local, undefined, resolvesTo('127.0.0.1')).send(`http://localhost:${r.port}/`, {}, '{}');
    expect(allowed).toEqual({ ok: true, status: 200 });
    expect(r.requests()).toBe(1);
  });

  it('refuses literal internal addresses without connecting (no lookup happens for them)', async () => {
    expect(await new HttpWebhookSender(deployed).send('https://169.254.169.254/latest/meta-data/', {}, '{}')).toEqual({
      ok: false,
      status: null,
      error: expect.stringMatching(/^Refused target: .*link-local/),
    });
  });

  it('follows no redirect: a 3xx is a failure, and its target is not called', async () => {
    const target = await receiver((_req, res) => res.writeHead(200).end());
    const r = await receiver((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${target.port}/` }).end());
    servers.push(target.server, r.server);
    expect(await new HttpWebhookSender(local).send(`http://127.0.0.1:${r.port}/`, {}, '{}')).toEqual({ ok: false, status: 302, error: 'HTTP 302: redirects are not followed.' });
    expect(target.requests()).toBe(0);
  });

  it('reads a bounded part of a large answer, and gives up on a receiver that does not answer in time', async () => {
    const big = await receiver((_req, res) => {
      res.writeHead(200);
      // Endless: only the bound ends the reading.
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const write = () => {
        while (res.write(chunk));
        res.once('drain', write);
      };
      write();
    });
    const silent = await receiver(() => undefined);
    servers.push(big.server, silent.server);
    const sender = new HttpWebhookSender(local, { timeoutMs: 500, maxResponseBytes: 64 * 1024 });
    expect(await sender.send(`http://127.0.0.1:${big.port}/`, {}, '{}')).toEqual({ ok: true, status: 200 });
    expect(await sender.send(`http://127.0.0.1:${silent.port}/`, {}, '{}')).toEqual({ ok: false, status: null, error: 'No answer within 0.5 s.' });
  });

  it('reports an answer other than 2xx, and a refused connection, as failures', async () => {
    const r = await receiver((_req, res) => res.writeHead(500).end('nope'));
    servers.push(r.server);
    expect(await new HttpWebhookSender(local).send(`http://127.0.0.1:${r.port}/`, {}, '{}')).toEqual({ ok: false, status: 500, error: 'HTTP 500.' });
    const port = r.port;
    await new Promise((resolve) => (r.server.closeAllConnections(), r.server.close(resolve)));
    servers.splice(servers.indexOf(r.server), 1);
    expect(await new HttpWebhookSender(local).send(`http://127.0.0.1:${port}/`, {}, '{}')).toEqual({ ok: false, status: null, error: 'Could not deliver: ECONNREFUSED.' });
  });

  it('checks every address of the answer, not only the first', (done) => {
    const twoAddresses = ((_h: string, _o: unknown, callback: (e: null, a: LookupAddress[]) => void) =>
      callback(null, [
        { address: '8.8.8.8', family: 4 },
        { address: '10.0.0.1', family: 4 },
      ])) as unknown as typeof dnsLookup;
    checkedLookup(deployed, twoAddresses)('hooks.example.com', { all: true }, (error) => {
      expect(error?.message).toMatch(/resolves to 10\.0\.0\.1/);
      done();
    });
  });
});
