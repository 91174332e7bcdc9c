/** What the page needs of a file type (`GET /v1/file-types`). */
export interface PageFileType {
  id: string;
  name: string;
  mimeTypes: string[];
  extension: string;
  thumbnails: boolean;
  /** For a PDF: its first page is made as its thumbnails. */
  preview: boolean;
}

/** Other spellings of the types' canonical extensions that files arrive with. */
const EXTENSION_ALIASES: Record<string, string> = { jpeg: 'jpg', jpe: 'jpg', tif: 'tiff', htm: 'html' };

/**
 * The file type for a picked file: by its name's extension first (what users see and what the
 * service names downloads after), then by the MIME type the browser guessed. Undefined when
 * neither matches a type: the page says so instead of uploading content processing would refuse.
 */
export function pickFileType(types: readonly PageFileType[], file: { name: string; type: string }): PageFileType | undefined {
  const dot = file.name.lastIndexOf('.');
  const raw = dot > 0 ? file.name.slice(dot + 1).toLowerCase() : '';
  const extension = EXTENSION_ALIASES[raw] ?? raw;
  const byExtension = extension && types.find((type) => type.extension === extension);
  if (byExtension) return byExtension;
  const mime = file.type.toLowerCase();
  return mime ? types.find((type) => type.mimeTypes.includes(mime)) : undefined;
}
