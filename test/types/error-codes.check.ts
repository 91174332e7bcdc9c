/**
 * The SDK lists the API's error codes and the failure codes itself (its browser entry imports
 * nothing of the server); `npm run typecheck` holds both lists to the catalogue in lambdas/errors.ts,
 * in both directions. A failure names the codes: `'ok'` is not assignable to `{ missingInSdk: "X" }`.
 * Checked by the compiler only: nothing here runs.
 */
import { FileportError, fileportError, type ErrorCode, type FailureCode, type GatewayErrorCode } from '../../lambdas/errors';
import type { ApiErrorCode, FileFailureCode } from '../../client/src/errors';

type Agrees<Missing, Unknown> = [Missing] extends [never] ? ([Unknown] extends [never] ? 'ok' : { notInCatalogue: Unknown }) : { missingInSdk: Missing };

export const apiErrorCodes: Agrees<Exclude<ErrorCode | GatewayErrorCode, ApiErrorCode>, Exclude<ApiErrorCode, ErrorCode | GatewayErrorCode>> = 'ok';
export const failureCodes: Agrees<Exclude<FailureCode, FileFailureCode>, Exclude<FileFailureCode, FailureCode>> = 'ok';

/** How codes are thrown: each line below must not compile. */
export const misuses = () => [
  // @ts-expect-error a code that is not in the catalogue
  new FileportError('FILE_GONE', 'The file is gone.'),
  // @ts-expect-error RATE_LIMITED's retry-after header is made of its params: an own message alone would not do
  new FileportError('RATE_LIMITED', 'Slow down.'),
  // @ts-expect-error VALIDATION_ERROR has no usual message: the call site says what is wrong
  fileportError('VALIDATION_ERROR'),
  // @ts-expect-error FILE_NOT_FOUND's message names the file
  fileportError('FILE_NOT_FOUND'),
  // @ts-expect-error the params are the template's
  fileportError('FILE_NOT_FOUND', { fileId: 'f1' }),
];
