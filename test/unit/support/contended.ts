import { createFile } from '../../../lambdas/domain/files/files';
import type { FileChanges, FileRecord, ShareToken } from '../../../lambdas/domain/model';
import { MemoryFiles } from './memory';
import { MemoryShareTokens, ownerKey } from './memory-share-tokens';
import { setup, writer } from './grants';

/**
 * Memory files that count reads, and whose next writes each lose to a rival the test queues in
 * `rivals`, as a concurrent request would: a write just before (a tag added to the stored file),
 * or the file's deletion.
 */
export class ContendedFiles extends MemoryFiles {
  rivals: ('write' | 'delete')[] = [];
  reads = 0;
  override async get(id: string) {
    this.reads++;
    return super.get(id);
  }
  override async update(current: FileRecord, changes: FileChanges, now: Date) {
    const rival = this.rivals.shift();
    const stored = this.items.get(current.id);
    if (rival === 'delete') this.items.delete(current.id);
    else if (rival === 'write' && stored) this.items.set(current.id, { ...stored, tags: [...stored.tags, `rival${stored.version}`], version: stored.version + 1 });
    return super.update(current, changes, now);
  }
}

/** Share tokens whose next `rivals` deletions each lose to a change of the file's token set just before them. */
export class ContendedShareTokens extends MemoryShareTokens {
  rivals = 0;
  override async delete(token: ShareToken, setVersion?: number) {
    if (this.rivals > 0) {
      this.rivals--;
      this.setVersions.set(ownerKey(token), (this.setVersions.get(ownerKey(token)) ?? 0) + 1);
    }
    return super.delete(token, setVersion);
  }
}

/** The test deps with contended files and share tokens, and a file of `writer` (its creation not counted as a read). */
export async function contended(fileTypeId = 'txt') {
  const { deps: base } = setup();
  const files = new ContendedFiles(base.now);
  const shareTokens = new ContendedShareTokens();
  const deps = { ...base, files, shareTokens };
  const file = await createFile(deps, writer, { name: `a.${fileTypeId}`, fileTypeId });
  files.reads = 0;
  return { deps, files, shareTokens, file };
}
