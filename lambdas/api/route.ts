/**
 * How a route is declared: once, in its group's file (`lambdas/api/groups/<group>.ts`), with its
 * method, path, who may call it, its handler, and what the OpenAPI document says of it. The route
 * table (`lambdas/routes.ts`), the group's Lambda (`lambdas/http/api-group.ts`), the CDK API
 * (`lib/api.ts`), the local gateway and `scripts/openapi.ts` all read these declarations.
 *
 * Nothing here runs at import time: the CDK app imports the declarations, and so every handler module.
 */
import type { Scope, ShareAccess } from '../domain/model';
import type { RouteErrors } from '../errors';
import type { FunctionNeeds } from '../function-needs';
import type { AnonymousRouteHandler, RouteHandler } from '../http/request';
import type { ZodMiniObject, ZodMiniType } from '../validation';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A response header the API sets, as the document names it. */
export type AnswerHeader = 'ETag' | 'Location' | 'Cache-Control';

/**
 * The answers' schemas (`./responses`) are named, not imported: a group's Lambda bundles its
 * declaration, and the answer schemas, which only the OpenAPI generator reads, would add 6 to 12 KB
 * of zod to each bundle. The names are checked at compile time all the same.
 */
type Answers = typeof import('./responses');
export type AnswerName = { [K in keyof Answers]: Answers[K] extends ZodMiniType ? K : never }[keyof Answers];
type ObjectAnswerName = { [K in AnswerName]: Answers[K] extends { shape: object } ? K : never }[AnswerName];

/** A field of an answer, e.g. the file's `id`. */
export interface AnswerField {
  answer: ObjectAnswerName;
  field: string;
}
export const answerField = <A extends ObjectAnswerName>(answer: A, field: keyof Answers[A]['shape'] & string): AnswerField => ({ answer, field });

export interface Answer {
  description: string;
  /** The JSON body, by its name in `./responses`; none for 204 and 302. */
  schema?: AnswerName;
  headers?: AnswerHeader[];
}

/** A path parameter. Routes that share one (the same object) share its component in the document. */
export interface Param {
  /** What the handler validates it with, or the answer field it is. */
  schema: ZodMiniType | AnswerField;
  description: string;
}

/**
 * What the OpenAPI document says of a route: the very schemas the handler validates requests with
 * (imported from it, never restated) and the names of its answers' schemas in `./responses`.
 *
 * Errors every route of a kind can answer (401 and 403 for members, 429 without a JWT, 404 for an
 * unknown share token, 400 for input, 413, 500) are added by the generator from the route's access;
 * `errors` lists what else a route answers, by status, with its error codes (lambdas/errors.ts).
 */
export interface RouteDocs {
  summary: string;
  description?: string;
  /** Every `{name}` of the route's path. */
  params?: Record<string, Param>;
  /** Every parameter the route takes: any other, or one given twice (unless an array), is a 400. None when absent. */
  query?: ZodMiniObject;
  body?: { schema: ZodMiniType; required: boolean };
  /** The route honours `If-Match` (optimistic locking on the file's `version`). */
  ifMatch?: true;
  answers: Record<number, Answer>;
  errors?: RouteErrors;
}

interface RouteBase<Group extends string = string> extends RouteDocs {
  method: HttpMethod;
  /** API Gateway path template, e.g. `/v1/files/{id}`. */
  path: string;
  /** The handler's name, the key of the route in its group's declaration: the document's operationId. */
  handler: string;
  /** The Lambda that serves the route. */
  group: Group;
}

/** A tenant member's route: a JWT, and the scope it must carry. */
export interface MemberRoute<Group extends string = string, S = never> extends RouteBase<Group> {
  scope: Scope;
  handle: RouteHandler<S>;
}

/** A share-token holder's route: no JWT; the `{token}` in the path is the credential. */
export interface SharedRoute<Group extends string = string, S = never> extends RouteBase<Group> {
  shareAccess: ShareAccess;
  handle: AnonymousRouteHandler<S>;
}

/** A route anyone may call: it answers only for what its owner made public, or with the API's own description. */
export interface PublicRoute<Group extends string = string, S = never> extends RouteBase<Group> {
  public: true;
  handle: AnonymousRouteHandler<S>;
}

/**
 * `S`: the services the route's handler reads (lambdas/composition.ts). `never`, the default, takes
 * a route of any group: what the route table, the CDK app and the gateway see.
 */
export type Route<Group extends string = string, S = never> = MemberRoute<Group, S> | SharedRoute<Group, S> | PublicRoute<Group, S>;

export const isMemberRoute = <Group extends string, S>(route: Route<Group, S>): route is MemberRoute<Group, S> => 'scope' in route;

/** API Gateway's route key, which is also what the group's Lambda dispatches on. */
export const routeKey = (route: Pick<Route, 'method' | 'path'>): string => `${route.method} ${route.path}`;

/** A route as its group's file declares it: the group and the handler's name come from where it is declared. */
export type RouteDeclaration<S = never> =
  | Omit<MemberRoute<string, S>, 'group' | 'handler'>
  | Omit<SharedRoute<string, S>, 'group' | 'handler'>
  | Omit<PublicRoute<string, S>, 'group' | 'handler'>;

export const memberRoute = <S>(route: Omit<MemberRoute<string, S>, 'group' | 'handler'>): RouteDeclaration<S> => route;
export const sharedRoute = <S>(route: Omit<SharedRoute<string, S>, 'group' | 'handler'>): RouteDeclaration<S> => route;
export const publicRoute = <S>(route: Omit<PublicRoute<string, S>, 'group' | 'handler' | 'public'>): RouteDeclaration<S> => ({ ...route, public: true });

/**
 * One Lambda of the API: routes that need the same permissions share one function, so a cold start
 * is paid once per group and each function's IAM policy stays narrow.
 */
export interface GroupDeclaration<Group extends string = string, S = never> {
  group: Group;
  /** The function's builder in the composition root (lambdas/composition.ts), run for each request it routes (it builds once per container). */
  services: () => S;
  /** The function's description in AWS. */
  description: string;
  /** At most 29 s, API Gateway's own limit; Lambda's default (lib/fileport-function.ts) without. */
  timeoutSeconds?: number;
  /** MB; Lambda's default (lib/fileport-function.ts) without. */
  memorySize?: number;
  /** Native packages installed beside the bundle (lib/lambda-bundle.ts `nativePackages`): sharp, for the one group that renders. */
  nativeModules?: readonly 'sharp'[];
  /** What the function may touch: each need becomes its environment variable(s) and its grant (lib/function-needs.ts). */
  needs: FunctionNeeds;
  routes: readonly Route<Group, S>[];
}

/**
 * A group as the route table lists it, whatever services its handlers read: what the CDK app, the
 * local gateway and the OpenAPI generator need of it.
 */
export type AnyGroupDeclaration<Group extends string = string> = Omit<GroupDeclaration<Group>, 'services'> & { services: () => unknown };

/** A group's declaration: its routes keyed by their handler's name, in the order the document lists them. */
export function routeGroup<const Group extends string, S>(
  group: Group,
  definition: Omit<GroupDeclaration<Group, S>, 'group' | 'routes'>,
  routes: Record<string, RouteDeclaration<S>>,
): GroupDeclaration<Group, S> {
  return { group, ...definition, routes: Object.entries(routes).map(([handler, route]) => ({ ...route, handler, group }) as Route<Group, S>) };
}
