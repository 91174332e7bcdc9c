import { parseConfig } from '../../../lambdas/config';
import type { UploadServices } from '../../../lambdas/composition';
import { FileportError } from '../../../lambdas/errors';
import { principalOf } from '../../../lambdas/http/principal';
import { errorResult, type ApiEvent, type RouteHandler } from '../../../lambdas/http/request';
import { setup } from './grants';

/**
 * What the composition root builds for the API's functions (lambdas/composition.ts), over the
 * in-memory ports of the domain tests and the default configuration: a handler under test gets
 * these where the deployed one gets DynamoDB and S3.
 */
export function memoryServices(env: Record<string, string> = {}) {
  const { deps, advance } = setup();
  const services = { ...deps, config: parseConfig({ FILEPORT_TABLE_NAME: 'files', FILEPORT_BUCKET_NAME: 'bucket', ...env }) } satisfies UploadServices;
  return { services, advance };
}

export interface RouteAnswer {
  status: number;
  headers: Record<string, string | number | boolean>;
  body: unknown;
}

/**
 * One route handler called as its group calls it (lambdas/http/api-group.ts), without the route
 * table: the principal read from the event's claims (none for share-token and public routes), a
 * typed error turned into its answer. The body comes back parsed.
 */
export async function callRoute<S>(handler: RouteHandler<S>, event: ApiEvent, services: S): Promise<RouteAnswer> {
  let result;
  try {
    const anonymous = Object.keys(event.requestContext.authorizer?.jwt?.claims ?? {}).length === 0;
    result = await handler({ event, services, ...(anonymous ? {} : { principal: principalOf(event, 'tenant_id') }) } as Parameters<RouteHandler<S>>[0]);
  } catch (error) {
    if (!(error instanceof FileportError)) throw error;
    result = errorResult(error);
  }
  return { status: result.statusCode ?? 200, headers: result.headers ?? {}, body: result.body === undefined ? undefined : JSON.parse(result.body) };
}
