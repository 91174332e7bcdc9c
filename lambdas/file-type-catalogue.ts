import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import * as z from './validation';
import { processingFlags, type FileType } from './domain/files/file-types';

/**
 * The file-type catalogue as an operator writes it (config/file-types.json, or the file
 * `fileport:fileTypesFile` / FILEPORT_FILE_TYPES_FILE names), and the one check of it: `cdk synth`
 * runs it (lib/deployment-settings.ts), `npm start` runs it (local/local-environment.ts), and each
 * Lambda runs it again on the copy in its asset when it first needs the catalogue (lambdas/config.ts).
 */

// RFC 6838 restricted names, lower case.
const MIME_NAME = '[a-z0-9][a-z0-9!#$&^_.+-]{0,126}';
const mimeType = z.string().check(z.regex(new RegExp(`^${MIME_NAME}/${MIME_NAME}$`), 'must be a lowercase MIME type, type/subtype'));
const mimePattern = z.string().check(z.regex(new RegExp(`^(?:\\*/\\*|${MIME_NAME}/(?:\\*|${MIME_NAME}))$`), 'must be type/subtype, type/* or */*'));

/** Processors can only do what their libraries read: thumbnails by sharp, page counts by pdf-lib. */
export const THUMBNAIL_MIME_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/tiff'];
export const PAGE_COUNT_MIME_TYPES = ['application/pdf'];
/** MIME types browsers run scripts in: a type serving one must say `activeContent: true`. */
const ACTIVE_MIME_TYPES = ['text/html', 'application/xhtml+xml', 'image/svg+xml', 'application/xml', 'text/xml', 'text/javascript', 'application/javascript'];

const entry = z.strictObject({
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a lowercase slug (a-z, 0-9, -), at most 64 characters')),
  name: z.string().check(z.minLength(1), z.maxLength(100)),
  mimeTypes: z.array(mimeType).check(z.minLength(1, 'must list at least one MIME type (the first is canonical)'), z.maxLength(20)),
  extensions: z.array(z.string().check(z.regex(/^[a-z0-9][a-z0-9_+-]{0,15}$/, 'must be a lowercase extension without the dot'))).check(z.maxLength(20)),
  signatures: z.optional(
    z.array(
      z.strictObject({
        offset: z.int().check(z.minimum(0), z.maximum(4095)),
        hex: z.string().check(z.regex(/^(?:[0-9a-f]{2}){2,32}$/, 'must be 2 to 32 bytes in lowercase hex')),
      }),
    ),
  ),
  accepts: z.optional(z.array(mimePattern)),
  processing: z.array(z.enum(processingFlags, { error: (issue) => `unknown processing flag ${JSON.stringify(issue.input)}: the flags are ${processingFlags.join(', ')}` })),
  activeContent: z.boolean(),
});
type Entry = z.output<typeof entry>;

const catalogueFile = z.strictObject({ fileTypes: z.array(entry).check(z.minLength(1, 'must list at least one file type'), z.maxLength(500)) });

/** Whether each signature fits the bytes content sniffing reads (lambdas/domain/processing: the first 4 KiB). */
const SNIFFED_BYTES = 4096;

function crossChecks(types: Entry[]): string[] {
  const problems: string[] = [];
  const claimed = (what: string, keys: (t: Entry) => string[]) => {
    const owner = new Map<string, string>();
    for (const type of types) {
      for (const key of new Set(keys(type))) {
        const first = owner.get(key);
        if (first !== undefined) problems.push(`${what} ${JSON.stringify(key)} is claimed by both ${first} and ${type.id}`);
        else owner.set(key, type.id);
      }
    }
  };
  claimed('id', (t) => [t.id]);
  // A MIME type is what content is served and signed as: it names one type. An extension may be
  // shared (.ts, .dat and .bin name unrelated formats): a name ending in it is then ambiguous, and
  // POST /v1/files asks for fileTypeId instead of guessing.
  claimed('MIME type', (t) => t.mimeTypes);
  for (const type of types) {
    const at = `file type ${type.id}`;
    const canonical = type.mimeTypes[0] as string;
    if (type.processing.includes('thumbnails') && !THUMBNAIL_MIME_TYPES.includes(canonical)) {
      problems.push(`${at}: processing "thumbnails" needs an image type the thumbnail processor reads (${THUMBNAIL_MIME_TYPES.join(', ')}), not ${canonical}`);
    }
    if (type.processing.includes('pageCount') && !PAGE_COUNT_MIME_TYPES.includes(canonical)) {
      problems.push(`${at}: processing "pageCount" is only done for ${PAGE_COUNT_MIME_TYPES.join(', ')}, not ${canonical}`);
    }
    const active = type.mimeTypes.find((m) => ACTIVE_MIME_TYPES.includes(m));
    if (active && !type.activeContent) problems.push(`${at}: serves ${active}, which browsers run scripts in: activeContent must be true`);
    for (const signature of type.signatures ?? []) {
      if (signature.offset + signature.hex.length / 2 > SNIFFED_BYTES) problems.push(`${at}: a signature must end within the first ${SNIFFED_BYTES} bytes`);
    }
  }
  return problems;
}

const toFileType = (e: Entry): FileType => ({
  id: e.id,
  name: e.name,
  mimeTypes: e.mimeTypes,
  extension: e.extensions[0] ?? '',
  extensions: e.extensions,
  signatures: e.signatures ?? [],
  accepts: e.accepts ?? [],
  thumbnails: e.processing.includes('thumbnails'),
  pageCount: e.processing.includes('pageCount'),
  preview: e.processing.includes('preview'),
  activeContent: e.activeContent,
});

/** Where a problem is, as an operator reads the file: `fileTypes[3] (id "mp4").mimeTypes[0]`. */
function where(path: readonly PropertyKey[], input: unknown): string {
  const [top, index, ...rest] = path;
  if (top !== 'fileTypes' || typeof index !== 'number') return path.map(String).join('.') || '(the file)';
  const id = (input as { fileTypes?: { id?: unknown }[] }).fileTypes?.[index]?.id;
  const named = typeof id === 'string' ? ` (id ${JSON.stringify(id)})` : '';
  return `fileTypes[${index}]${named}${rest.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('')}`;
}

/** The checked catalogue, or an Error listing every problem of `input` (the parsed JSON of `source`). */
export function parseFileTypeCatalogue(input: unknown, source: string): FileType[] {
  const result = catalogueFile.safeParse(input);
  const problems = result.success ? crossChecks(result.data.fileTypes) : result.error.issues.map((i) => `${where(i.path, input)}: ${i.message}`);
  if (problems.length > 0) throw new Error(`Invalid file-type catalogue ${source}: ${problems.join('; ')}.`);
  return (result.data as z.output<typeof catalogueFile>).fileTypes.map(toFileType);
}

/** A checked catalogue in the file's own format: what each function's asset carries (lib/fileport-function.ts). */
export function catalogueJson(types: readonly FileType[]): string {
  const fileTypes = types.map((t) => ({
    id: t.id,
    name: t.name,
    mimeTypes: t.mimeTypes,
    extensions: t.extensions,
    ...(t.signatures.length > 0 && { signatures: t.signatures }),
    ...(t.accepts.length > 0 && { accepts: t.accepts }),
    processing: processingFlags.filter((flag) => t[flag]),
    activeContent: t.activeContent,
  }));
  return JSON.stringify({ fileTypes });
}

/** Reads and checks a catalogue file; a relative path is taken from `base`. */
export function readFileTypeCatalogue(path: string, base = process.cwd()): FileType[] {
  const file = isAbsolute(path) ? path : resolve(base, path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read the file-type catalogue ${file}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`The file-type catalogue ${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseFileTypeCatalogue(json, file);
}
