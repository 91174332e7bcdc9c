import { refusedAddress, refusedUrl } from '../../../../lambdas/domain/webhooks/targets';

const deployed = { allowLoopback: false };
const local = { allowLoopback: true };

describe('webhook target addresses (SSRF)', () => {
  const refused: [string, RegExp][] = [
    ['0.0.0.0', /this network/],
    ['0.1.2.3', /this network/],
    ['10.0.0.1', /private \(10/],
    ['10.255.255.255', /private \(10/],
    ['100.64.0.1', /shared address space/],
    ['100.127.255.254', /shared address space/],
    ['127.0.0.1', /loopback/],
    ['127.1.2.3', /loopback/],
    ['169.254.169.254', /link-local/],
    ['169.254.0.1', /link-local/],
    ['172.16.0.1', /private \(172\.16/],
    ['172.31.255.255', /private \(172\.16/],
    ['192.168.0.1', /private \(192\.168/],
    ['192.0.0.170', /IETF/],
    ['198.18.0.1', /benchmarking/],
    ['224.0.0.251', /multicast/],
    ['239.255.255.250', /multicast/],
    ['255.255.255.255', /reserved or broadcast/],
    ['::', /unspecified/],
    ['::1', /loopback/],
    ['fe80::1', /link-local/],
    ['febf::1', /link-local/],
    ['fc00::1', /unique local/],
    ['fd12:3456::1', /unique local/],
    ['ff02::1', /multicast/],
    ['::ffff:10.0.0.1', /IPv4-mapped.*private/],
    ['::ffff:a00:1', /IPv4-mapped.*private/],
    ['::ffff:169.254.169.254', /IPv4-mapped.*link-local/],
    ['::ffff:127.0.0.1', /IPv4-mapped.*loopback/],
    ['::ffff:0.0.0.0', /IPv4-mapped.*this network/],
    ['::10.0.0.1', /IPv4-compatible/],
    ['64:ff9b::a9fe:a9fe', /NAT64.*link-local/],
    ['2002:a00:1::1', /6to4.*private/],
    ['2001:db8::1', /documentation/],
  ];
  it.each(refused)('refuses %s', (address, why) => {
    expect(refusedAddress(address, deployed)).toMatch(why);
  });

  const allowed = ['1.1.1.1', '8.8.8.8', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '192.169.0.1', '169.253.255.255', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'];
  it.each(allowed)('allows the public address %s', (address) => {
    expect(refusedAddress(address, deployed)).toBeUndefined();
  });

  it('allows loopback only where the deployment allows it, and nothing else more', () => {
    for (const address of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1']) expect(refusedAddress(address, local)).toBeUndefined();
    for (const address of ['10.0.0.1', '169.254.169.254', '::ffff:192.168.1.1', 'fe80::1', '0.0.0.0']) expect(refusedAddress(address, local)).toBeDefined();
  });
});

describe('webhook URLs', () => {
  const cases: [string, typeof deployed, RegExp | undefined][] = [
    ['https://hooks.example.com/fileport?x=1', deployed, undefined],
    ['https://8.8.8.8:8443/hook', deployed, undefined],
    ['https://[2606:4700::1111]/hook', deployed, undefined],
    ['http://hooks.example.com/', deployed, /scheme must be https/],
    ['http://127.0.0.1:8080/hook', deployed, /loopback/],
    ['http://127.0.0.1:8080/hook', local, undefined],
    ['http://localhost:8080/hook', local, undefined],
    ['http://[::1]:8080/hook', local, undefined],
    ['https://localhost/hook', deployed, /names this machine/],
    ['http://10.0.0.1/', local, /private/],
    ['http://hooks.example.com/', local, /scheme must be https/],
    ['https://169.254.169.254/latest/meta-data/', deployed, /link-local/],
    ['https://[::ffff:169.254.169.254]/', deployed, /IPv4-mapped.*link-local/],
    ['https://2130706433/', deployed, /loopback/],
    ['https://0x7f.1/', deployed, /loopback/],
    ['https://intranet/', deployed, /single-label/],
    ['https://db.internal/', deployed, /private network/],
    ['https://printer.local./', deployed, /private network/],
    ['https://user:pw@hooks.example.com/', deployed, /credentials/],
    ['https://hooks.example.com/#x', deployed, /fragment/],
    ['file:///etc/passwd', deployed, /scheme must be https, not file/],
    ['hooks.example.com/hook', deployed, /not an absolute URL/],
    [`https://hooks.example.com/${'a'.repeat(2100)}`, deployed, /longer than 2048/],
  ];
  it.each(cases)('%s', (url, policy, why) => {
    const reason = refusedUrl(url, policy);
    if (why === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(why);
  });
});
