import { fileportError } from '../../errors';
import { objectPrefixes } from '../files/files';
import type { FileVersion } from '../model';
import type { RenditionAllowlist, RenditionFit, RenditionFormat } from '../ports';

/**
 * What an image rendition is and which ones a tenant allows: no sharp here, so the settings routes
 * (the files Lambda) check allowlists without carrying it.
 */

export const RENDITION_FITS = ['cover', 'contain', 'fill', 'inside', 'outside'] as const satisfies readonly RenditionFit[];
export const RENDITION_FORMATS = ['webp', 'avif', 'jpeg'] as const satisfies readonly RenditionFormat[];

export interface RenditionSpec {
  width: number;
  height: number;
  fit: RenditionFit;
  format: RenditionFormat;
}

/** The largest box side a tenant may allow (4K): larger renditions cost seconds of sharp and are better served as the original. */
export const MAX_RENDITION_SIDE = 4096;
/**
 * At most this many sizes: with every fit and format a version can have at most 20 × 5 × 3 = 300
 * renditions, which bounds what one image can cost in sharp runs and stored bytes.
 */
export const MAX_RENDITION_SIZES = 20;

/** A tenant that saved no allowlist: square boxes common in galleries, the fits that keep the aspect ratio (or crop to it), every format. */
export const DEFAULT_RENDITIONS: RenditionAllowlist = {
  sizes: [256, 512, 1024, 2048].map((side) => ({ width: side, height: side })),
  fits: ['cover', 'contain', 'inside'],
  formats: ['webp', 'avif', 'jpeg'],
};

export const MIME_TYPES: Record<RenditionFormat, string> = { webp: 'image/webp', avif: 'image/avif', jpeg: 'image/jpeg' };

/** The allowlist's problems, for validateSettings (each names the field); its normal form (each entry once, in the order given). */
export function checkAllowlist(input: RenditionAllowlist): { problems: string[]; allowlist: RenditionAllowlist } {
  const problems: string[] = [];
  const seen = new Set<string>();
  const sizes = input.sizes.filter(({ width, height }) => {
    const key = `${width}x${height}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const bad = sizes.filter(({ width, height }) => ![width, height].every((side) => Number.isSafeInteger(side) && side >= 1 && side <= MAX_RENDITION_SIDE));
  if (bad.length > 0) problems.push(`renditions.sizes: ${bad.slice(0, 5).map(({ width, height }) => `${width}x${height}`).join(', ')}: width and height must be whole numbers of pixels from 1 to ${MAX_RENDITION_SIDE}`);
  if (sizes.length > MAX_RENDITION_SIZES) problems.push(`renditions.sizes may list at most ${MAX_RENDITION_SIZES} sizes, not ${sizes.length}`);
  return { problems, allowlist: { sizes, fits: [...new Set(input.fits)], formats: [...new Set(input.formats)] } };
}

const listed = <T>(values: readonly T[]) => (values.length === 0 ? 'none' : values.join(', '));

/** Refuses (400 RENDITION_NOT_ALLOWED, naming each part not allowed) a rendition the tenant's allowlist does not list. */
export function checkAllowed(allowlist: RenditionAllowlist, spec: RenditionSpec): void {
  const refused: string[] = [];
  const allowed: string[] = [];
  if (!allowlist.sizes.some((size) => size.width === spec.width && size.height === spec.height)) {
    refused.push(`size ${spec.width}x${spec.height}`);
    allowed.push(`sizes ${listed(allowlist.sizes.map(({ width, height }) => `${width}x${height}`))}`);
  }
  if (!allowlist.fits.includes(spec.fit)) {
    refused.push(`fit ${spec.fit}`);
    allowed.push(`fits ${listed(allowlist.fits)}`);
  }
  if (!allowlist.formats.includes(spec.format)) {
    refused.push(`format ${spec.format}`);
    allowed.push(`formats ${listed(allowlist.formats)}`);
  }
  if (refused.length > 0) throw fileportError('RENDITION_NOT_ALLOWED', { what: capitalised(refused.join(', ')), allowed: allowed.join('; ') });
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * Where a version's renditions live: beside its thumbnails, under the content's key and sequencer,
 * so a rendition of other bytes can never be served for these, and a version's (or a file's)
 * prefix finds them all to delete them.
 */
export const renditionPrefix = (version: Pick<FileVersion, 'key' | 'sequencer'>): string => {
  return `${versionThumbnailPrefix(version.key)}${version.sequencer}/renditions/`;
};

/** A rendition's name among its file's: its size, fit and format (`1024x768-inside.webp`). */
export const renditionName = (spec: RenditionSpec): string => `${spec.width}x${spec.height}-${spec.fit}.${spec.format}`;

export const renditionKey = (version: Pick<FileVersion, 'key' | 'sequencer'>, spec: RenditionSpec): string => `${renditionPrefix(version)}${renditionName(spec)}`;

/** Everything under `thumbnails/` made for the content at this key, whatever its sequencer: thumbnails and renditions. */
export const versionThumbnailPrefix = (contentKey: string): string => `${objectPrefixes.thumbnails}${contentKey.slice(objectPrefixes.content.length)}/`;

/**
 * Everything under `thumbnails/` made for any content of the file whose content key this is
 * (`content/<file>/<upload>`, see newContentKey): `thumbnails/<file>/`.
 */
export const fileThumbnailPrefix = (contentKey: string): string => {
  const [file] = contentKey.slice(objectPrefixes.content.length).split('/');
  if (!file) throw new Error(`Content key ${contentKey} names no file.`);
  return `${objectPrefixes.thumbnails}${file}/`;
};
