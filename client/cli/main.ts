import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createClient, FileportError, type FileListQuery, type FileportClient, type FileportFile, type FileStatus, type FileType } from '../src/index';
import { fromPath } from '../src/node';
import { configPath, effectiveConfig, writeConfig } from './config';
import { formatBytes, progressLine, table } from './output';

/** Exit codes, as `--help` documents them. */
export const EXIT = { ok: 0, error: 1, usage: 2, partial: 3, notLoggedIn: 4 } as const;

const HELP = `Usage: fileport <command> [options]

Commands:
  login --url URL --token TOKEN   store the API address and a token (checked with the API)
  types                           list the file types
  upload <path…>                  upload files (type from the extension, or --type)
        [--type ID] [--name NAME] [--tag TAG]… [--link TYPE:ID]… [--concurrency N] [--part-size MiB] [--wait]
  download <id> [-o PATH|-]       download (verified by SHA-256) to PATH, or the file's name; - for stdout
        [--version N]
  ls                              list files
        [--tag T… (files with every one) | --link TYPE:ID | --external-id X] [--name PREFIX] [--type ID] [--status S]
        [--created-by USER] [--limit N] [--all]
  info <id>                       a file's metadata
  rm <id>                         delete a file
  share <id> --read|--full        create a share token; prints it and the shared URL
        [--expires ISO-8601]

Options:
  --json            one JSON document on stdout (no progress output)
  --config PATH     config file (default $XDG_CONFIG_HOME/fileport/config.json or ~/.config/fileport/config.json)
  -h, --help        this help
Environment: FILEPORT_URL and FILEPORT_TOKEN override the stored config.

Exit codes:
  0  success
  1  the API or S3 refused (the code and the cause are printed: the API's codes, S3_… for S3's),
     or a network/checksum failure
  2  usage error (unknown command or option, missing argument)
  3  some files of an upload failed, others succeeded
  4  not logged in (run fileport login, or set FILEPORT_URL and FILEPORT_TOKEN)
`;

class UsageError extends Error {}
class NotLoggedIn extends Error {}

interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
}

const common = {
  json: { type: 'boolean' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

const commandOptions = {
  login: { url: { type: 'string' }, token: { type: 'string' } },
  types: {},
  upload: {
    type: { type: 'string' },
    name: { type: 'string' },
    tag: { type: 'string', multiple: true },
    link: { type: 'string', multiple: true },
    concurrency: { type: 'string' },
    'part-size': { type: 'string' },
    wait: { type: 'boolean' },
  },
  download: { output: { type: 'string', short: 'o' }, version: { type: 'string' } },
  ls: {
    tag: { type: 'string', multiple: true },
    link: { type: 'string' },
    'external-id': { type: 'string' },
    name: { type: 'string' },
    type: { type: 'string' },
    status: { type: 'string' },
    'created-by': { type: 'string' },
    limit: { type: 'string' },
    all: { type: 'boolean' },
  },
  info: {},
  rm: {},
  share: { read: { type: 'boolean' }, full: { type: 'boolean' }, expires: { type: 'string' } },
} as const satisfies Record<string, ParseArgsConfig['options']>;

type Command = keyof typeof commandOptions;

const positiveInt = (value: string | undefined, flag: string): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive whole number, not "${value}".`);
  return n;
};

/** Runs the CLI; resolves to the exit code (the bin calls process.exit with it). */
export async function run(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  const json = rest.includes('--json') || command === '--json';
  try {
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      io.stdout.write(HELP);
      return command === undefined ? EXIT.usage : EXIT.ok;
    }
    if (!(command in commandOptions)) throw new UsageError(`unknown command "${command}" (fileport --help lists them).`);
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { ...common, ...commandOptions[command as Command] }, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed as { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
    if (values.help) {
      io.stdout.write(HELP);
      return EXIT.ok;
    }
    const path = configPath(values.config as string | undefined, io.env);
    const ctx = { io, json, values, positionals, path };
    if (command === 'login') return await login(ctx);
    const config = effectiveConfig(path, io.env);
    if (!config.url || !config.token) throw new NotLoggedIn();
    const client = createClient({ baseUrl: config.url, token: config.token, concurrency: positiveInt(values.concurrency as string | undefined, '--concurrency') });
    return await commands[command as Exclude<Command, 'login'>]({ ...ctx, client, url: config.url });
  } catch (error) {
    return fail(io, json, error);
  }
}

function fail(io: Io, json: boolean, error: unknown): number {
  let code: string;
  let message: string;
  let exit: number;
  if (error instanceof UsageError) [code, message, exit] = ['USAGE', error.message, EXIT.usage];
  else if (error instanceof NotLoggedIn) [code, message, exit] = ['NOT_LOGGED_IN', 'not logged in: run fileport login --url URL --token TOKEN, or set FILEPORT_URL and FILEPORT_TOKEN.', EXIT.notLoggedIn];
  else if (error instanceof FileportError) [code, message, exit] = [error.code, error.message, EXIT.error];
  else [code, message, exit] = ['ERROR', error instanceof Error ? error.message : String(error), EXIT.error];
  io.stderr.write(`fileport: ${code === 'ERROR' ? '' : `${code}: `}${message}\n`);
  if (code === 'USAGE') io.stderr.write('Run fileport --help for the commands and options.\n');
  if (json) io.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  return exit;
}

interface Ctx {
  io: Io;
  json: boolean;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  path: string;
}
interface ClientCtx extends Ctx {
  client: FileportClient;
  url: string;
}

const print = (ctx: Ctx, value: unknown, text: () => string) => ctx.io.stdout.write(ctx.json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);

function oneId(ctx: Ctx, command: string): string {
  if (ctx.positionals.length !== 1) throw new UsageError(`${command} takes one file id.`);
  return ctx.positionals[0] as string;
}

async function login(ctx: Ctx): Promise<number> {
  const url = ctx.values.url as string | undefined;
  const token = ctx.values.token as string | undefined;
  if (!url || !token) throw new UsageError('login needs --url and --token.');
  // Checked before it is stored: a wrong address or token shows now, not at the first upload.
  await createClient({ baseUrl: url, token }).fileTypes.list();
  writeConfig(ctx.path, { url, token });
  print(ctx, { url, config: ctx.path }, () => `Logged in to ${url} (config ${ctx.path}).`);
  return EXIT.ok;
}

const fileRow = (f: FileportFile) => [f.id, f.status, f.size === null ? '-' : formatBytes(f.size), f.fileTypeId, f.createdAt.slice(0, 19).replace('T', ' '), f.name];

/** The type of a path by its extension (`.jpg` and `.jpeg` are both jpeg). */
/** The catalogue's type for a file name, by its extension as the API resolves it (undefined: none, or several). */
function typeOfName(name: string, types: FileType[]): string | undefined {
  const ext = extname(name).slice(1).toLowerCase();
  if (!ext) return undefined;
  const matching = types.filter((t) => t.extensions.includes(ext));
  return matching.length === 1 ? matching[0]?.id : undefined;
}

function parseLink(value: string): { type: string; id: string } {
  const at = value.indexOf(':');
  if (at < 1 || at === value.length - 1) throw new UsageError(`--link must be TYPE:ID, not "${value}".`);
  return { type: value.slice(0, at), id: value.slice(at + 1) };
}

const commands: Record<Exclude<Command, 'login'>, (ctx: ClientCtx) => Promise<number>> = {
  async types(ctx) {
    const types = await ctx.client.fileTypes.list();
    print(ctx, types, () => table([['ID', 'EXTENSION', 'MIME TYPE', 'NAME'], ...types.map((t) => [t.id, t.extension, t.mimeTypes[0] ?? '', t.name])]));
    return EXIT.ok;
  },

  async upload(ctx) {
    const paths = ctx.positionals;
    if (paths.length === 0) throw new UsageError('upload needs at least one path.');
    if (ctx.values.name !== undefined && paths.length > 1) throw new UsageError('--name works with one path only.');
    const partMiB = positiveInt(ctx.values['part-size'] as string | undefined, '--part-size');
    const links = ((ctx.values.link as string[] | undefined) ?? []).map(parseLink);
    const types = ctx.values.type ? [] : await ctx.client.fileTypes.list();
    // Checked before any byte is sent: the API tells the type from the name the same way.
    for (const path of paths) {
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) throw new UsageError(`${path} is not a readable file.`);
      const name = (ctx.values.name as string | undefined) ?? basename(path);
      if (!ctx.values.type && !typeOfName(name, types)) throw new UsageError(`cannot tell the file type of ${name} from its extension: give --type (fileport types lists them).`);
    }
    const tty = !ctx.json && ctx.io.stderr.isTTY === true;
    const started = Date.now();
    const results: { path: string; ok: boolean; file?: FileportFile; size: number; error?: { code: string; message: string } }[] = [];
    for (const path of paths) {
      const name = (ctx.values.name as string | undefined) ?? basename(path);
      // Without --type the API resolves the type from the name's extension.
      const fileTypeId = ctx.values.type as string | undefined;
      const source = await fromPath(path);
      let last = -1;
      const draw = (loaded: number, total: number) => {
        if (tty) ctx.io.stderr.write(`\r${progressLine(name, loaded, total, ctx.io.stderr.columns ?? 80)}`);
      };
      try {
        if (!ctx.json && !tty) ctx.io.stderr.write(`uploading ${path} (${formatBytes(source.size)})\n`);
        const result = await ctx.client.files.upload(source, {
          name,
          fileTypeId,
          tags: ctx.values.tag as string[] | undefined,
          links: links.length ? links : undefined,
          partSize: partMiB === undefined ? undefined : partMiB * 1024 * 1024,
          onProgress: ({ loaded, total }) => {
            // Redraw at most once per whole percent: a terminal does not need thousands of lines.
            const percent = Math.floor((loaded / Math.max(1, total)) * 100);
            if (percent !== last) draw(loaded, total);
            last = percent;
          },
        });
        const file = ctx.values.wait ? await ctx.client.files.waitUntilProcessed(result.file.id) : result.file;
        if (tty) ctx.io.stderr.write('\n');
        if (!ctx.json) ctx.io.stdout.write(`${file.id}  ${file.status}  ${name}\n`);
        results.push({ path, ok: true, file, size: source.size });
      } catch (error) {
        if (tty) ctx.io.stderr.write('\n');
        const e = error instanceof FileportError ? { code: error.code, message: error.message } : { code: 'ERROR', message: String((error as Error).message ?? error) };
        if (!ctx.json) ctx.io.stderr.write(`fileport: ${path}: ${e.code}: ${e.message}\n`);
        results.push({ path, ok: false, size: source.size, error: e });
      }
    }
    const seconds = (Date.now() - started) / 1000;
    const ok = results.filter((r) => r.ok);
    const bytes = ok.reduce((sum, r) => sum + r.size, 0);
    const summary = { files: results.length, uploaded: ok.length, failed: results.length - ok.length, bytes, seconds, mbPerSecond: seconds > 0 ? bytes / 1e6 / seconds : null };
    if (ctx.json) {
      ctx.io.stdout.write(`${JSON.stringify({ summary, results: results.map((r) => ({ path: r.path, ok: r.ok, ...(r.file && { file: r.file }), ...(r.error && { error: r.error }) })) }, null, 2)}\n`);
    } else {
      ctx.io.stderr.write(
        `${ok.length} of ${results.length} file(s) uploaded, ${formatBytes(bytes)} in ${seconds.toFixed(1)} s` +
          `${summary.mbPerSecond === null ? '' : ` (${summary.mbPerSecond.toFixed(1)} MB/s)`}${summary.failed ? `, ${summary.failed} failed` : ''}\n`,
      );
    }
    if (summary.failed === 0) return EXIT.ok;
    return ok.length === 0 ? EXIT.error : EXIT.partial;
  },

  async download(ctx) {
    const id = oneId(ctx, 'download');
    const version = positiveInt(ctx.values.version as string | undefined, '--version');
    const file = await ctx.client.files.get(id);
    const output = (ctx.values.output as string | undefined) ?? (file.name.toLowerCase().endsWith(`.${file.extension}`) ? file.name : `${file.name}.${file.extension}`);
    const tty = !ctx.json && output !== '-' && ctx.io.stderr.isTTY === true;
    const download = await ctx.client.files.download(id, {
      version,
      as: 'stream',
      onProgress: ({ loaded, total }) => {
        if (tty) ctx.io.stderr.write(`\r${progressLine(basename(output), loaded, total, ctx.io.stderr.columns ?? 80)}`);
      },
    });
    const target = output === '-' ? ctx.io.stdout : createWriteStream(output);
    // The stream errors with CHECKSUM_MISMATCH at its end: the pipeline rejects, the exit code says so.
    await pipeline(Readable.fromWeb(download.stream as import('node:stream/web').ReadableStream<Uint8Array>), target, { end: output !== '-' });
    if (tty) ctx.io.stderr.write('\n');
    // Verified by the SHA-256, or else by the CRC-64/NVME S3 verified (a multipart upload's).
    const verifiedBy = download.checksumSha256 !== null ? 'SHA-256' : download.checksumCrc64nvme !== null ? 'CRC-64/NVME' : null;
    const result = { id, output, version: download.version, size: download.size, checksumSha256: download.checksumSha256, checksumCrc64nvme: download.checksumCrc64nvme, verified: verifiedBy !== null };
    if (output !== '-') print(ctx, result, () => `${output}  ${formatBytes(download.size ?? 0)}  ${verifiedBy ? `${verifiedBy} verified` : 'not verified (processing has not finished)'}`);
    return EXIT.ok;
  },

  async ls(ctx) {
    const v = ctx.values as Record<string, string | string[] | boolean | undefined>;
    const query: FileListQuery = {
      tag: v.tag as string[] | undefined,
      link: v.link as string | undefined,
      externalId: v['external-id'] as string | undefined,
      name: v.name as string | undefined,
      fileTypeId: v.type as string | undefined,
      status: v.status as FileStatus | undefined,
      createdBy: v['created-by'] as string | undefined,
      limit: positiveInt(v.limit as string | undefined, '--limit'),
    };
    let files: FileportFile[];
    let nextCursor: string | null = null;
    if (v.all) {
      files = [];
      for await (const file of ctx.client.files.iterate(query)) files.push(file);
    } else {
      ({ items: files, nextCursor } = await ctx.client.files.list(query));
    }
    print(ctx, { items: files, nextCursor }, () =>
      files.length === 0 ? 'No files.' : `${table([['ID', 'STATUS', 'SIZE', 'TYPE', 'CREATED', 'NAME'], ...files.map(fileRow)])}${nextCursor ? '\n(more: --all lists every page)' : ''}`,
    );
    return EXIT.ok;
  },

  async info(ctx) {
    const file = await ctx.client.files.get(oneId(ctx, 'info'));
    print(ctx, file, () =>
      table([
        ['id', file.id],
        ['name', file.name],
        ['type', `${file.fileTypeId} (${file.mimeType})`],
        ['status', file.error ? `${file.status} (${file.error.code}: ${file.error.message})` : file.status],
        ['size', file.size === null ? '-' : `${formatBytes(file.size)} (${file.size} bytes)`],
        ['pages', file.pageCount === null ? '-' : String(file.pageCount)],
        ['sha256', file.checksumSha256 ?? (file.unavailable.checksumSha256 ? `- (${file.unavailable.checksumSha256.code})` : '-')],
        ['crc64nvme', file.checksumCrc64nvme ?? '-'],
        ['malware scan', file.scan === null ? '-' : `${file.scan.status}${file.scan.completedAt ? ` (${file.scan.completedAt})` : ''}`],
        ['tags', file.tags.join(', ') || '-'],
        ['links', file.links.map((l) => `${l.type}:${l.id}`).join(', ') || '-'],
        ['access', file.accessControl],
        ['created', `${file.createdAt} by ${file.createdBy}`],
        ['version', String(file.version)],
      ]),
    );
    return EXIT.ok;
  },

  async rm(ctx) {
    const id = oneId(ctx, 'rm');
    await ctx.client.files.delete(id);
    print(ctx, { deleted: id }, () => `Deleted ${id}.`);
    return EXIT.ok;
  },

  async share(ctx) {
    const id = oneId(ctx, 'share');
    if (Boolean(ctx.values.read) === Boolean(ctx.values.full)) throw new UsageError('share needs one of --read and --full.');
    const token = await ctx.client.tokens.create(id, { accessLevel: ctx.values.full ? 'full' : 'read', expiresAt: ctx.values.expires as string | undefined });
    const sharedUrl = `${ctx.url.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/shared/${token.token}`;
    print(ctx, { ...token, sharedUrl }, () => `${token.token}\n${sharedUrl}\n(${token.accessLevel} access${token.expiresAt ? `, until ${token.expiresAt}` : ''}; the token is shown only now)`);
    return EXIT.ok;
  },
};
