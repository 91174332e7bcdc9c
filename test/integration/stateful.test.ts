import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { Api, type ApiResponse } from './support/api';
import { fileBody, SEED } from './support/hostile';
import { makePdf, useStack } from './support/local-stack';
import { postForm } from './support/parts';

jest.setTimeout(900_000);

/**
 * Sequences of what users do (create, upload, use an upload URL or form again, patch with hostile
 * text, copy, delete, list, read across tenants), with the invariants checked after every step:
 * no 5xx, every list answers, nothing crosses tenants, and the overwrite rule holds: the member
 * here has `files:write` alone, so a file's first accepted content, once ready, is never replaced,
 * whatever way bytes arrive: the version stays what it was (and downloads as it), or ends visibly
 * failed, and no version follows it.
 */
const local = useStack();
const RUNS = Number(process.env.STATEFUL_RUNS ?? 12);

type Bytes = 'pdf-a' | 'pdf-b' | 'garbage';
type Command =
  | { kind: 'create' }
  | { kind: 'grant'; file: number; via: 'put' | 'form' }
  | { kind: 'send'; grant: number; bytes: Bytes }
  | { kind: 'patch'; file: number; body: unknown }
  | { kind: 'copy'; file: number }
  | { kind: 'delete'; file: number }
  | { kind: 'list' };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'create' } as const) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('grant' as const), file: fc.nat(), via: fc.constantFrom('put' as const, 'form' as const) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('send' as const), grant: fc.nat(), bytes: fc.constantFrom<Bytes>('pdf-a', 'pdf-b', 'garbage') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('patch' as const), file: fc.nat(), body: fileBody }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('copy' as const), file: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), file: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'list' } as const) },
);

interface TrackedFile {
  id: string;
  deleted: boolean;
  /** The version first seen ready, and its checksum then: it may only stay so, or end failed. */
  firstReady?: { version: number; checksum: string };
}
interface Grant {
  fileId: string;
  via: 'put' | 'form';
  url: string;
  headers: Record<string, string>;
  fields: Record<string, string>;
}

interface Version {
  version: number;
  status: string;
  checksumSha256: string | null;
  error: { code: string } | null;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

describe('stateful sequences', () => {
  let writer: Api;
  let other: Api;
  let content: Record<Bytes, Uint8Array<ArrayBuffer>>;

  beforeAll(async () => {
    const admin = local.api();
    writer = admin.as(await admin.tokenFor('stateful', ['files:read', 'files:write'], 'writer'));
    other = admin.as(await admin.tokenFor('stateful-other', ['files:admin'], 'intruder'));
    content = { 'pdf-a': await makePdf(1), 'pdf-b': await makePdf(2), garbage: new Uint8Array(Buffer.from('not a pdf at all, just text')) };
  });

  /** A call that must never be a 5xx. */
  async function call(api: Api, method: string, path: string, options: Parameters<Api['call']>[2] = {}): Promise<ApiResponse> {
    const answer = await api.call(method, path, options);
    if (answer.status >= 500) throw new Error(`${answer.status} for ${method} ${path}: ${JSON.stringify(answer.body)}`);
    return answer;
  }

  /** Until processing has nothing left to do: every local queue empty twice in a row. */
  async function quiesce(): Promise<void> {
    let idle = 0;
    for (let i = 0; i < 600 && idle < 2; i++) {
      const queues = (await writer.call('GET', '/_dev/queues', { token: null })).body as Record<string, { pending?: number }>;
      idle = Object.values(queues).every((q) => (q.pending ?? 0) === 0) ? idle + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }

  async function listsAnswer(api: Api): Promise<void> {
    let cursor: string | null = null;
    for (let page = 0; page < 20; page++) {
      const answer: ApiResponse<{ nextCursor: string | null }> = await call(api, 'GET', `/v1/files?limit=50${cursor ? `&cursor=${cursor}` : ''}`);
      if (answer.status !== 200) throw new Error(`list answered ${answer.status}`);
      cursor = answer.body.nextCursor;
      if (!cursor) return;
    }
  }

  async function checkInvariants(files: TrackedFile[]): Promise<void> {
    await listsAnswer(writer);
    await listsAnswer(other);
    for (const file of files) {
      expect((await call(other, 'GET', `/v1/files/${file.id}`)).status).toBe(404);
      const got = await call(writer, 'GET', `/v1/files/${file.id}`);
      if (file.deleted) {
        expect(got.status).toBe(404);
        continue;
      }
      expect(got.status).toBe(200);
      const versions = (await call(writer, 'GET', `/v1/files/${file.id}/versions`)).body.items as Version[];
      // files:write alone uploads a file's first content only: a new version only ever follows
      // failed ones (an upload may be tried again until one is accepted), so at most one is not failed…
      expect(versions.filter((v) => v.status !== 'failed').length).toBeLessThanOrEqual(1);
      if (file.firstReady === undefined) {
        const ready = versions.find((v) => v.status === 'ready' && v.checksumSha256 !== null);
        if (ready) file.firstReady = { version: ready.version, checksum: ready.checksumSha256 as string };
      }
      if (file.firstReady === undefined) continue;
      // …and once one was ready, only refused uploads follow it (failed ALREADY_UPLOADED: grants
      // issued before it), and its content stays what it was or the version says it failed, and why.
      const { version, checksum } = file.firstReady;
      const later = versions.filter((v) => v.version > version);
      expect(later.map((v) => [v.status, v.error?.code])).toEqual(later.map(() => ['failed', 'ALREADY_UPLOADED']));
      const accepted = versions.find((v) => v.version === version) as Version;
      expect(['ready', 'failed']).toContain(accepted.status);
      if (accepted.status === 'failed') {
        expect(typeof accepted.error?.code).toBe('string');
        continue;
      }
      expect(accepted.checksumSha256).toBe(checksum);
      // And what is served is what was measured.
      const download = await call(writer, 'GET', `/v1/files/${file.id}/download`);
      expect(download.status).toBe(200);
      const bytes = new Uint8Array(await (await fetch(download.body.url)).arrayBuffer());
      expect(sha256(bytes)).toBe(checksum);
    }
  }

  async function run(commands: Command[]): Promise<void> {
    const files: TrackedFile[] = [];
    const grants: Grant[] = [];
    const live = () => files.filter((f) => !f.deleted);
    for (const step of commands) {
      switch (step.kind) {
        case 'create': {
          const created = await call(writer, 'POST', '/v1/files', { body: { name: 'stateful.pdf', fileTypeId: 'pdf' } });
          expect(created.status).toBe(201);
          files.push({ id: created.body.id, deleted: false });
          break;
        }
        case 'grant': {
          const file = live()[step.file % Math.max(1, live().length)];
          if (!file) break;
          const answer =
            step.via === 'put' ? await call(writer, 'PUT', `/v1/files/${file.id}/upload`, { body: {} }) : await call(writer, 'POST', `/v1/files/${file.id}/upload-form`, { body: {} });
          if (answer.status === 200) grants.push({ fileId: file.id, via: step.via, url: answer.body.url, headers: answer.body.headers ?? {}, fields: answer.body.fields ?? {} });
          else expect({ status: answer.status, code: answer.body.error.code }).toEqual({ status: 409, code: 'ALREADY_UPLOADED' });
          break;
        }
        case 'send': {
          const grant = grants[step.grant % Math.max(1, grants.length)];
          if (!grant) break;
          const bytes = content[step.bytes];
          const sent =
            grant.via === 'put'
              ? await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: bytes })
              : await postForm(grant.url, grant.fields, bytes, { type: grant.fields['Content-Type'] });
          await sent.arrayBuffer();
          // S3 stores the bytes, or refuses them (a reused URL, a file gone): never an error of its own.
          expect([200, 201, 403, 412]).toContain(sent.status);
          await quiesce();
          break;
        }
        case 'patch': {
          const file = live()[step.file % Math.max(1, live().length)];
          if (!file) break;
          const answer = await call(writer, 'PATCH', `/v1/files/${file.id}`, { body: step.body });
          expect([200, 400]).toContain(answer.status);
          break;
        }
        case 'copy': {
          const file = live()[step.file % Math.max(1, live().length)];
          if (!file) break;
          const answer = await call(writer, 'POST', `/v1/files/${file.id}/copy`, { body: {} });
          expect([201, 409]).toContain(answer.status);
          if (answer.status === 201) files.push({ id: answer.body.id, deleted: false });
          await quiesce();
          break;
        }
        case 'delete': {
          const file = live()[step.file % Math.max(1, live().length)];
          if (!file) break;
          expect((await call(writer, 'DELETE', `/v1/files/${file.id}`)).status).toBe(204);
          file.deleted = true;
          break;
        }
        case 'list':
          break;
      }
      await checkInvariants(files);
    }
    for (const file of live()) await call(writer, 'DELETE', `/v1/files/${file.id}`);
  }

  it(`hold every invariant through ${RUNS} generated sequences (seed ${SEED})`, async () => {
    // A sequence that always reaches the finding it guards against: upload, ready, the same URL again.
    await run([{ kind: 'create' }, { kind: 'grant', file: 0, via: 'put' }, { kind: 'send', grant: 0, bytes: 'pdf-a' }, { kind: 'send', grant: 0, bytes: 'pdf-b' }]);
    await run([{ kind: 'create' }, { kind: 'grant', file: 0, via: 'form' }, { kind: 'send', grant: 0, bytes: 'pdf-a' }, { kind: 'send', grant: 0, bytes: 'pdf-b' }]);
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 3, maxLength: 10 }), (commands) => run([{ kind: 'create' }, ...commands])),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });
});
