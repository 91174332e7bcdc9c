import { retryOnStaleWrite, WRITE_ATTEMPTS } from '../../../lambdas/domain/concurrency';
import { updateFile } from '../../../lambdas/domain/files/files';
import type { FileRecord } from '../../../lambdas/domain/model';
import { StaleWrite } from '../../../lambdas/domain/ports';
import { writeForVersion } from '../../../lambdas/domain/processing/content-writes';
import { processUploadedObject } from '../../../lambdas/domain/processing/metadata-processing';
import { failDeadLetter } from '../../../lambdas/domain/processing/processing-recovery';
import { createShareToken, deleteShareToken } from '../../../lambdas/domain/sharing/share-tokens';
import { contended } from '../support/contended';
import { uploadThroughGrant, writer } from '../support/grants';

/** An attempt that loses to another write `conflicts` times, then answers `value`; counts its runs. */
function conflicting<T>(conflicts: number, value: T) {
  const runs = { count: 0 };
  const attempt = async () => {
    runs.count++;
    if (runs.count <= conflicts) throw new StaleWrite(`File f${runs.count}`);
    return value;
  };
  return { attempt, runs };
}

describe('retryOnStaleWrite', () => {
  it('tries WRITE_ATTEMPTS (five) times: four lost writes and the fifth answers', async () => {
    expect(WRITE_ATTEMPTS).toBe(5);
    const { attempt, runs } = conflicting(4, 'written');
    await expect(retryOnStaleWrite(attempt, { attempts: WRITE_ATTEMPTS })).resolves.toBe('written');
    expect(runs.count).toBe(5);
  });

  it('answers at the first attempt that does not lose, and runs no more', async () => {
    const { attempt, runs } = conflicting(2, 'written');
    await expect(retryOnStaleWrite(attempt, { attempts: 5 })).resolves.toBe('written');
    expect(runs.count).toBe(3);
  });

  it('throws the last StaleWrite itself once every attempt lost, after exactly `attempts` runs', async () => {
    const { attempt, runs } = conflicting(Infinity, 'never');
    const thrown = await retryOnStaleWrite(attempt, { attempts: 3 }).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(StaleWrite);
    expect((thrown as Error).message).toBe('File f3 was changed by another write.');
    expect(runs.count).toBe(3);
  });

  it('throws what `exhausted` makes of the last StaleWrite when given', async () => {
    const { attempt, runs } = conflicting(Infinity, 'never');
    const seen: StaleWrite[] = [];
    const exhausted = (last: StaleWrite) => (seen.push(last), new Error('kept changing'));
    await expect(retryOnStaleWrite(attempt, { attempts: 5, exhausted })).rejects.toThrow(/^kept changing$/);
    expect(runs.count).toBe(5);
    expect(seen.map((e) => e.message)).toEqual(['File f5 was changed by another write.']);
  });

  it('with one attempt, never retries', async () => {
    const { attempt, runs } = conflicting(1, 'written');
    await expect(retryOnStaleWrite(attempt, { attempts: 1 })).rejects.toBeInstanceOf(StaleWrite);
    expect(runs.count).toBe(1);
  });

  it('passes any other error through at once, even with attempts left', async () => {
    let runs = 0;
    const attempt = async () => {
      runs++;
      throw new Error('the table is gone');
    };
    await expect(retryOnStaleWrite(attempt, { attempts: 5, exhausted: () => new Error('not this') })).rejects.toThrow('the table is gone');
    expect(runs).toBe(1);
  });

  it('refuses a number of attempts that would never run the write', async () => {
    const { attempt, runs } = conflicting(0, 'written');
    await expect(retryOnStaleWrite(attempt, { attempts: 0 })).rejects.toThrow(RangeError);
    await expect(retryOnStaleWrite(attempt, { attempts: NaN })).rejects.toThrow(RangeError);
    expect(runs.count).toBe(0);
  });

  it('re-reads before each attempt, so the write lands on top of every write that beat it', async () => {
    const { deps, files, file } = await contended();
    files.rivals = ['write', 'write'];
    const written = await retryOnStaleWrite(
      async () => {
        const current = (await files.get(file.id)) as FileRecord;
        return files.update(current, { tags: [...current.tags, 'mine'] }, deps.now());
      },
      { attempts: 5 },
    );
    expect(files.reads).toBe(3);
    expect(written.tags).toEqual(['rival1', 'rival2', 'mine']);
    expect((await files.get(file.id))?.tags).toEqual(['rival1', 'rival2', 'mine']);
  });

  it('ends the loop with the answer of an attempt that finds the file gone after losing to its deletion', async () => {
    const { deps, files, file } = await contended();
    files.rivals = ['write', 'delete'];
    const written = await retryOnStaleWrite(
      async () => {
        const current = await files.get(file.id);
        if (!current) return 'vanished';
        return files.update(current, { name: 'b.txt' }, deps.now());
      },
      { attempts: 5, exhausted: () => new Error('kept changing') },
    );
    expect(written).toBe('vanished');
    expect(files.reads).toBe(3);
  });
});

// Each write site, with every write losing: five reads, then what the site threw before the loops
// were one helper. One lost write fewer, and the fifth attempt goes through.
describe('the optimistic writes of the domain', () => {
  const always = (): 'write'[] => Array(WRITE_ATTEMPTS).fill('write');

  it('a file change rethrows the last StaleWrite', async () => {
    const { deps, files, file } = await contended();
    files.rivals = always();
    files.reads = 0;
    await expect(updateFile(deps, writer, file.id, { name: 'b.txt' })).rejects.toBeInstanceOf(StaleWrite);
    expect(files.reads).toBe(5);
    files.rivals = always().slice(1);
    await expect(updateFile(deps, writer, file.id, { name: 'b.txt' })).resolves.toMatchObject({ name: 'b.txt' });
  });

  it("a token's revocation rethrows the last StaleWrite", async () => {
    const { deps, shareTokens, file } = await contended();
    const token = await createShareToken(deps, writer, file.id, { accessLevel: 'read' });
    shareTokens.rivals = 5;
    shareTokens.calls.length = 0;
    await expect(deleteShareToken(deps, writer, file.id, token.id)).rejects.toBeInstanceOf(StaleWrite);
    expect(shareTokens.calls.filter((c) => c === 'listOf')).toHaveLength(5);
    shareTokens.rivals = 4;
    await deleteShareToken(deps, writer, file.id, token.id);
    expect(shareTokens.tokens.size).toBe(0);
  });

  it("processing's write of its results says the file kept changing", async () => {
    const { deps, files, file } = await contended();
    const object = await uploadThroughGrant(deps, writer, file, Buffer.from('hello'), '0A');
    files.rivals = ['write'];
    await expect(processUploadedObject(deps, object)).resolves.toBe('processed');
    const ref = { key: object.key, sequencer: '0A' };
    files.rivals = always();
    files.reads = 0;
    await expect(writeForVersion(deps, file.id, ref, () => ({ status: 'ready' }))).rejects.toThrow(`File ${file.id} kept changing while processing wrote its results.`);
    expect(files.reads).toBe(5);
    files.rivals = always().slice(1);
    await expect(writeForVersion(deps, file.id, ref, () => ({ pageCount: 3 }))).resolves.toMatchObject({ changed: true, version: { pageCount: 3 } });
  });

  it("processing's claim of a version says the file kept changing", async () => {
    const { deps, files, file } = await contended();
    const object = await uploadThroughGrant(deps, writer, file, Buffer.from('hello'), '0A');
    files.rivals = always();
    files.reads = 0;
    await expect(processUploadedObject(deps, object)).rejects.toThrow(`File ${file.id} kept changing while processing claimed it.`);
    expect(files.reads).toBe(5);
    files.rivals = always().slice(1);
    await expect(processUploadedObject(deps, object)).resolves.toBe('processed');
    expect((await files.get(file.id))?.versions).toMatchObject([{ version: 1, status: 'ready' }]);
  });

  it('a dead letter says the file kept changing', async () => {
    const { deps, files, file } = await contended();
    const object = await uploadThroughGrant(deps, writer, file, Buffer.from('hello'), '0A');
    files.rivals = always();
    files.reads = 0;
    await expect(failDeadLetter(deps, { kind: 'upload', object })).rejects.toThrow(`File ${file.id} kept changing while its dead letter was recorded.`);
    expect(files.reads).toBe(5);
    files.rivals = always().slice(1);
    await expect(failDeadLetter(deps, { kind: 'upload', object })).resolves.toBe('failed');
    expect((await files.get(file.id))?.versions).toMatchObject([{ version: 1, status: 'failed', error: { code: 'PROCESSING_FAILED' } }]);
  });
});
