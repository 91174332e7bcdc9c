/**
 * The file types Fileport knows. Static data shipped with the code: a file type decides the
 * Content-Type S3 stores, the extension of downloaded names and which processing a file gets.
 */
export interface FileType {
  /** Stable lowercase slug, used in the API and stored on files. */
  id: string;
  name: string;
  /** The first entry is canonical: it is signed into upload URLs and served on download. */
  mimeTypes: string[];
  extension: string;
  thumbnails: boolean;
  pageCount: boolean;
}

const ooxml = 'application/vnd.openxmlformats-officedocument';

export const fileTypes: readonly FileType[] = [
  { id: 'pdf', name: 'PDF document', mimeTypes: ['application/pdf'], extension: 'pdf', thumbnails: false, pageCount: true },
  { id: 'jpeg', name: 'JPEG image', mimeTypes: ['image/jpeg'], extension: 'jpg', thumbnails: true, pageCount: false },
  { id: 'png', name: 'PNG image', mimeTypes: ['image/png'], extension: 'png', thumbnails: true, pageCount: false },
  { id: 'webp', name: 'WebP image', mimeTypes: ['image/webp'], extension: 'webp', thumbnails: true, pageCount: false },
  { id: 'gif', name: 'GIF image', mimeTypes: ['image/gif'], extension: 'gif', thumbnails: true, pageCount: false },
  { id: 'tiff', name: 'TIFF image', mimeTypes: ['image/tiff'], extension: 'tiff', thumbnails: true, pageCount: false },
  { id: 'svg', name: 'SVG image', mimeTypes: ['image/svg+xml'], extension: 'svg', thumbnails: false, pageCount: false },
  { id: 'txt', name: 'Plain text', mimeTypes: ['text/plain'], extension: 'txt', thumbnails: false, pageCount: false },
  { id: 'csv', name: 'CSV table', mimeTypes: ['text/csv'], extension: 'csv', thumbnails: false, pageCount: false },
  { id: 'json', name: 'JSON document', mimeTypes: ['application/json'], extension: 'json', thumbnails: false, pageCount: false },
  { id: 'html', name: 'HTML page', mimeTypes: ['text/html'], extension: 'html', thumbnails: false, pageCount: false },
  { id: 'xml', name: 'XML document', mimeTypes: ['application/xml', 'text/xml'], extension: 'xml', thumbnails: false, pageCount: false },
  { id: 'docx', name: 'Word document', mimeTypes: [`${ooxml}.wordprocessingml.document`], extension: 'docx', thumbnails: false, pageCount: false },
  { id: 'xlsx', name: 'Excel workbook', mimeTypes: [`${ooxml}.spreadsheetml.sheet`], extension: 'xlsx', thumbnails: false, pageCount: false },
  { id: 'pptx', name: 'PowerPoint presentation', mimeTypes: [`${ooxml}.presentationml.presentation`], extension: 'pptx', thumbnails: false, pageCount: false },
  { id: 'zip', name: 'ZIP archive', mimeTypes: ['application/zip', 'application/x-zip-compressed'], extension: 'zip', thumbnails: false, pageCount: false },
];

const byId = new Map(fileTypes.map((t) => [t.id, t]));

export const findFileType = (id: string): FileType | undefined => byId.get(id);

export const canonicalMimeType = (type: FileType): string => type.mimeTypes[0] as string;

/** Content a browser would execute if it rendered it: served inline only as text/plain (see downloads.ts). */
export const isActiveContent = (type: FileType): boolean => ['svg', 'html', 'xml'].includes(type.id);

/** Whether a lowercase MIME type matches a pattern: `type/subtype` exactly, `type/*`, or `*\/*`. */
export function mimeTypeMatches(mimeType: string, pattern: string): boolean {
  if (pattern === '*/*') return true;
  if (pattern.endsWith('/*')) return mimeType.startsWith(pattern.slice(0, -1));
  return mimeType === pattern;
}

/**
 * Types a browser may show inline (`?disposition=inline`): those the tenant listed in its settings
 * (`disableForceDownloadForMimeTypes`), matched on the type's canonical MIME type. None by default.
 */
export const mayBeInline = (type: FileType, inlineMimeTypes: readonly string[]): boolean =>
  inlineMimeTypes.some((pattern) => mimeTypeMatches(canonicalMimeType(type), pattern));
