import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Crc64Nvme } from '@aws-sdk/checksums/crc';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useStack } from './support/local-stack';
import { EmulatorS3 } from './support/s3';

jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'client', 'dist', 'cli.cjs');
const MiB = 1024 * 1024;
const local = useStack();

// The bin is what users run: build it from the sources under test (npm ci's `prepare` builds it too).
beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'build:client'], { cwd: ROOT, stdio: 'pipe' });
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fileport-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}, cwd = dir): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const ok = async (args: string[]) => {
  const result = await cli(args);
  if (result.code !== 0) throw new Error(`fileport ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result;
};

describe('fileport CLI', () => {
  it('logs in, uploads two files (one multipart), lists, shows, downloads, shares and deletes', async () => {
    const login = await ok(['login', '--url', local.stack().apiUrl, '--token', local.stack().token]);
    expect(login.stdout).toContain('Logged in');
    const config = join(dir, 'config', 'fileport', 'config.json');
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({ url: local.stack().apiUrl, token: local.stack().token });

    expect((await ok(['types'])).stdout).toMatch(/^pdf\s+pdf\s+application\/pdf/m);

    const small = new TextEncoder().encode('a,b\n1,2\n');
    const big = new Uint8Array(randomBytes(17 * MiB + 5));
    big.set([0x50, 0x4b, 0x03, 0x04]);
    writeFileSync(join(dir, 'small.csv'), small);
    writeFileSync(join(dir, 'big.zip'), big);
    const upload = await ok(['upload', 'small.csv', 'big.zip', '--tag', 'cli-test', '--tag', 'cli-both', '--part-size', '5', '--wait', '--json']);
    const uploaded = JSON.parse(upload.stdout);
    expect(uploaded.summary).toMatchObject({ files: 2, uploaded: 2, failed: 0, bytes: small.length + big.length });
    expect(uploaded.results.map((r: any) => r.file.status)).toEqual(['ready', 'ready']);
    const [csvId, zipId] = uploaded.results.map((r: any) => r.file.id);

    const human = await ok(['upload', 'small.csv', '--name', 'other.csv']);
    expect(human.stdout).toMatch(/^[0-9a-f-]{36}\s+(processing|pending|ready)\s+other\.csv/);
    expect(human.stderr).toMatch(/1 of 1 file\(s\) uploaded, 8 B in [\d.]+ s \([\d.]+ MB\/s\)/);

    const listed = JSON.parse((await ok(['ls', '--tag', 'cli-test', '--json'])).stdout);
    expect(listed.items.map((f: any) => f.id).sort()).toEqual([csvId, zipId].sort());
    expect((await ok(['ls', '--tag', 'cli-test', '--type', 'zip'])).stdout).toMatch(new RegExp(`${zipId}\\s+ready\\s+17 MiB\\s+zip`));
    // --tag again: files with every tag given.
    expect(JSON.parse((await ok(['ls', '--tag', 'cli-test', '--tag', 'cli-both', '--json'])).stdout).items.map((f: any) => f.id).sort()).toEqual([csvId, zipId].sort());
    expect(JSON.parse((await ok(['ls', '--tag', 'cli-test', '--tag', 'nowhere', '--json'])).stdout).items).toEqual([]);

    // Uploaded in parts, it declared its whole CRC-64/NVME, which S3 checked and holds: processing
    // did not read it to compute a SHA-256, and info says which checksum it has and why not the other.
    const crc = new Crc64Nvme();
    crc.update(big);
    const info = (await ok(['info', zipId])).stdout;
    expect(info).toMatch(new RegExp(`crc64nvme\\s+${Buffer.from(await crc.digest()).toString('base64').replace(/[+/]/g, '\\$&')}`));
    expect(info).toMatch(/sha256\s+- \(CHECKSUM_NOT_COMPUTED\)/);
    // The local stack scans nothing unless asked: the version's malware scan is skipped.
    expect((await ok(['info', zipId])).stdout).toMatch(/malware scan\s+skipped/);

    const download = await ok(['download', zipId, '-o', 'copy.zip']);
    expect(download.stdout).toContain('CRC-64/NVME verified');
    expect(readFileSync(join(dir, 'copy.zip')).equals(Buffer.from(big))).toBe(true);
    await ok(['download', csvId]);
    expect(readFileSync(join(dir, 'small.csv')).toString()).toBe('a,b\n1,2\n');

    const share = JSON.parse((await ok(['share', csvId, '--read', '--json'])).stdout);
    expect(share).toMatchObject({ accessLevel: 'read', fileId: csvId, sharedUrl: `${local.stack().apiUrl}/v1/shared/${share.token}` });
    const shared = await fetch(share.sharedUrl);
    expect(shared.status).toBe(200);
    expect(await shared.json()).toMatchObject({ id: csvId, name: 'small.csv' });

    expect((await ok(['rm', zipId])).stdout).toBe(`Deleted ${zipId}.\n`);
    const gone = await cli(['info', zipId]);
    expect(gone).toMatchObject({ code: 1, stderr: `fileport: FILE_NOT_FOUND: File ${zipId} was not found.\n` });
    const goneJson = await cli(['info', zipId, '--json']);
    expect(JSON.parse(goneJson.stdout)).toEqual({ error: { code: 'FILE_NOT_FOUND', message: `File ${zipId} was not found.` } });
  });

  it('exit codes: 2 for usage, 4 when not logged in, 1 for a refused token at login', async () => {
    expect(await cli(['frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "frobnicate"') });
    expect(await cli(['share', 'x'])).toMatchObject({ code: 4 });
    expect(await cli(['ls', '--colour'])).toMatchObject({ code: 2, stderr: expect.stringContaining("Unknown option '--colour'") });
    expect(await cli(['ls'])).toMatchObject({ code: 4, stderr: expect.stringContaining('not logged in') });
    expect(await cli(['login', '--url', local.stack().apiUrl, '--token', 'nope'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^fileport: UNAUTHORIZED: /) });
    const env = { FILEPORT_URL: local.stack().apiUrl, FILEPORT_TOKEN: local.stack().token };
    expect(await cli(['share', '00000000-0000-4000-8000-000000000000'], env)).toMatchObject({ code: 2, stderr: expect.stringContaining('--read and --full') });
    writeFileSync(join(dir, 'notes.unknown'), 'x');
    expect(await cli(['upload', 'notes.unknown'], env)).toMatchObject({ code: 2, stderr: expect.stringContaining('give --type') });
    expect((await cli(['--help'])).stdout).toContain('Exit codes:');
  });

  it('exit code 3 when some uploads fail and others succeed; 1 when all fail; each failure named', async () => {
    // A tenant whose limit is 1 MiB: the 2 MiB file is refused (413) before any byte is sent.
    const api = local.api();
    const token = await api.tokenFor('cli-limits', ['files:read', 'files:write', 'files:admin'], 'cli-user');
    const settings = { disableForceDownloadForMimeTypes: [], maxFileSize: MiB, downloadUrlTtlSeconds: 900, uploadUrlTtlSeconds: 900 };
    expect((await api.as(token).call('PUT', '/v1/settings', { body: settings })).status).toBe(200);
    const env = { FILEPORT_URL: local.stack().apiUrl, FILEPORT_TOKEN: token };
    writeFileSync(join(dir, 'fits.csv'), 'a,b\n1,2\n');
    writeFileSync(join(dir, 'too-big.csv'), new Uint8Array(2 * MiB).fill(0x61));

    const partial = await cli(['upload', 'fits.csv', 'too-big.csv'], env);
    expect(partial.code).toBe(3);
    // The status is whatever processing has reached when the upload returns.
    expect(partial.stdout).toMatch(/^[0-9a-f-]{36} {2}(pending|processing|ready) {2}fits\.csv\n$/);
    expect(partial.stderr).toContain('fileport: too-big.csv: FILE_TOO_LARGE: ');
    expect(partial.stderr).toContain('1 of 2 file(s) uploaded');

    const asJson = await cli(['upload', '--json', 'too-big.csv', 'fits.csv'], env);
    expect(asJson.code).toBe(3);
    const report = JSON.parse(asJson.stdout);
    expect(report.summary).toMatchObject({ files: 2, uploaded: 1, failed: 1 });
    expect(report.results.map((r: { path: string; ok: boolean; error?: { code: string } }) => [r.path, r.ok, r.error?.code])).toEqual([
      ['too-big.csv', false, 'FILE_TOO_LARGE'],
      ['fits.csv', true, undefined],
    ]);

    expect(await cli(['upload', 'too-big.csv'], env)).toMatchObject({ code: 1, stderr: expect.stringContaining('0 of 1 file(s) uploaded') });
  });

  it('an S3 refusal is one line naming its cause, never S3\'s XML: a download whose object is gone, an upload whose signed header was changed', async () => {
    const env = { FILEPORT_URL: local.stack().apiUrl, FILEPORT_TOKEN: local.stack().token };
    writeFileSync(join(dir, 'gone.csv'), 'a,b\n1,2\n');
    const id = JSON.parse((await cli(['upload', 'gone.csv', '--wait', '--json'], env)).stdout).results[0].file.id;
    // The object deleted behind the API's back: its download URL is signed, S3 has nothing.
    const grant = await local.api().call('GET', `/v1/files/${id}/download?redirect=false`);
    const { bucket, key } = EmulatorS3.objectOf(grant.body.url);
    const s3 = new S3Client({ endpoint: local.stack().s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    try {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } finally {
      s3.destroy();
    }
    const download = await cli(['download', id, '-o', 'copy.csv'], env);
    expect(download.code).toBe(1);
    expect(download.stderr).toMatch(/^fileport: S3_OBJECT_NOT_FOUND: S3 has no object for the download: the content was deleted, or this version is gone\. S3 answered 404 NoSuchKey\.\n$/);
    const asJson = await cli(['download', id, '-o', 'copy.csv', '--json'], env);
    expect(JSON.parse(asJson.stdout)).toEqual({ error: { code: 'S3_OBJECT_NOT_FOUND', message: expect.stringMatching(/^S3 has no object for the download/) } });

    // A proxy in front of the API that changes a header its upload grants sign: S3 refuses the signature.
    const proxy: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name))) as Record<string, string>;
        const answer = await fetch(`${local.stack().apiUrl}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
        let text = await answer.text();
        if (req.method === 'PUT' && /\/upload$/.test(req.url ?? '') && answer.ok) {
          const body = JSON.parse(text);
          body.headers['Content-Type'] = 'text/html';
          text = JSON.stringify(body);
        }
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const via = { FILEPORT_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, FILEPORT_TOKEN: local.stack().token };
      const upload = await cli(['upload', 'gone.csv'], via);
      expect(upload.code).toBe(1);
      const lines = upload.stderr.split('\n');
      expect(lines[1]).toBe(
        'fileport: gone.csv: S3_SIGNATURE_MISMATCH: S3 refused the signature of the request for the file: a signed header is missing or differs (send every header the grant listed, unchanged). S3 answered 403 SignatureDoesNotMatch.',
      );
      expect(upload.stderr).not.toMatch(/[<>]/);
      expect(upload.stderr).toContain('0 of 1 file(s) uploaded');
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('runs the README\'s CLI example as written', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /<!-- cli-example -->\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    // `npx fileport` runs the built bin; here it is called by path from a scratch folder.
    const script = `set -euo pipefail\nfileport() { node ${JSON.stringify(CLI)} "$@"; }\n${(block as string).replaceAll('npx fileport', 'fileport').replaceAll('http://127.0.0.1:3000', local.stack().apiUrl)}`;
    const result = execFileSync('bash', ['-c', script], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, TOKEN: local.stack().token }, encoding: 'utf8' });
    expect(result).toContain('Logged in');
    expect(result).toMatch(/\/v1\/shared\/fps_/);
    expect(result).toMatch(/Deleted [0-9a-f-]{36}\./);
  });
});
