import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useStack } from './support/local-stack';

jest.setTimeout(300_000);

// The script as committed, and as the README shows it (test/unit/examples/walkthrough-readme.test.ts).
const SCRIPT = join(__dirname, '..', '..', 'examples', 'walkthrough.sh');
const ALL_SCOPES = ['files:read', 'files:write', 'files:overwrite', 'files:admin'];
const ID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const local = useStack();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the script left in its TMPDIR. */
  leftInTmp: string[];
}

/** Runs the script as a user would (`sh examples/walkthrough.sh`), with only TOKEN and FILEPORT_URL set (and TMPDIR, to watch it). */
function walkthrough(shell: string[], env: Record<string, string | undefined>): Promise<Run> {
  const tmp = mkdtempSync(join(tmpdir(), 'fileport-walkthrough-test-'));
  const [command, ...args] = shell as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args, SCRIPT], {
      cwd: tmp,
      // Unset where the caller gives undefined.
      env: Object.fromEntries(
        Object.entries({ PATH: process.env.PATH ?? '', HOME: tmp, TMPDIR: tmp, FILEPORT_URL: local.stack().apiUrl, ...env }).filter(([, value]) => value !== undefined),
      ),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const leftInTmp = readdirSync(tmp);
      rmSync(tmp, { recursive: true, force: true });
      resolve({ code, stdout, stderr, leftInTmp });
    });
  });
}

const tenantToken = (tenantId: string, scopes = ALL_SCOPES) => local.api().tokenFor(tenantId, scopes, 'walkthrough-user');

const installed = (shell: string) => spawnSync(shell, ['-c', 'true']).status === 0;

// dash here (macOS's sh is bash 3.2 in POSIX mode); zsh where it is installed.
const shells: string[][] = [['sh'], ['bash'], ['bash', '--posix'], ...(installed('zsh') ? [['zsh']] : [])];

describe('examples/walkthrough.sh', () => {
  it.each(shells.map((shell) => [shell.join(' '), shell]))('runs as written under %s, every step as the README says, and leaves nothing behind', async (name, shell) => {
    const tenant = `walkthrough-${name.replace(/\W+/g, '-')}`;
    const token = await tenantToken(tenant);
    const run = await walkthrough(shell, { TOKEN: token });

    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const out = run.stdout;
    expect(out).toMatch(/^1\. file types: pdf .*\bzip binary$/m);
    const [, leaseId] = new RegExp(`^2\\. created: id (${ID}), status pending, expiresAt \\S+$`, 'm').exec(out) ?? [];
    expect(out).toMatch(/^3\. uploaded lease\.pdf, \d+ bytes: HTTP 200$/m);
    expect(out).toMatch(/^4\. read: status ready, size \d+, pageCount 1, version (\d+)$/m);
    const [, readVersion] = /^4\. read: .*, version (\d+)$/m.exec(out) ?? [];
    expect(out).toMatch(/^5\. downloaded by URL and by redirect: the bytes uploaded$/m);
    expect(out).toMatch(/^6\. files linked to contract C-42: 1, this one among them$/m);
    expect(out).toMatch(new RegExp(`^7\\. updated: tags \\["lease","signed"\\], version ${Number(readVersion) + 1}$`, 'm'));
    const [, checksum] = /^8\. read: status ready, contentVersion 2, checksumSha256 (\S{43}=)$/m.exec(out) ?? [];
    expect(checksum).toBeDefined();
    expect(out).toMatch(/^9\. 2 versions: 2 ready, 1 ready$/m);
    expect(out).toMatch(/^10\. version 1 downloaded: the bytes first uploaded$/m);
    // The copy has the content of the file's current version: the same SHA-256.
    const [, copyId, copyChecksum] = new RegExp(`^11\\. copy: id (${ID}), name Lease contract \\(copy\\), status ready, checksumSha256 (\\S+)$`, 'm').exec(out) ?? [];
    expect(copyChecksum).toBe(checksum);
    expect(out).toMatch(/^12\. form upload: HTTP 201$/m);
    const [, formId] = new RegExp(`^12\\. read: id (${ID}), status ready, pageCount 1$`, 'm').exec(out) ?? [];
    expect(out).toMatch(/^13\. multipart upload started: size 6000118, partSize 5242880, partCount 2$/m);
    expect(out).toMatch(/^13\. part 1, 5242880 bytes: HTTP 200\n13\. part 2, 757238 bytes: HTTP 200$/m);
    expect(out).toMatch(/^13\. upload status: uploadedParts \[\{"partNumber":1,.*\{"partNumber":2,.*\], missingPartNumbers \[\]$/m);
    const [, zipId] = new RegExp(`^13\\. multipart upload complete: id (${ID}), status (processing|ready)$`, 'm').exec(out) ?? [];
    expect(out).toMatch(/^13\. read: status ready, size 6000118$/m);
    expect(out).toMatch(/^14\. another upload aborted: HTTP 204$/m);
    const created = [leaseId, copyId, formId, zipId];
    expect(new Set(created).size).toBe(4);
    expect([...out.matchAll(new RegExp(`^15\\. deleted (${ID}): HTTP 204$`, 'gm'))].map((m) => m[1])).toEqual(created);
    expect(out).toMatch(/\nDone: every step answered as expected\.\n$/);
    expect(out).not.toContain('undefined');

    // Nothing left: the tenant (its own, fresh) has no files, and the script removed its temporary folder.
    const api = local.api().as(token);
    expect((await api.call('GET', '/v1/files')).body).toEqual({ items: [], nextCursor: null });
    for (const id of created) expect((await api.call('GET', `/v1/files/${id}`)).status).toBe(404);
    expect(run.leftInTmp).toEqual([]);
  });

  it('stops at the first call that fails, naming the step, the status and the error', async () => {
    const refused = await walkthrough(['sh'], { TOKEN: 'not-a-token' });
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr: 'walkthrough: 1. file types failed: HTTP 401\n{"error":{"code":"UNAUTHORIZED","message":"The bearer token is invalid or expired."}}\n',
      leftInTmp: [],
    });

    const readOnly = await walkthrough(['sh'], { TOKEN: await tenantToken('walkthrough-read-only', ['files:read']) });
    expect(readOnly.code).toBe(1);
    expect(readOnly.stdout).toMatch(/^1\. file types: pdf [^\n]*\n$/);
    expect(readOnly.stderr).toBe('walkthrough: 2. create file failed: HTTP 403\n{"error":{"code":"FORBIDDEN","message":"This route needs the files:write scope."}}\n');

    // Deep in the flow: a tenant whose limit (1 MiB) the 6 MB zip is over. Steps 1 to 12 ran; nothing after the refusal did.
    const token = await tenantToken('walkthrough-small-limit');
    const settings = { disableForceDownloadForMimeTypes: [], maxFileSize: 1024 * 1024, downloadUrlTtlSeconds: 900, uploadUrlTtlSeconds: 900 };
    expect((await local.api().as(token).call('PUT', '/v1/settings', { body: settings })).status).toBe(200);
    const tooLarge = await walkthrough(['bash'], { TOKEN: token });
    expect(tooLarge.code).toBe(1);
    expect(tooLarge.stdout).toMatch(/\n12\. read: id \S+, status ready, pageCount 1\n$/);
    expect(tooLarge.stdout).not.toMatch(/^1[345]\./m);
    const [, left] =
      /^walkthrough: 13\. start multipart upload failed: HTTP 413\n\{"error":\{"code":"FILE_TOO_LARGE","message":"[^"]+"\}\}\nwalkthrough: the files it created stay:((?: \S+){4})\nwalkthrough: delete one with: curl -X DELETE (\S+)\/files\/ID -H "Authorization: Bearer \$TOKEN"\n$/.exec(
        tooLarge.stderr,
      ) ?? [];
    expect(tooLarge.stderr).toContain(`curl -X DELETE ${local.stack().apiUrl}/v1/files/ID `);
    expect(tooLarge.leftInTmp).toEqual([]);
    // The files it names are the tenant's (the lease, its copy, the form's and the backup), and deleting them as it says leaves none.
    const api = local.api().as(token);
    const named = (left ?? '').trim().split(' ');
    expect(named).toHaveLength(4);
    expect(((await api.call('GET', '/v1/files')).body.items as { id: string }[]).map((f) => f.id).sort()).toEqual([...named].sort());
    for (const id of named) expect((await api.call('DELETE', `/v1/files/${id}`)).status).toBe(204);
    expect((await api.call('GET', '/v1/files')).body).toEqual({ items: [], nextCursor: null });

    for (const run of [refused, readOnly, tooLarge]) expect(run.stdout + run.stderr).not.toContain('undefined');
  });

  it('says what to do without a TOKEN, or without an API to talk to', async () => {
    expect(await walkthrough(['sh'], { TOKEN: undefined })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'walkthrough: TOKEN is not set: start the API with npm start, then run the export TOKEN=… line it printed.\n',
      leftInTmp: [],
    });
    // Port 1: nothing listens there.
    const noApi = await walkthrough(['sh'], { TOKEN: 'x', FILEPORT_URL: 'http://127.0.0.1:1' });
    expect(noApi.code).toBe(1);
    expect(noApi.stderr).toContain('walkthrough: 1. file types: no answer from GET http://127.0.0.1:1/v1/file-types (is npm start running?)\n');
  });
});
