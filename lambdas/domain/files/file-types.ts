import { fileportError } from '../../errors';

/**
 * The file types a deployment accepts: deployment data (config/file-types.json, or the file the
 * operator names), validated once per process (lambdas/file-type-catalogue.ts) and handed to the
 * domain as a `FileTypeCatalogue`. A file type decides the Content-Type S3 stores, the extension of
 * downloaded names, which content it takes and which processing a file gets.
 */
export interface FileType {
  /** Stable lowercase slug, used in the API and stored on files. */
  id: string;
  name: string;
  /** The first entry is canonical: it is signed into upload URLs and served on download. */
  mimeTypes: string[];
  /** The first of `extensions`, or '' for a type without one (`binary`). */
  extension: string;
  /** Every extension a file name may end in to be of this type (POST /v1/files by `name`). */
  extensions: string[];
  /** Magic numbers: content starting with one of them (at its offset) is of this type. */
  signatures: FileSignature[];
  /**
   * What content sniffing may detect for content of this type besides `mimeTypes` (`type/*` and
   * `*\/*` allowed): `*\/*` takes any content unchecked.
   */
  accepts: string[];
  thumbnails: boolean;
  pageCount: boolean;
  /**
   * The type has a preview. For a PDF, processing renders its first page as the file's thumbnails
   * (`rendersPreview`); for the other types it has no processing of its own: clients may show the
   * original content as the preview (images also get thumbnails from `thumbnails`).
   */
  preview: boolean;
  /** Content a browser would execute if it rendered it: served inline only as text/plain (see downloads.ts). */
  activeContent: boolean;
}

export interface FileSignature {
  /** Where the bytes start, from the beginning of the content. */
  offset: number;
  /** The bytes, in lowercase hex. */
  hex: string;
}

/** The processing a catalogue entry may ask for (config/file-types.json `processing`). */
export const processingFlags = ['pageCount', 'thumbnails', 'preview'] as const;
export type ProcessingFlag = (typeof processingFlags)[number];

/** The Content-Type of content nobody vouches for: `binary` files, and files whose type was removed. */
export const OCTET_STREAM = 'application/octet-stream';

export const canonicalMimeType = (type: FileType): string => type.mimeTypes[0] as string;

/** A PDF with the `preview` flag: its first page is rendered as its thumbnails (lambdas/inspect/pdf-preview.ts). */
export const rendersPreview = (type: FileType): boolean => type.preview && canonicalMimeType(type) === 'application/pdf';

/** Types whose files get thumbnails: images (`thumbnails`) and PDFs whose first page is their preview. */
export const getsThumbnails = (type: FileType): boolean => type.thumbnails || rendersPreview(type);

/** Whether a lowercase MIME type matches a pattern: `type/subtype` exactly, `type/*`, or `*\/*`. */
export function mimeTypeMatches(mimeType: string, pattern: string): boolean {
  if (pattern === '*/*') return true;
  if (pattern.endsWith('/*')) return mimeType.startsWith(pattern.slice(0, -1));
  return mimeType === pattern;
}

/** A type whose content is never checked (`accepts: ["*\/*"]`): served only as an attachment. */
export const isUnchecked = (type: FileType): boolean => type.accepts.includes('*/*');

/** Content a browser would execute if it rendered it: served inline only as text/plain (see downloads.ts). */
export const isActiveContent = (type: FileType): boolean => type.activeContent;

/**
 * Types a browser may show inline (`?disposition=inline`): those the tenant listed in its settings
 * (`disableForceDownloadForMimeTypes`), matched on the type's canonical MIME type. None by default;
 * never a type whose content is unchecked, whatever the tenant listed.
 */
export const mayBeInline = (type: FileType, inlineMimeTypes: readonly string[]): boolean =>
  !isUnchecked(type) && inlineMimeTypes.some((pattern) => mimeTypeMatches(canonicalMimeType(type), pattern));

/**
 * What a file whose type the operator removed from the catalogue is served as: bytes nobody vouches
 * for any more, as an attachment of type application/octet-stream under the name it has, with no
 * processing. It takes no new content (`FileTypeCatalogue.forUpload`).
 */
export const removedFileType = (id: string): FileType => ({
  id,
  name: `Removed file type ${id}`,
  mimeTypes: [OCTET_STREAM],
  extension: '',
  extensions: [],
  signatures: [],
  accepts: ['*/*'],
  thumbnails: false,
  pageCount: false,
  preview: false,
  activeContent: false,
});

/** How a new file names its type (POST /v1/files): the first one given decides. */
export interface FileTypeHint {
  fileTypeId?: string;
  mimeType?: string;
  name?: string;
}

/** The extension of a file name, lower case, or undefined (`.bashrc` and `name.` have none). */
export function extensionOf(name: string): string | undefined {
  const match = /[^./\\]\.([^./\\]+)$/.exec(name);
  return match?.[1]?.toLowerCase();
}

/** `type/subtype` of a Content-Type, lower case, without parameters. */
const essence = (mimeType: string) => (mimeType.split(';')[0] as string).trim().toLowerCase();

/** The deployment's file types, looked up by id, MIME type or extension. */
export class FileTypeCatalogue {
  private readonly byId: Map<string, FileType>;

  constructor(readonly types: readonly FileType[]) {
    this.byId = new Map(types.map((t) => [t.id, t]));
  }

  find(id: string): FileType | undefined {
    return this.byId.get(id);
  }

  /** The type a stored file is served as: its own, or, removed from the catalogue since, `removedFileType`. */
  typeOf(file: { fileTypeId: string }): FileType {
    return this.find(file.fileTypeId) ?? removedFileType(file.fileTypeId);
  }

  /** The type new content of a file is uploaded as; a removed type takes none. */
  forUpload(file: { fileTypeId: string }): FileType {
    const type = this.find(file.fileTypeId);
    if (!type) throw fileportError('UNKNOWN_FILE_TYPE', { tried: `fileTypeId "${file.fileTypeId}" (the file's type, no longer in this deployment's catalogue)` });
    return type;
  }

  /**
   * The type of a new file: by `fileTypeId`, else by `mimeType`, else by the extension of `name`.
   * Throws UNKNOWN_FILE_TYPE or AMBIGUOUS_FILE_TYPE naming what was tried.
   */
  resolve(hint: FileTypeHint): FileType {
    if (hint.fileTypeId !== undefined) {
      const type = this.find(hint.fileTypeId);
      if (!type) throw fileportError('UNKNOWN_FILE_TYPE', { tried: `fileTypeId "${hint.fileTypeId}"` });
      return type;
    }
    if (hint.mimeType !== undefined) {
      const mimeType = essence(hint.mimeType);
      return this.one(
        this.types.filter((t) => t.mimeTypes.includes(mimeType)),
        `mimeType "${mimeType}"`,
      );
    }
    const extension = hint.name === undefined ? undefined : extensionOf(hint.name);
    if (extension === undefined) {
      throw fileportError('UNKNOWN_FILE_TYPE', { tried: hint.name === undefined ? 'nothing: give fileTypeId, mimeType or a name with an extension' : `name "${hint.name}", which has no extension; give fileTypeId or mimeType` });
    }
    return this.one(
      this.types.filter((t) => t.extensions.includes(extension)),
      `the extension ".${extension}" of name "${hint.name}"`,
    );
  }

  private one(candidates: FileType[], tried: string): FileType {
    if (candidates.length === 1) return candidates[0] as FileType;
    if (candidates.length === 0) throw fileportError('UNKNOWN_FILE_TYPE', { tried });
    throw fileportError('AMBIGUOUS_FILE_TYPE', { tried, candidates: candidates.map((t) => t.id) });
  }
}
