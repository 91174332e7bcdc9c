import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { getAuthConfig } from '../config';
import { FileportError, fileportError } from '../errors';
import { hasScope } from '../domain/permissions';
import { addLogContext, describeError, log, withLogContext } from '../log';
import { traceInvocation } from '../observability/tracing';
import { isMemberRoute, routeKey, type GroupDeclaration } from '../api/route';
import { principalOf } from './principal';
import { errorResult, parseQuery, type ApiEvent, type ApiResult } from './request';

type ApiLambda = (event: ApiEvent, context: Context) => Promise<ApiResult>;

/** Errors of the catalogue become their code's answer; anything else a 500 that tells nothing of internals. */
const errorResponses = (): MiddlewareObj<ApiEvent, ApiResult, Error, Context> => ({
  onError: async (request) => {
    const { error } = request;
    if (error instanceof FileportError) {
      addLogContext({ errorCode: error.code });
      request.response = errorResult(error);
      return;
    }
    addLogContext({ errorCode: 'INTERNAL_ERROR' });
    log('error', 'Unhandled error', { error: describeError(error) });
    // The id the answer's x-request-id header carries, and every log line of the request.
    request.response = errorResult(fileportError('INTERNAL_ERROR', { requestId: requestIdOf(request.event, request.context) }));
  },
});

/** API Gateway's id of the request: its access log line's `requestId`, and its `apigw-requestid` answer header. */
const requestIdOf = (event: ApiEvent, context: Pick<Context, 'awsRequestId'>): string => event.requestContext?.requestId || context.awsRequestId;

/**
 * The Lambda handler of one route group: checks the caller's scope against the group's declaration
 * and the query string against the route's (none when it declares none), and hands the request to
 * the route's handler. Share-token and public routes have no principal:
 * their handlers check the token in the path themselves.
 */
export function apiGroup<S>({ group, routes, services }: Pick<GroupDeclaration<string, S>, 'group' | 'routes' | 'services'>): ApiLambda {
  const table = new Map(
    routes.map((route) => {
      // A declaration cannot compile without its handler; this catches one built around the types.
      if (typeof route.handle !== 'function') throw new Error(`Route ${routeKey(route)} has no handler ${route.handler} in group ${group}`);
      return [routeKey(route), route] as const;
    }),
  );
  const { tenantClaim } = getAuthConfig();

  const dispatch = middy<ApiEvent, ApiResult, Error, Context>()
    .use(errorResponses())
    .handler(async (event) => {
      const route = table.get(event.routeKey);
      if (!route) throw fileportError('ROUTE_NOT_FOUND', { routeKey: event.routeKey });
      if (!isMemberRoute(route)) {
        // Every route's query string is checked, whether its handler reads one or not.
        parseQuery({ event }, route.query);
        return route.handle({ event, services: services() });
      }
      const principal = principalOf(event, tenantClaim);
      addLogContext({ tenantId: principal.tenantId, userId: principal.userId });
      if (!hasScope(principal, route.scope)) {
        throw new FileportError('FORBIDDEN', `This route needs the ${route.scope} scope.`);
      }
      parseQuery({ event }, route.query);
      return route.handle({ event, principal, services: services() });
    });

  /**
   * Every line the request writes carries its request id (and its tenant once the token is read);
   * the answer carries it too, in `x-request-id`, so a caller can quote the one id that finds them
   * all. One line per request ends it: route, status, error code, duration.
   */
  return async (event: ApiEvent, context: Context): Promise<ApiResult> => {
    const requestId = requestIdOf(event, context);
    const fields = { requestId, correlationId: requestId, lambdaRequestId: context.awsRequestId, routeKey: event.routeKey };
    return withLogContext(fields, () =>
      traceInvocation(`## ${group}`, { requestId, routeKey: event.routeKey }, async () => {
        const started = Date.now();
        const result = await dispatch(event, context);
        log('info', 'Request handled', { status: result.statusCode, durationMs: Date.now() - started });
        return { ...result, headers: { ...result.headers, 'x-request-id': requestId } };
      }),
    );
  };
}
