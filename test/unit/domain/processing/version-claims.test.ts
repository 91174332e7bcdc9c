import type { FileRecord, FileVersion } from '../../../../lambdas/domain/model';
import { freshVersion } from '../../../../lambdas/domain/processing/content-writes';
import { claimVersion, type ClaimRules } from '../../../../lambdas/domain/processing/version-claims';
import { contended } from '../../support/contended';

const fileToClaim = () => contended('png');

const upload = (file: Pick<FileRecord, 'id'>, name: string, sequencer: string) => ({
  key: `content/${file.id}/${name}`,
  eTag: `"${name}-${sequencer}"`,
  sequencer,
  eventTime: '2026-01-01T00:00:01Z',
});

type Outcome = 'vanished' | 'outdated' | 'again' | 'refused';

/** A claimer that makes every upload a processing version, and says `again` for an event it has already claimed. */
function processingRules(object: ReturnType<typeof upload>, extra: Partial<ClaimRules<Outcome>> = {}): ClaimRules<Outcome> {
  return {
    vanished: 'vanished',
    outdated: 'outdated',
    atKnownKey: (existing) => (existing.sequencer === object.sequencer ? { outcome: 'again' } : { ...existing, ...freshVersion(object, 'u1') }),
    atNewKey: () => freshVersion(object, 'u1'),
    exhausted: () => new Error('kept changing'),
    ...extra,
  };
}

const claimed = (result: unknown) => result as { file: FileRecord; existing: FileVersion | undefined; version: FileVersion; superseded: string[] };

describe('claimVersion', () => {
  it('takes the next version number for a key new to the file, as its current version', async () => {
    const { deps, file } = await fileToClaim();
    const object = upload(file, 'one', '0A');
    const result = claimed(await claimVersion(deps, file.id, object, processingRules(object)));
    expect(result.existing).toBeUndefined();
    expect(result.version).toMatchObject({ version: 1, key: object.key, sequencer: '0A', status: 'processing', uploadedBy: 'u1' });
    expect(result.file).toMatchObject({ status: 'processing', contentKey: object.key, expiresAt: null, versions: [result.version] });
    expect(await deps.files.get(file.id)).toEqual(result.file);
  });

  it('gives two claimers racing for new keys two version numbers: the later write re-reads and takes the next', async () => {
    const { deps, files, file } = await fileToClaim();
    const [a, b] = [upload(file, 'a', '0A'), upload(file, 'b', '0A')];
    const [first, second] = await Promise.all([claimVersion(deps, file.id, a, processingRules(a)), claimVersion(deps, file.id, b, processingRules(b))]);
    // Both read the file without versions; one write lost and was decided again.
    expect(files.reads).toBe(3);
    expect([claimed(first).version.version, claimed(second).version.version].sort()).toEqual([1, 2]);
    expect((await deps.files.get(file.id))?.versions.map((v) => [v.version, v.key])).toEqual([
      [1, a.key],
      [2, b.key],
    ]);
  });

  it('lets one of two claimers of the same upload take it: the other re-reads and finds it claimed', async () => {
    const { deps, files, file } = await fileToClaim();
    const object = upload(file, 'one', '0A');
    const results = await Promise.all([claimVersion(deps, file.id, object, processingRules(object)), claimVersion(deps, file.id, object, processingRules(object))]);
    expect(files.reads).toBe(3);
    expect(results.filter((r) => 'outcome' in r)).toEqual([{ outcome: 'again' }]);
    expect(results.filter((r) => !('outcome' in r)).map((r) => claimed(r).version.version)).toEqual([1]);
    expect((await deps.files.get(file.id))?.versions).toHaveLength(1);
  });

  it('replaces the version at a known key in place with newer bytes, taking down the thumbnails of the current one', async () => {
    const { deps, file } = await fileToClaim();
    const first = upload(file, 'one', '0A');
    const claimedFirst = claimed(await claimVersion(deps, file.id, first, processingRules(first)));
    await deps.files.update(claimedFirst.file, { thumbnails: [{ size: 'small', width: 1, height: 1 }], thumbnailKeys: { small: 'thumbnails/one-small' } }, deps.now());
    const again = { ...upload(file, 'one', '0B'), eTag: '"newer"' };
    const result = claimed(await claimVersion(deps, file.id, again, processingRules(again)));
    expect(result.existing).toMatchObject({ version: 1, sequencer: '0A' });
    expect(result.version).toMatchObject({ version: 1, key: first.key, sequencer: '0B', eTag: '"newer"' });
    // And the renditions made of the replaced bytes (found by their prefix: lambdas/domain/transfer/renditions.ts).
    expect(result.superseded).toEqual(['thumbnails/one-small', `thumbnails/${file.id}/one/0A/renditions/`]);
    expect(result.file).toMatchObject({ thumbnails: [], thumbnailKeys: {}, versions: [result.version] });
  });

  it('keeps the thumbnails when the known key is an older version, or the bytes are the same', async () => {
    const { deps, file } = await fileToClaim();
    const [one, two] = [upload(file, 'one', '0A'), upload(file, 'two', '0A')];
    await claimVersion(deps, file.id, one, processingRules(one));
    const current = claimed(await claimVersion(deps, file.id, two, processingRules(two)));
    await deps.files.update(current.file, { thumbnailKeys: { small: 'thumbnails/two-small' } }, deps.now());
    const olderAgain = upload(file, 'one', '0B');
    const replaced = claimed(await claimVersion(deps, file.id, olderAgain, processingRules(olderAgain)));
    expect(replaced.superseded).toEqual([]);
    expect(replaced.file.thumbnailKeys).toEqual({ small: 'thumbnails/two-small' });
    const failSame = processingRules(two, { atKnownKey: (existing) => ({ ...existing, status: 'failed' }) });
    const same = claimed(await claimVersion(deps, file.id, two, failSame));
    expect(same.superseded).toEqual([]);
    expect(same.file).toMatchObject({ status: 'failed', thumbnailKeys: { small: 'thumbnails/two-small' } });
  });

  it('answers `outdated` for bytes older than the version at their key, without asking the claimer or writing', async () => {
    const { deps, file } = await fileToClaim();
    const newer = upload(file, 'one', '0B');
    const written = claimed(await claimVersion(deps, file.id, newer, processingRules(newer)));
    const older = upload(file, 'one', '0A');
    const asked: string[] = [];
    const rules = processingRules(older, { atKnownKey: () => (asked.push('atKnownKey'), { outcome: 'again' }) });
    expect(await claimVersion(deps, file.id, older, rules)).toEqual({ outcome: 'outdated' });
    expect(asked).toEqual([]);
    expect((await deps.files.get(file.id))?.version).toBe(written.file.version);
  });

  it("writes nothing when the claimer answers for a new key (a grant that may not overwrite)", async () => {
    const { deps, file } = await fileToClaim();
    const object = upload(file, 'one', '0A');
    expect(await claimVersion(deps, file.id, object, processingRules(object, { atNewKey: () => ({ outcome: 'refused' }) }))).toEqual({ outcome: 'refused' });
    expect((await deps.files.get(file.id))?.version).toBe(file.version);
  });

  it('answers `vanished` for a file that is gone, also when it goes while the claim loses a write to its deletion', async () => {
    const { deps, files, file } = await fileToClaim();
    const object = upload(file, 'one', '0A');
    expect(await claimVersion(deps, 'no-such-file', object, processingRules(object))).toEqual({ outcome: 'vanished' });
    files.reads = 0;
    files.rivals = ['write', 'delete'];
    expect(await claimVersion(deps, file.id, object, processingRules(object))).toEqual({ outcome: 'vanished' });
    expect(files.reads).toBe(3);
  });

  it('decides again on every re-read, and gives up with `exhausted` after five lost writes', async () => {
    const { deps, files, file } = await fileToClaim();
    const object = upload(file, 'one', '0A');
    let decisions = 0;
    const rules = processingRules(object, { atNewKey: () => (decisions++, freshVersion(object, 'u1')) });
    files.rivals = Array(5).fill('write');
    await expect(claimVersion(deps, file.id, object, rules)).rejects.toThrow(/^kept changing$/);
    expect([files.reads, decisions]).toEqual([5, 5]);
    files.rivals = Array(4).fill('write');
    expect(claimed(await claimVersion(deps, file.id, object, rules)).version.version).toBe(1);
    expect(decisions).toBe(10);
  });

  it('prunes the oldest versions beyond `maxVersions` as a new one arrives, their objects superseded; without it keeps all', async () => {
    const { deps, file } = await fileToClaim();
    for (const name of ['one', 'two', 'three']) {
      const object = upload(file, name, '0A');
      claimed(await claimVersion(deps, file.id, object, processingRules(object)));
    }
    const four = upload(file, 'four', '0A');
    const result = claimed(await claimVersion(deps, file.id, four, processingRules(four, { maxVersions: 2 })));
    expect(result.file.versions.map((v) => v.version)).toEqual([3, 4]);
    // The renditions of the version it replaces as current, and whatever is left under the pruned ones' prefixes.
    expect(result.superseded).toEqual([
      `thumbnails/${file.id}/three/0A/renditions/`,
      `content/${file.id}/one`,
      `thumbnails/${file.id}/one/`,
      `content/${file.id}/two`,
      `thumbnails/${file.id}/two/`,
    ]);
    const five = upload(file, 'five', '0A');
    const unbounded = claimed(await claimVersion(deps, file.id, five, processingRules(five)));
    expect(unbounded.file.versions.map((v) => v.version)).toEqual([3, 4, 5]);
    expect(unbounded.superseded).toEqual([`thumbnails/${file.id}/four/0A/renditions/`]);
  });

  it('counts a version the claim finishes, once, and none it leaves processing', async () => {
    const { deps, files, file } = await fileToClaim();
    const object = upload(file, 'one', '0A');
    await claimVersion(deps, file.id, object, processingRules(object));
    expect(deps.telemetry.of('versionFinished')).toEqual([]);
    const again = upload(file, 'one', '0B');
    const failing = processingRules(again, {
      atKnownKey: (existing) => ({ ...existing, ...freshVersion(again, 'u1'), status: 'failed', error: { code: 'PROCESSING_FAILED', message: 'm' } }),
    });
    files.rivals = ['write'];
    await claimVersion(deps, file.id, again, failing);
    expect(deps.telemetry.of('versionFinished')).toEqual([{ event: 'versionFinished', status: 'failed', errorCode: 'PROCESSING_FAILED', uploadedAt: again.eventTime, at: expect.any(Date) }]);
  });
});
