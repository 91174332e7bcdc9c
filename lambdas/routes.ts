/**
 * The one description of the HTTP API. The CDK API construct and the local gateway both read it,
 * so a route exists in both places or in neither.
 *
 * `group` names the Lambda that serves the route: routes that need the same permissions share one
 * function, so a cold start is paid once per group and each function's IAM policy stays narrow.
 */
/**
 * `files:overwrite` is not a route's scope: it lets a `files:write` caller replace content a file
 * already has (checked by the upload routes and again by processing). `files:admin` implies all.
 */
export const scopes = ['files:read', 'files:write', 'files:overwrite', 'files:admin'] as const;
export type Scope = (typeof scopes)[number];
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type RouteGroup = 'file-types' | 'files' | 'uploads' | 'downloads';

export interface Route {
  method: HttpMethod;
  /** API Gateway path template, e.g. `/v1/files/{id}`. */
  path: string;
  /** The export of `lambdas/handlers/<handler>.ts`, named by the route's purpose. */
  handler: string;
  group: RouteGroup;
  scope: Scope;
}

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
  // The tenant's own settings (lambdas/domain/settings.ts): in `files`, which may already write the table.
  { method: 'GET', path: '/v1/settings', handler: 'getSettings', group: 'files', scope: 'files:admin' },
  { method: 'PUT', path: '/v1/settings', handler: 'updateSettings', group: 'files', scope: 'files:admin' },
];

export const routeGroups: readonly RouteGroup[] = [...new Set(routes.map((r) => r.group))];

/** API Gateway's route key, which is also what the group entrypoint dispatches on. */
export const routeKey = (route: Pick<Route, 'method' | 'path'>): string => `${route.method} ${route.path}`;

/** Source file of a group's Lambda entrypoint, relative to the repository root. */
export const entrypointFile = (group: RouteGroup): string => `lambdas/entrypoints/api-${group}.ts`;

/**
 * The Lambdas behind the API's back, with what both the CDK app and the local stack must agree
 * on: the metadata and thumbnail processors (S3 → SQS), the consumer of their dead-letter queues,
 * and the scheduled reconciler.
 */
export const processors = {
  // Hashing an object of up to 4 GiB as it streams from S3 takes most of a minute.
  metadata: { entry: 'lambdas/entrypoints/process-metadata.ts', timeoutSeconds: 180 },
  thumbnails: { entry: 'lambdas/entrypoints/process-thumbnails.ts', timeoutSeconds: 90 },
  deadLetters: { entry: 'lambdas/entrypoints/process-dead-letters.ts', timeoutSeconds: 30 },
  reconciler: { entry: 'lambdas/entrypoints/reconcile-processing.ts', timeoutSeconds: 60 },
} as const;

export type Processor = keyof typeof processors;

export const processorEntrypoints = Object.fromEntries(Object.entries(processors).map(([name, p]) => [name, p.entry])) as {
  [P in Processor]: (typeof processors)[P]['entry'];
};

/** Deliveries of a processing message before it goes to its dead-letter queue. */
export const maxReceiveCount = 5;
