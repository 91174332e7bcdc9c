import { FileportError, parseS3Error, StorageError, storageErrorCodes, type FileportErrorCode } from '../../../client/src/index';
import { isRetryable } from '../../../client/src/retry';
import { storageError } from '../../../client/src/storage-errors';

// Error documents in the shape S3 sends them (AWS's "Error responses" and per-operation examples).
const document = (code: string, message: string, extra = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>4442587FB7D0A2F9</RequestId><HostId>eftixk72aD6Ap51TnqcoF8eFidJG9Z/2mkiDFu8yU9AS1ed4OpIszj7UDNEHGran</HostId></Error>`;

const signatureDoesNotMatch = document(
  'SignatureDoesNotMatch',
  'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  '<AWSAccessKeyId>AKIAIOSFODNN7EXAMPLE</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972</StringToSign><SignatureProvided>98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd</SignatureProvided><CanonicalRequest>PUT\n/uploads/x\ncontent-type:application/pdf\nif-none-match:*</CanonicalRequest>',
);
const expired = document('AccessDenied', 'Request has expired', '<X-Amz-Expires>1</X-Amz-Expires><Expires>2024-05-01T10:00:01Z</Expires><ServerTime>2024-05-01T10:00:04Z</ServerTime>');

describe('parseS3Error', () => {
  it('reads Code, Message and RequestId of S3 error documents, whatever else they carry', () => {
    expect(parseS3Error(signatureDoesNotMatch)).toEqual({
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      requestId: '4442587FB7D0A2F9',
    });
    expect(parseS3Error(expired)).toEqual({ code: 'AccessDenied', message: 'Request has expired', requestId: '4442587FB7D0A2F9' });
  });

  it('decodes XML entities, named and numeric, and leaves unknown ones as they are', () => {
    const body = document('XAmzContentSHA256Mismatch', 'The provided &apos;x-amz-content-sha256&#x27; header does not match what was computed &amp; &lt;stored&gt; &#34;&bogus;');
    expect(parseS3Error(body)?.message).toBe(`The provided 'x-amz-content-sha256' header does not match what was computed & <stored> "&bogus;`);
  });

  it('gives null for what is not an S3 error document: empty (HEAD), HTML, JSON, truncated', () => {
    expect(parseS3Error('')).toBeNull();
    expect(parseS3Error('<html><body><h1>502 Bad Gateway</h1></body></html>')).toBeNull();
    expect(parseS3Error('{"message":"Forbidden"}')).toBeNull();
    expect(parseS3Error('<?xml version="1.0"?><Error><Code>AccessDenied</Code>')).toBeNull();
    expect(parseS3Error('<Error><HostId>x</HostId></Error>')).toBeNull();
  });
});

describe('storageError: S3 refusals as codes a user can act on', () => {
  const cases: [number, string, FileportErrorCode, RegExp][] = [
    [403, signatureDoesNotMatch, 'S3_SIGNATURE_MISMATCH', /a signed header is missing or differs \(send every header the grant listed, unchanged\)/],
    [403, expired, 'S3_URL_EXPIRED', /The URL for the file expired: ask the API for a new one/],
    [400, document('ExpiredToken', 'The provided token has expired.'), 'S3_URL_EXPIRED', /expired/],
    [403, document('AccessDenied', 'Access Denied'), 'S3_ACCESS_DENIED', /S3 denied the request for the file: the URL does not allow it/],
    [400, document('BadDigest', 'The SHA256 you specified did not match the calculated checksum.'), 'S3_CHECKSUM_MISMATCH', /the bytes do not match the declared checksum/],
    [400, document('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed."), 'S3_CHECKSUM_MISMATCH', /do not match the declared checksum/],
    [400, document('InvalidDigest', 'The Content-MD5 you specified is not valid.'), 'S3_INVALID_CHECKSUM', /not a valid one/],
    [412, document('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', '<Condition>If-None-Match</Condition>'), 'S3_URL_ALREADY_USED', /This upload URL was already used/],
    [400, document('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', '<ProposedSize>2048</ProposedSize><MaxSizeAllowed>1024</MaxSizeAllowed>'), 'S3_TOO_LARGE', /larger than the URL allows/],
    [400, document('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.'), 'S3_TOO_SMALL', /at least 5 MiB/],
    [400, document('InvalidPart', 'One or more of the specified parts could not be found.'), 'S3_INVALID_PART', /upload it again/],
    [404, document('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.'), 'S3_UPLOAD_NOT_FOUND', /start a new upload/],
    [404, document('NoSuchKey', 'The specified key does not exist.', '<Key>t/acme/f/x</Key>'), 'S3_OBJECT_NOT_FOUND', /S3 has no object for the file/],
    [503, document('SlowDown', 'Please reduce your request rate.'), 'S3_UNAVAILABLE', /try again later/],
  ];

  it.each(cases)('%i %#: %s', (status, body, code, message) => {
    const error = storageError(status, body, 'the file');
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toBeInstanceOf(FileportError);
    expect(error).toMatchObject({ status, code, name: 'StorageError' });
    expect(error.message).toMatch(message);
    // S3's words stay on the error; none of its XML reaches the message.
    expect(error.s3).toEqual(parseS3Error(body));
    expect(error.s3?.requestId).toBe('4442587FB7D0A2F9');
    expect(error.message).not.toMatch(/[<>]/);
    expect(error.message).toMatch(new RegExp(`\\. S3 answered ${status} ${error.s3?.code}\\.$`));
  });

  it('an unknown S3 code keeps S3 words in the message, decoded; a 5xx one is S3_UNAVAILABLE', () => {
    const error = storageError(400, document('InvalidArgument', 'Header x-amz-foo &amp; bar is invalid.'), 'part 2');
    expect(error).toMatchObject({ code: 'S3_ERROR', status: 400, message: 'S3 refused part 2: Header x-amz-foo & bar is invalid. S3 answered 400 InvalidArgument.' });
    expect(storageError(500, document('SomethingNew', 'x'), 'part 2').code).toBe('S3_UNAVAILABLE');
  });

  it('without an error document (a HEAD, a proxy page) the status decides, and the request id header is kept', () => {
    const head = storageError(403, '', 'the download', 'REQ123');
    expect(head).toMatchObject({ code: 'S3_ACCESS_DENIED', status: 403, s3: { code: null, message: null, requestId: 'REQ123' } });
    expect(head.message).toBe('S3 denied the request for the download without saying why: the URL may have expired or a signed header may differ: ask the API for a new URL. S3 answered 403.');
    expect(storageError(412, '', 'the file').code).toBe('S3_URL_ALREADY_USED');
    expect(storageError(502, '<html>Bad Gateway</html>', 'part 1')).toMatchObject({ code: 'S3_UNAVAILABLE', s3: null });
    expect(storageError(404, '', 'the download')).toMatchObject({ code: 'S3_ERROR', message: 'S3 refused the download. S3 answered 404.' });
    // A request id in the body wins; the header fills in when the body has none.
    expect(storageError(403, signatureDoesNotMatch, 'the file', 'HEADER').s3?.requestId).toBe('4442587FB7D0A2F9');
    expect(storageError(403, '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>', 'the file', 'HEADER').s3?.requestId).toBe('HEADER');
  });

  it('tries again only what another attempt can change', () => {
    const retried = (status: number, body: string) => isRetryable(storageError(status, body, 'part 1'));
    expect(retried(403, expired)).toBe(true);
    expect(retried(403, document('AccessDenied', 'Access Denied'))).toBe(true);
    expect(retried(400, document('BadDigest', 'x'))).toBe(true);
    expect(retried(503, document('SlowDown', 'x'))).toBe(true);
    expect(retried(403, signatureDoesNotMatch)).toBe(false);
    expect(retried(412, document('PreconditionFailed', 'x'))).toBe(false);
    expect(retried(404, document('NoSuchUpload', 'x'))).toBe(false);
    expect(retried(404, document('NoSuchKey', 'x'))).toBe(false);
    expect(retried(404, '')).toBe(false);
    expect(retried(400, document('EntityTooLarge', 'x'))).toBe(false);
  });

  it('every S3_ code but the catch-all is reached by one of the documents above', () => {
    expect(new Set(cases.map(([, , code]) => code))).toEqual(new Set(storageErrorCodes.filter((c) => c !== 'S3_ERROR')));
  });
});
