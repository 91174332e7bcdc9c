/**
 * The SDK lists the API's error codes and the failure codes itself (its browser entry imports
 * nothing of the server); `npm run typecheck` holds both lists to the catalogue in lambdas/errors.ts,
 * in both directions. A failure names the codes: `'ok'` is not assignable to `{ missingInSdk: "X" }`.
 * Checked by the compiler only: nothing here runs.
 */
import type { ErrorCode, FailureCode } from '../../lambdas/errors';
import type { ApiErrorCode, FileFailureCode } from '../../client/src/errors';

type Agrees<Missing, Unknown> = [Missing] extends [never] ? ([Unknown] extends [never] ? 'ok' : { notInCatalogue: Unknown }) : { missingInSdk: Missing };

export const apiErrorCodes: Agrees<Exclude<ErrorCode, ApiErrorCode>, Exclude<ApiErrorCode, ErrorCode>> = 'ok';
export const failureCodes: Agrees<Exclude<FailureCode, FileFailureCode>, Exclude<FileFailureCode, FailureCode>> = 'ok';
