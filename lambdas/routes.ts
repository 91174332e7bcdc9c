/**
 * The one description of the HTTP API. The CDK API construct and the local gateway both read it,
 * so a route exists in both places or in neither.
 *
 * `group` names the Lambda that serves the route: routes that need the same permissions share one
 * function, so a cold start is paid once per group and each function's IAM policy stays narrow.
 */
import type { Scope, ShareAccess } from './domain/model';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type RouteGroup = 'file-types' | 'files' | 'uploads' | 'downloads' | 'shared';

interface RouteBase {
  method: HttpMethod;
  /** API Gateway path template, e.g. `/v1/files/{id}`. */
  path: string;
  /** The export of `lambdas/handlers/<handler>.ts`, named by the route's purpose. */
  handler: string;
  group: RouteGroup;
}

/** A tenant member's route: a JWT, and the scope it must carry. */
export interface MemberRoute extends RouteBase {
  scope: Scope;
}

/** A share-token holder's route: no JWT; the `{token}` in the path is the credential. */
export interface SharedRoute extends RouteBase {
  shareAccess: ShareAccess;
}

/** A route anyone may call: it answers only for what its owner made public, or with the API's own description. */
export interface PublicRoute extends RouteBase {
  public: true;
}

export type Route = MemberRoute | SharedRoute | PublicRoute;

export const isMemberRoute = (route: Route): route is MemberRoute => 'scope' in route;

/**
 * Requests per second (and burst) API Gateway lets through on a route that needs no JWT; the local
 * gateway enforces the same. Each token is also limited on its own (FILEPORT_SHARE_TOKEN_REQUESTS_PER_MINUTE).
 */
export const anonymousRouteThrottle = { rateLimit: 20, burstLimit: 40 } as const;

export const routes: readonly Route[] = [
  { method: 'GET', path: '/v1/file-types', handler: 'listFileTypes', group: 'file-types', scope: 'files:read' },
  { method: 'GET', path: '/v1/file-types/{id}', handler: 'getFileType', group: 'file-types', scope: 'files:read' },
  { method: 'POST', path: '/v1/files', handler: 'createFile', group: 'files', scope: 'files:write' },
  { method: 'GET', path: '/v1/files', handler: 'listFiles', group: 'files', scope: 'files:read' },
  { method: 'GET', path: '/v1/files/{id}', handler: 'getFile', group: 'files', scope: 'files:read' },
  { method: 'PATCH', path: '/v1/files/{id}', handler: 'updateFile', group: 'files', scope: 'files:write' },
  { method: 'DELETE', path: '/v1/files/{id}', handler: 'deleteFile', group: 'files', scope: 'files:write' },
  { method: 'GET', path: '/v1/files/{id}/versions', handler: 'listVersions', group: 'files', scope: 'files:read' },
  { method: 'POST', path: '/v1/files/{id}/copy', handler: 'copyFile', group: 'files', scope: 'files:write' },
  { method: 'PUT', path: '/v1/files/{id}/upload', handler: 'createUploadUrl', group: 'uploads', scope: 'files:write' },
  { method: 'POST', path: '/v1/files/{id}/upload-form', handler: 'createUploadForm', group: 'uploads', scope: 'files:write' },
  { method: 'POST', path: '/v1/files/{id}/multipart', handler: 'createMultipartUpload', group: 'uploads', scope: 'files:write' },
  { method: 'GET', path: '/v1/files/{id}/multipart/{uploadId}', handler: 'getMultipartUpload', group: 'uploads', scope: 'files:write' },
  { method: 'POST', path: '/v1/files/{id}/multipart/{uploadId}/parts', handler: 'createPartUrls', group: 'uploads', scope: 'files:write' },
  { method: 'POST', path: '/v1/files/{id}/multipart/{uploadId}/complete', handler: 'completeMultipartUpload', group: 'uploads', scope: 'files:write' },
  { method: 'DELETE', path: '/v1/files/{id}/multipart/{uploadId}', handler: 'abortMultipartUpload', group: 'uploads', scope: 'files:write' },
  { method: 'GET', path: '/v1/files/{id}/download', handler: 'createDownloadUrl', group: 'downloads', scope: 'files:read' },
  { method: 'GET', path: '/v1/files/{id}/thumbnails/{size}', handler: 'createThumbnailUrl', group: 'downloads', scope: 'files:read' },
  // The tenant's own settings (lambdas/domain/settings/tenant-settings.ts): in `files`, which may already write the table.
  { method: 'GET', path: '/v1/settings', handler: 'getSettings', group: 'files', scope: 'files:admin' },
  { method: 'PUT', path: '/v1/settings', handler: 'updateSettings', group: 'files', scope: 'files:admin' },
  // Share tokens: managed by members who may change the file (its creator, or an admin).
  { method: 'POST', path: '/v1/files/{id}/tokens', handler: 'createShareToken', group: 'files', scope: 'files:write' },
  { method: 'GET', path: '/v1/files/{id}/tokens', handler: 'listShareTokens', group: 'files', scope: 'files:write' },
  { method: 'DELETE', path: '/v1/files/{id}/tokens/{tokenId}', handler: 'deleteShareToken', group: 'files', scope: 'files:write' },
  // What a share token's holder may do, without a JWT.
  { method: 'GET', path: '/v1/shared/{token}', handler: 'getSharedFile', group: 'shared', shareAccess: 'read' },
  { method: 'PATCH', path: '/v1/shared/{token}', handler: 'updateSharedFile', group: 'shared', shareAccess: 'full' },
  { method: 'DELETE', path: '/v1/shared/{token}', handler: 'deleteSharedFile', group: 'shared', shareAccess: 'full' },
  { method: 'GET', path: '/v1/shared/{token}/download', handler: 'createSharedDownloadUrl', group: 'shared', shareAccess: 'read' },
  { method: 'GET', path: '/v1/shared/{token}/thumbnails/{size}', handler: 'createSharedThumbnailUrl', group: 'shared', shareAccess: 'read' },
  { method: 'POST', path: '/v1/shared/{token}/tokens', handler: 'createSharedToken', group: 'shared', shareAccess: 'full' },
  { method: 'GET', path: '/v1/shared/{token}/tokens', handler: 'listSharedTokens', group: 'shared', shareAccess: 'full' },
  { method: 'DELETE', path: '/v1/shared/{token}/tokens/{tokenId}', handler: 'deleteSharedToken', group: 'shared', shareAccess: 'full' },
  // A public file's stable link: a redirect to a fresh download URL.
  { method: 'GET', path: '/v1/public/{id}/{name}', handler: 'redirectToPublicFile', group: 'shared', public: true },
  // The OpenAPI document (`npm run build:openapi` writes it): static, so the data-less `file-types` function serves it.
  { method: 'GET', path: '/v1/openapi.json', handler: 'getOpenApiDocument', group: 'file-types', public: true },
];

export const routeGroups: readonly RouteGroup[] = [...new Set(routes.map((r) => r.group))];

/** API Gateway's route key, which is also what the group entrypoint dispatches on. */
export const routeKey = (route: Pick<Route, 'method' | 'path'>): string => `${route.method} ${route.path}`;

/** Source file of a group's Lambda entrypoint, relative to the repository root. */
export const entrypointFile = (group: RouteGroup): string => `lambdas/entrypoints/api-${group}.ts`;
