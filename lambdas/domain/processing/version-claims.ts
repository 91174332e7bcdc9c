import { renditionPrefix, versionThumbnailPrefix } from '../transfer/rendition-spec';
import { retryOnStaleWrite, WRITE_ATTEMPTS } from '../concurrency';
import { thumbnailObjectKeys } from '../files/files';
import { currentVersion, type FileChanges, type FileRecord, type FileVersion } from '../model';
import type { Deps, UploadedObject } from '../ports';
import { appendVersion, isCurrentKey, reportFinished, versionChanges } from './content-writes';

/** An answer a claim gives without writing. */
export interface Unclaimed<Outcome> {
  outcome: Outcome;
}

/** What a claimer makes of the object; the rest of a claim is the same for every claimer. */
export interface ClaimRules<Outcome> {
  /** The answer when the file is gone (deleted, or expired). */
  vanished: Outcome;
  /** The answer when the version at the object's key already holds newer bytes (their own event carries on). */
  outdated: Outcome;
  /**
   * For a key the file knows, holding these bytes or older ones: the version that takes its
   * place, or an answer without a write.
   */
  atKnownKey(existing: FileVersion, file: FileRecord): FileVersion | Unclaimed<Outcome>;
  /** For a key new to the file: the new version (its number and key are the claim's), or an answer without a write. */
  atNewKey(file: FileRecord): Omit<FileVersion, 'version' | 'key'> | Unclaimed<Outcome>;
  /** The versions a file keeps: a new one pushes the oldest beyond out, objects and all. All are kept when absent. */
  maxVersions?: number;
  /** Thrown when the file kept changing through every attempt. */
  exhausted: () => Error;
}

export interface ClaimedVersion {
  /** The file as written. */
  file: FileRecord;
  /** The version at the object's key before the claim; undefined when the key was new. */
  existing: FileVersion | undefined;
  version: FileVersion;
  /**
   * Objects no longer shown (thumbnails of replaced content, pruned versions): the caller's to
   * delete, with deleteSuperseded. An entry ending in `/` is a prefix: the renditions of content no
   * longer current, made on request and recorded nowhere (lambdas/domain/transfer/renditions.ts).
   */
  superseded: string[];
}

/** Deletes what a claim superseded: its keys, and everything under its prefixes. */
export async function deleteSuperseded(deps: Pick<Deps, 'objects'>, superseded: string[]): Promise<void> {
  const prefixes = superseded.filter((entry) => entry.endsWith('/'));
  await deps.objects.delete(superseded.filter((entry) => !entry.endsWith('/')));
  for (const prefix of prefixes) await deps.objects.deleteUnder(prefix);
}

/**
 * Takes the version of a file that an uploaded object (`content/<fileId>/…`) is: the version at
 * its key, replaced as `rules.atKnownKey` says, or (a key new to the file) the next version number,
 * as the file's new current version. Conditional on the file as read, so two claimers never take
 * the same version number or both replace the same version: the one whose write comes second
 * re-reads and decides again on what the first wrote. New bytes at the current version's key take
 * its thumbnails down. A version that this write finishes is counted (`reportFinished`).
 */
export async function claimVersion<Outcome>(
  deps: Pick<Deps, 'files' | 'now' | 'telemetry'>,
  fileId: string,
  object: Pick<UploadedObject, 'key' | 'sequencer'>,
  rules: ClaimRules<Outcome>,
): Promise<ClaimedVersion | Unclaimed<Outcome>> {
  return retryOnStaleWrite(
    async () => {
      const file = await deps.files.get(fileId);
      if (!file) return { outcome: rules.vanished };
      const existing = file.versions.find((v) => v.key === object.key);
      let version: FileVersion;
      let changes: FileChanges;
      let superseded: string[];
      if (existing) {
        if (existing.sequencer > object.sequencer) return { outcome: rules.outdated };
        const decided = rules.atKnownKey(existing, file);
        if ('outcome' in decided) return decided;
        version = decided;
        const replacesShown = isCurrentKey(file, existing.key) && version.sequencer !== existing.sequencer;
        changes = versionChanges(file, version, replacesShown ? { thumbnails: [], thumbnailKeys: {} } : {});
        superseded = replacesShown ? [...thumbnailObjectKeys(file), renditionPrefix(existing)] : [];
      } else {
        const decided = rules.atNewKey(file);
        if ('outcome' in decided) return decided;
        // The last version has the highest number: the current one, or a refused upload after it.
        version = { version: (file.versions[file.versions.length - 1]?.version ?? 0) + 1, key: object.key, ...decided };
        changes = appendVersion(file, version);
        const versions = changes.versions as FileVersion[];
        // The oldest go first, but never the current version (a refused upload may follow it) nor the one just added.
        const current = currentVersion({ versions });
        const prunable = versions.filter((v) => v !== current && v !== version);
        const pruned = rules.maxVersions === undefined ? [] : prunable.slice(0, Math.max(0, versions.length - rules.maxVersions));
        changes.versions = versions.filter((v) => !pruned.includes(v));
        const shown = currentVersion(file);
        superseded = [
          ...(current === version ? thumbnailObjectKeys(file) : []),
          ...(current === version && shown ? [renditionPrefix(shown)] : []),
          // Whatever is left under a pruned version's prefix: a rendition made as it was replaced.
          ...pruned.flatMap((v) => [v.key, versionThumbnailPrefix(v.key)]),
        ];
      }
      const updated = await deps.files.update(file, changes, deps.now());
      reportFinished(deps, existing, version);
      return { file: updated, existing, version, superseded };
    },
    { attempts: WRITE_ATTEMPTS, exhausted: rules.exhausted },
  );
}
