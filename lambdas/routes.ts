/**
 * The route table: every route group's declaration (`lambdas/api/groups/`), in one list. The CDK
 * API construct, the local gateway and the OpenAPI generator read it, so a route exists in all of
 * them or in none. A group's Lambda reads only its own declaration (`lambdas/entrypoints/api-<group>.ts`),
 * so it bundles only its own handlers.
 */
import { downloads } from './api/groups/downloads';
import { fileTypes } from './api/groups/file-types';
import { files } from './api/groups/files';
import { links } from './api/groups/links';
import { renditions } from './api/groups/renditions';
import { shared } from './api/groups/shared';
import { uploads } from './api/groups/uploads';
import { webhooks } from './api/groups/webhooks';
import type { AnyGroupDeclaration, Route as AnyRoute, MemberRoute as AnyMemberRoute } from './api/route';

export { isMemberRoute, routeKey, type HttpMethod } from './api/route';

const groups = [fileTypes, files, uploads, downloads, shared, links, webhooks, renditions] as const;

export type RouteGroup = (typeof groups)[number]['group'];

export const groupDeclarations: readonly AnyGroupDeclaration<RouteGroup>[] = groups;
export type Route = AnyRoute<RouteGroup>;
export type MemberRoute = AnyMemberRoute<RouteGroup>;

export const routeGroups: readonly RouteGroup[] = groupDeclarations.map((declaration) => declaration.group);

export const routes: readonly Route[] = groupDeclarations.flatMap((declaration): readonly Route[] => declaration.routes);

/** Each group's declaration, by its name. */
export const groupDeclaration = (group: RouteGroup): AnyGroupDeclaration<RouteGroup> => groupDeclarations.find((declaration) => declaration.group === group)!;

/**
 * Requests per second (and burst) API Gateway lets through on a route that needs no JWT; the local
 * gateway enforces the same. Each token is also limited on its own (FILEPORT_SHARE_TOKEN_REQUESTS_PER_MINUTE).
 */
export const anonymousRouteThrottle = { rateLimit: 20, burstLimit: 40 } as const;

/** Source file of a group's Lambda entrypoint, relative to the repository root. */
export const entrypointFile = (group: RouteGroup): string => `lambdas/entrypoints/api-${group}.ts`;
