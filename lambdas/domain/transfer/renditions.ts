import { FileportError, fileportError } from '../../errors';
import { ProcessingFailure } from '../../inspect/failure';
import { readToBuffer, discard } from '../../inspect/read-stream';
import { audit, type Actor, type AuditAction } from '../audit';
import { currentVersion, type FileRecord, type FileVersion } from '../model';
import { WRITE_ATTEMPTS } from '../concurrency';
import { StaleWrite, type Deps, type RenditionAllowlist, type RenditionDeps, type ScanHold } from '../ports';
import { checkScanServes } from '../scanning/scan-holds';
import { contentDisposition, type DownloadGrant } from './downloads';
import { checkAllowed, MIME_TYPES, renditionKey, renditionName, renditionPrefix, type RenditionSpec } from './rendition-spec';

export interface RenditionOptions {
  allowlist: RenditionAllowlist;
  expiresIn: number;
  actor: Actor;
  /** The audit line's action: `rendition` unless the caller is a share or public route. */
  action?: AuditAction;
  /** The tenant's `scanHold`, as for thumbnails: absent, held. */
  scanHold?: ScanHold;
}

export type RenditionGrant = DownloadGrant & RenditionSpec & { version: number };

/**
 * A URL to a rendition of the file's current image content, made by sharp on the first request,
 * stored beside its thumbnails and recorded on the file; a later request is served as recorded,
 * with no request but the file's (and the settings') read and a signature. Only types with
 * thumbnails, only once processing made the version ready (its head, size and pixels were checked
 * then), held while a malware scan is, as thumbnails are. The file is loaded (and checked to be the
 * caller's) by the caller.
 */
export async function grantRendition(deps: RenditionDeps, file: FileRecord, spec: RenditionSpec, options: RenditionOptions): Promise<RenditionGrant> {
  checkAllowed(options.allowlist, spec);
  const type = deps.fileTypes.typeOf(file);
  if (!type.thumbnails) throw new FileportError('NO_RENDITION', `Files of type ${type.id} get no renditions: only image types with thumbnails do.`);
  if (file.status === 'pending' || file.status === 'processing') throw fileportError('RENDITION_NOT_READY', { id: file.id });
  const version = currentVersion(file);
  if (file.status === 'failed' || !version || version.status !== 'ready') throw new FileportError('NO_RENDITION', `File ${file.id} has no ready image content (${file.error?.code ?? file.status}).`);
  checkScanServes(file, version, options.scanHold ?? 'hold');

  // The key names the content (its key and sequencer): a record of it is a rendition of these very
  // bytes. Still stored, too: renditions are deleted only with their file, once their content is no
  // longer current (and content never becomes current again), or infected (and never served).
  const key = renditionKey(version, spec);
  if (file.renditions?.[renditionName(spec)] !== key) await makeAndStore(deps, file, version, spec, key);
  const baseName = file.name.replace(/\.[^.]*$/, '') || 'image';
  const url = await deps.objects.presignGet(key, {
    expiresIn: options.expiresIn,
    contentType: MIME_TYPES[spec.format],
    contentDisposition: contentDisposition('inline', `${baseName}-${spec.width}x${spec.height}-${spec.fit}.${spec.format === 'jpeg' ? 'jpg' : spec.format}`),
  });
  const expiresAt = new Date(deps.now().getTime() + options.expiresIn * 1000).toISOString();
  audit(deps, { action: options.action ?? 'rendition', tenantId: file.tenantId, actor: options.actor, fileId: file.id, expiresAt, key, version: version.version });
  return { url, expiresAt, ...spec, version: version.version };
}

/**
 * Reads the version's bytes (bounded as for thumbnails), makes the rendition, stores it and records
 * it, on condition that the file is still as read. Two first requests at once both make it (the
 * same bytes at the same key): no marker to write, clean up or wait on, and the allowlist bounds
 * the waste. When the content was replaced or the file deleted meanwhile, the deletion that came
 * with it may have listed the prefix before this put, so the rendition deletes itself (a deletion
 * after the record finds it anyway: S3 lists what was written before).
 */
async function makeAndStore(deps: RenditionDeps, file: FileRecord, version: FileVersion, spec: RenditionSpec, key: string): Promise<void> {
  // sharp (native, some 40 ms to load) only once a rendition is to be made: a cold function that
  // serves one as recorded, or refuses the request, never loads it.
  const { makeRendition, MAX_IMAGE_BYTES } = await import('../../inspect/make-rendition');
  const image = await readImage(deps, file, version, MAX_IMAGE_BYTES);
  let rendition;
  const started = Date.now();
  try {
    rendition = await makeRendition(image, spec);
  } catch (error) {
    if (!(error instanceof ProcessingFailure)) throw error;
    throw new FileportError('NO_RENDITION', `File ${file.id} cannot be rendered (${error.code}): ${error.message}`);
  }
  deps.telemetry.renditionMade(spec.format, Date.now() - started);
  await deps.objects.put(key, rendition.data, MIME_TYPES[spec.format]);
  let read = file;
  for (let attempt = 1; ; attempt++) {
    try {
      // Entries of other content are dropped as this one is written: the record stays as small as the allowlist.
      return await deps.renditionRecords.record(read, renditionName(spec), key, renditionPrefix(version));
    } catch (error) {
      if (!(error instanceof StaleWrite)) throw error;
    }
    // Another write to the file (its tags, another rendition) is no reason to give up; other content is.
    const now = await deps.files.get(file.id);
    const current = now && currentVersion(now);
    if (!current || current.key !== version.key || current.sequencer !== version.sequencer) {
      await deps.objects.delete([key]);
      if (!now) throw fileportError('FILE_NOT_FOUND', { id: file.id });
      throw fileportError('RENDITION_NOT_READY', { id: file.id });
    }
    // Left stored, unrecorded: the next request makes it again, over it.
    if (attempt >= WRITE_ATTEMPTS) throw fileportError('RENDITION_NOT_READY', { id: file.id });
    read = now;
  }
}

/**
 * The version's whole image, in one read. Processing measured these bytes and checked their header
 * and pixels when it made the version ready, so its recorded size bounds the read (no head first),
 * and makeRendition checks the pixels again before decoding.
 */
async function readImage(deps: Deps, file: FileRecord, version: FileVersion, maxBytes: number): Promise<Buffer> {
  const size = version.size ?? 0;
  if (size > maxBytes) throw new FileportError('NO_RENDITION', `File ${file.id} cannot be rendered (FILE_TOO_LARGE): images are rendered up to ${maxBytes / 1024 ** 2} MiB.`);
  const stored = await deps.objects.read(version.key);
  if (!stored) throw new FileportError('NO_RENDITION', `The content of file ${file.id} is gone.`);
  // Newer bytes at the key are another version's: its processing decides about them.
  if (stored.eTag !== version.eTag || stored.size !== size) {
    await discard(stored.body);
    throw fileportError('RENDITION_NOT_READY', { id: file.id });
  }
  return readToBuffer(stored.body, stored.size);
}
