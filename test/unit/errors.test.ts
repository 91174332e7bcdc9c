import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { errorCatalogue, errorDescriptions, failureCatalogue, FileportError, fileportError, gatewayErrorCatalogue, type ErrorCode, type ErrorStatus } from '../../lambdas/errors';
import { errorResult } from '../../lambdas/http/request';

const root = join(__dirname, '../..');
const catalogueFile = join(root, 'lambdas/errors.ts');

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(path);
    return entry.name.endsWith('.ts') && path !== catalogueFile ? [path] : [];
  });
}

/** Every Lambda source but the catalogue, with its path. */
const sources = sourcesUnder(join(root, 'lambdas')).map((path) => ({ path: relative(root, path), text: readFileSync(path, 'utf8') }));

/**
 * Literals that may be codes, and where they are written: every upper-case literal with an
 * underscore (`'FILE_NOT_FOUND'`), and any upper-case one where codes go (`code: 'GONE'`,
 * `code === 'GONE'`, `new Gone(410, 'GONE')`, `someError('GONE')`). Env names are not codes.
 */
function codeLiterals(): Map<string, string[]> {
  const patterns = [/['"]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"]/g, /(?:\bcode\s*(?:[:=]|[!=]==)\s*|\bnew\s+\w+\(\s*(?:\d{3}\s*,\s*)?|[Ee]rror\(\s*)['"]([A-Z][A-Z0-9_]*)['"]/g];
  const found = new Map<string, string[]>();
  for (const { path, text } of sources) {
    for (const literal of new Set(patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1]!)))) {
      if (!literal.startsWith('FILEPORT_')) found.set(literal, [...(found.get(literal) ?? []), path]);
    }
  }
  return found;
}

/**
 * Literals of the Lambdas that look like codes but are none a client sees as an error, each for a
 * reason. A new error code written as a literal fails the test below until it is in the catalogue.
 */
const notErrorCodes: Record<string, string> = {
  FULL_OBJECT: "S3's checksum type of a checksum of the whole object (HeadObject's ChecksumType)",
  ALL_TYPES_INLINE: 'a settings warning, answered with 200 (tenant-settings.ts)',
  ACTIVE_CONTENT_AS_TEXT: 'a settings warning, answered with 200 (tenant-settings.ts)',
  REMOVED_FILE_TYPES_ALLOWED: 'a settings warning, answered with 200 (tenant-settings.ts)',
  ERR_BUFFER_TOO_LARGE: "Node's own error code",
  WHEN_REQUIRED: 'an AWS SDK client option',
  UPDATED_NEW: 'a DynamoDB ReturnValues option',
  NO_THREATS_FOUND: 'a GuardDuty Malware Protection scan result status (adapters/guardduty-scan-results.ts)',
  THREATS_FOUND: 'a GuardDuty Malware Protection scan result status (adapters/guardduty-scan-results.ts)',
  ACCESS_DENIED: 'a GuardDuty Malware Protection scan result status (adapters/guardduty-scan-results.ts)',
  ALL_NEW: 'a DynamoDB ReturnValues option',
  CONSECUTIVE_FAILURES: "why Fileport turned a webhook endpoint off, in the endpoint's disabledReason, answered with 200 (lambdas/domain/webhooks)",
};

describe('the error catalogue', () => {
  it('gives every API code an error status and a one-line description', () => {
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      expect({ code, status: entry.status >= 400 && entry.status <= 599 }).toEqual({ code, status: true });
      expect({ code, description: /^[^\n]{10,200}$/.test(errorDescriptions[code as ErrorCode]) }).toEqual({ code, description: true });
    }
    for (const [code, entry] of Object.entries(failureCatalogue)) {
      expect({ code, description: /^[^\n]{10,200}$/.test(entry.description) }).toEqual({ code, description: true });
    }
  });

  it('answers each code with the status the API has always answered it with', () => {
    const byStatus: Record<ErrorStatus, ErrorCode[]> = {
      400: ['VALIDATION_ERROR', 'INVALID_JSON', 'INVALID_CURSOR', 'INVALID_IF_MATCH', 'INVALID_PARTS', 'CHECKSUM_MISMATCH', 'UNSIGNABLE_REQUEST', 'INLINE_NOT_ALLOWED', 'UNKNOWN_FILE_TYPE', 'AMBIGUOUS_FILE_TYPE', 'FILE_TYPE_NOT_ALLOWED', 'EXPIRY_BEYOND_TOKEN', 'INVALID_WEBHOOK_URL', 'RENDITION_NOT_ALLOWED'],
      401: ['UNAUTHORIZED'],
      403: ['FORBIDDEN'],
      404: ['ROUTE_NOT_FOUND', 'FILE_NOT_FOUND', 'FILE_TYPE_NOT_FOUND', 'VERSION_NOT_FOUND', 'UPLOAD_NOT_FOUND', 'SHARE_TOKEN_NOT_FOUND', 'NO_THUMBNAIL', 'NO_RENDITION', 'WEBHOOK_NOT_FOUND', 'WEBHOOK_DELIVERY_NOT_FOUND'],
      409: ['ALREADY_UPLOADED', 'NOT_UPLOADED', 'COPY_TOO_LARGE', 'THUMBNAIL_NOT_READY', 'RENDITION_NOT_READY', 'SCAN_PENDING', 'SCAN_FAILED', 'UPLOAD_LINK_FULL', 'LAST_FULL_TOKEN', 'WEBHOOK_LIMIT'],
      412: ['PRECONDITION_FAILED'],
      413: ['FILE_TOO_LARGE', 'PAYLOAD_TOO_LARGE'],
      415: ['UNSUPPORTED_MEDIA_TYPE'],
      429: ['RATE_LIMITED'],
      500: ['INTERNAL_ERROR'],
    };
    const expected = Object.fromEntries(Object.entries(byStatus).flatMap(([status, codes]) => codes.map((code) => [code, Number(status)])));
    expect(Object.fromEntries(Object.entries(errorCatalogue).map(([code, entry]) => [code, entry.status]))).toEqual(expected);
  });

  it('has every code the Lambdas write, so no code is a loose string literal', () => {
    const known = new Set([...Object.keys(errorCatalogue), ...Object.keys(failureCatalogue), ...Object.keys(notErrorCodes)]);
    const loose = [...codeLiterals()].filter(([literal]) => !known.has(literal));
    expect(Object.fromEntries(loose)).toEqual({});
  });

  it('has no code that nothing throws or stores', () => {
    const all = sources.map(({ text }) => text).join('\n');
    const thrown = (code: string) => new RegExp(`(?:FileportError|fileportError)\\(\\s*'${code}'`).test(all);
    const stored = (code: string) => new RegExp(`ProcessingFailure\\(\\s*'${code}'`).test(all);
    expect(Object.keys(errorCatalogue).filter((code) => !thrown(code))).toEqual([]);
    expect(Object.keys(failureCatalogue).filter((code) => !stored(code))).toEqual([]);
  });

  it('has the codes the local gateway answers before any Lambda runs, each answered there, none an API code', () => {
    const gateway = readFileSync(join(root, 'local/gateway.ts'), 'utf8');
    expect(Object.keys(gatewayErrorCatalogue).filter((code) => !gateway.includes(`'${code}'`))).toEqual([]);
    expect(Object.keys(gatewayErrorCatalogue).filter((code) => code in errorCatalogue)).toEqual([]);
  });

  it('leaves no literal in notErrorCodes that the Lambdas no longer write', () => {
    const literals = codeLiterals();
    expect(Object.keys(notErrorCodes).filter((literal) => !literals.has(literal))).toEqual([]);
  });

  it('makes the usual messages from the params', () => {
    expect(fileportError('FILE_NOT_FOUND', { id: 'f1' }).message).toBe('File f1 was not found.');
    expect(fileportError('PRECONDITION_FAILED', { id: 'f1', version: 3, expected: 2 }).message).toBe('File f1 is at version 3, not 2.');
    expect(fileportError('SHARE_TOKEN_NOT_FOUND').message).toBe('This share token does not exist, was deleted or has expired.');
    expect(new FileportError('FILE_NOT_FOUND', 'There is no public file at this address.').message).toBe('There is no public file at this address.');
  });
});

describe('errorResult, the HTTP edge', () => {
  const answer = (error: FileportError) => {
    const result = errorResult(error);
    return { status: result.statusCode, headers: result.headers, body: JSON.parse(result.body as string) };
  };

  it("answers the code's status and the error body", () => {
    expect(answer(fileportError('FILE_NOT_FOUND', { id: 'f1' }))).toEqual({
      status: 404,
      headers: { 'content-type': 'application/json' },
      body: { error: { code: 'FILE_NOT_FOUND', message: 'File f1 was not found.' } },
    });
    expect(answer(new FileportError('NOT_UPLOADED', 'File f1 has no content yet.'))).toMatchObject({ status: 409, body: { error: { code: 'NOT_UPLOADED' } } });
    expect(answer(fileportError('FILE_TOO_LARGE', { size: 10, max: 5 }))).toMatchObject({ status: 413, body: { error: { message: 'The file is 10 bytes; at most 5 bytes can be uploaded this way.' } } });
  });

  it('adds the headers of the code: a Bearer challenge with 401, when to retry with 429', () => {
    expect(answer(new FileportError('UNAUTHORIZED', 'The token has no subject.'))).toEqual({
      status: 401,
      headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' },
      body: { error: { code: 'UNAUTHORIZED', message: 'The token has no subject.' } },
    });
    expect(answer(fileportError('RATE_LIMITED', { retryAfterSeconds: 7 }))).toEqual({
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after': '7' },
      body: { error: { code: 'RATE_LIMITED', message: 'Too many requests with this share token; try again in 7 s.' } },
    });
  });
});
