import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { getAuthConfig } from '../config';
import { ApiError, Forbidden, NotFound } from '../errors';
import { hasScope } from '../domain/permissions';
import { describeError, log } from '../log';
import { isMemberRoute, routeKey, routes, type RouteGroup } from '../routes';
import { principalOf } from './principal';
import { errorResult, type AnonymousRouteHandler, type ApiEvent, type ApiResult, type RouteHandler } from './request';

/** Typed errors become their status and code; anything else a 500 that tells nothing of internals. */
const errorResponses = (): MiddlewareObj<ApiEvent, ApiResult, Error, Context> => ({
  onError: async (request) => {
    const { error } = request;
    if (error instanceof ApiError) {
      request.response = errorResult(error);
      return;
    }
    log('error', 'Unhandled error', { routeKey: request.event.routeKey, requestId: request.context.awsRequestId, error: describeError(error) });
    request.response = errorResult(
      new ApiError(500, 'INTERNAL_ERROR', `Something went wrong on our side. Request id: ${request.context.awsRequestId}.`),
    );
  },
});

/**
 * The Lambda handler of one route group: checks the caller's scope against the route table and
 * hands the request to the route's handler. Share-token and public routes have no principal: their
 * handlers check the token in the path themselves.
 */
export function apiGroup(group: RouteGroup, handlers: Record<string, RouteHandler>) {
  const table = new Map(
    routes
      .filter((route) => route.group === group)
      .map((route) => {
        const handler = handlers[route.handler];
        if (!handler) throw new Error(`Route ${routeKey(route)} has no handler ${route.handler} in group ${group}`);
        return [routeKey(route), { route, handler }] as const;
      }),
  );
  const { tenantClaim } = getAuthConfig();

  return middy<ApiEvent, ApiResult, Error, Context>()
    .use(errorResponses())
    .handler(async (event) => {
      const entry = table.get(event.routeKey);
      if (!entry) throw new NotFound(`No route ${event.routeKey}.`, 'ROUTE_NOT_FOUND');
      const { route, handler } = entry;
      // An anonymous route's handler is written as an AnonymousRouteHandler: it reads no principal.
      if (!isMemberRoute(route)) return (handler as AnonymousRouteHandler)({ event });
      const principal = principalOf(event, tenantClaim);
      if (!hasScope(principal, route.scope)) {
        throw new Forbidden(`This route needs the ${route.scope} scope.`);
      }
      return handler({ event, principal });
    });
}
