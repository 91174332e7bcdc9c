/**
 * The OpenAPI 3.1 document of the API, generated from the route declarations (`lambdas/api/groups/`,
 * assembled in `lambdas/routes.ts`): each route's access, the schemas its handler validates requests
 * with and the answers it documents. zod writes JSON
 * Schema 2020-12, the dialect OpenAPI 3.1 uses, so the schemas go in as zod makes them.
 *
 *   npm run build:openapi   # writes openapi.json at the repository root
 *
 * The Lambdas never import this file: `GET /v1/openapi.json` serves the committed openapi.json.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as z from '../lambdas/validation';
import * as answers from '../lambdas/api/responses';
import type { AnswerField, AnswerHeader, AnswerName, Param } from '../lambdas/api/route';
import type { ErrorCode, ErrorStatus, GatewayErrorCode, RouteErrors } from '../lambdas/errors';
import { isMemberRoute, routeKey, routes, type Route } from '../lambdas/routes';
import { version } from '../package.json';
import { eventTypes, EVENT_SCHEMA_VERSION } from '../lambdas/domain/events/model';
import { eventDescriptions, eventFile, eventSchemas, timestamp as eventTimestamp } from '../lambdas/domain/events/schemas';

type JsonSchema = Record<string, unknown>;

/** Answers worth a name in `components.schemas`: what several routes answer, or what clients name. */
const components: Record<string, z.ZodMiniType> = {
  Error: answers.errorBody,
  // Its pattern is long, and every answer has a few.
  Timestamp: answers.timestamp,
  File: answers.file,
  FileType: answers.fileType,
  FileVersion: answers.fileVersion,
  ShareToken: answers.shareToken,
  ShareTokenWithSecret: answers.shareTokenWithSecret,
  UploadGrant: answers.uploadGrant,
  UploadForm: answers.uploadForm,
  MultipartUpload: answers.multipartUpload,
  MultipartStatus: answers.multipartStatus,
  PartUrls: answers.partUrls,
  DownloadGrant: answers.downloadGrant,
  ThumbnailGrant: answers.thumbnailGrant,
  RenditionGrant: answers.renditionGrant,
  Settings: answers.settings,
};

const headerDescriptions: Record<AnswerHeader, string> = {
  ETag: 'The file’s `version`, quoted: send it back in `If-Match`.',
  Location: 'Where the new file is, or (302) where to download.',
  'Cache-Control': 'How long the answer may be kept (`no-store` for anything with a URL or secret).',
};

/** zod adds `$schema` (and, from a registry, `$id`) to every top-level schema; inside a document they only get in the way. */
function bare(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/**
 * Every schema of the document, from one registry: the named answers, and each request body and
 * answer under a key of its own, so that a schema used inside another (a File in a page) becomes a
 * `$ref` to its component. Requests are documented as clients send them (`io: 'input'`: defaults
 * optional, coerced query values as their target type), answers as the Lambdas produce them.
 */
function schemasOf(entries: [string, z.ZodMiniType][], io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of entries) registry.add(schema, { id });
  // Refinements (`z.refine`) have no JSON Schema: they are checked by the API, and described in prose.
  const { schemas } = z.toJSONSchema(registry, { io, unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, JsonSchema> };
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, bare(schema)]));
}

/** The declarations name their answers' schemas (lambdas/api/route.ts says why). */
const answerSchema = (name: AnswerName): z.ZodMiniType => answers[name];
const paramSchema = (schema: z.ZodMiniType | AnswerField): z.ZodMiniType =>
  'answer' in schema ? (answers[schema.answer].shape as Record<string, z.ZodMiniType>)[schema.field]! : schema;

const ref = (id: string): JsonSchema => ({ $ref: `#/components/schemas/${id}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const operationId = (route: Route) => route.handler;

/** The schema of a query or path parameter, as zod makes it (no `$ref`: parameters use no components). */
const inputSchema = (schema: z.ZodMiniType): JsonSchema => bare(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);

/** What the document says of one status's error answer: the codes (its enum) and the prose. */
interface ErrorDoc {
  codes: readonly (ErrorCode | GatewayErrorCode)[];
  text: string;
}

/** A route's own errors, as its declaration gives them: the codes alone say enough, or a sentence goes with them. */
const errorDoc = (answer: NonNullable<RouteErrors[ErrorStatus]>): ErrorDoc => ('codes' in answer ? answer : { codes: answer, text: answer.join('; ') });

/** The error answers a route can give: those of its kind (member, share token, public) and its inputs, then its own. */
function errorsOf(route: Route): Record<number, ErrorDoc[]> {
  const errors: Record<number, ErrorDoc[]> = {};
  const add = (status: number, doc: ErrorDoc) => (errors[status] ??= []).push(doc);
  // Every route checks its query string (lambdas/http/request.ts parseQuery), a route that takes none as well.
  const inputs = [route.params && 'path parameter', 'query parameter', route.body && 'body'].filter(Boolean).join(', ');
  add(400, {
    codes: ['VALIDATION_ERROR'],
    text: `VALIDATION_ERROR: an invalid ${inputs} (out of bounds, or text that is not well-formed Unicode); a query parameter the route does not take, one without a value, or one given twice.`,
  });
  if (route.body) add(400, { codes: ['INVALID_JSON'], text: 'INVALID_JSON: the body is not JSON.' });
  // The gateway matches a route on the decoded path: a parameter that does not decode matches none.
  if (route.params) add(404, { codes: ['ROUTE_NOT_FOUND'], text: 'ROUTE_NOT_FOUND: a path parameter that is not valid percent-encoded UTF-8.' });
  if (isMemberRoute(route)) {
    add(401, { codes: ['UNAUTHORIZED'], text: 'UNAUTHORIZED: no bearer token, or an invalid or expired one.' });
    add(403, { codes: ['FORBIDDEN'], text: `FORBIDDEN: the token lacks the ${route.scope} scope, or carries no tenant.` });
  } else {
    add(429, { codes: ['THROTTLED'], text: 'THROTTLED: too many requests on this route (API Gateway’s limit for routes without a JWT).' });
  }
  if ('shareAccess' in route) {
    add(404, { codes: ['SHARE_TOKEN_NOT_FOUND'], text: 'SHARE_TOKEN_NOT_FOUND: no such token, deleted, expired, or its file is gone.' });
    add(403, {
      codes: ['FORBIDDEN'],
      text: route.shareAccess === 'upload' ? 'FORBIDDEN: the share token is not an upload link.' : 'FORBIDDEN: the share token is an upload link, which only uploads.',
    });
    add(429, { codes: ['RATE_LIMITED'], text: 'RATE_LIMITED: too many requests with this share token (`Retry-After`).' });
  }
  add(413, { codes: ['PAYLOAD_TOO_LARGE'], text: route.body ? 'PAYLOAD_TOO_LARGE: a body over 64 KiB (or a request over API Gateway’s 10 MB).' : 'PAYLOAD_TOO_LARGE: a request over API Gateway’s 10 MB.' });
  add(500, { codes: ['INTERNAL_ERROR'], text: 'INTERNAL_ERROR' });
  for (const [status, answer] of Object.entries(route.errors ?? {})) add(Number(status), errorDoc(answer));
  return errors;
}

export function openApiDocument(): Record<string, unknown> {
  const componentIds = new Map(Object.entries(components).map(([id, schema]) => [schema, id]));
  const responseEntries: [string, z.ZodMiniType][] = Object.entries(components);
  const requestEntries: [string, z.ZodMiniType][] = [];
  for (const route of routes) {
    if (route.body) requestEntries.push([`${operationId(route)}Body`, route.body.schema]);
    for (const [status, answer] of Object.entries(route.answers)) {
      const schema = answer.schema && answerSchema(answer.schema);
      if (schema && !componentIds.has(schema)) responseEntries.push([`${operationId(route)}${status}`, schema]);
    }
  }
  // A schema given twice (the same body on two routes) is named once, by its first route.
  const dedupe = (entries: [string, z.ZodMiniType][]) => [...new Map(entries.map(([id, s]) => [s, id])).entries()].map(([s, id]) => [id, s] as [string, z.ZodMiniType]);
  const requests = dedupe(requestEntries);
  const responses = dedupe(responseEntries);
  const idOf = new Map([...requests, ...responses].map(([id, s]) => [s, id]));
  const schemas = { ...schemasOf(responses, 'output'), ...schemasOf(requests, 'input') };

  // A path parameter several routes share is one component (the file id's pattern is long).
  const paramUses = new Map<Param, number>();
  for (const route of routes) for (const param of Object.values(route.params ?? {})) paramUses.set(param, (paramUses.get(param) ?? 0) + 1);
  const parameterComponents: Record<string, unknown> = {};
  const parameterIds = new Map<Param, string>();
  const pathParameter = (name: string, param: Param): unknown => {
    const definition = { name, in: 'path', required: true, description: param.description, schema: inputSchema(paramSchema(param.schema)) };
    if ((paramUses.get(param) ?? 0) < 2) return definition;
    let id = parameterIds.get(param);
    if (!id) {
      id = name in parameterComponents ? `${name}${parameterIds.size}` : name;
      parameterIds.set(param, id);
      parameterComponents[id] = definition;
    }
    return { $ref: `#/components/parameters/${id}` };
  };

  // An error answer several routes give alike (401, 500…) is one component, named by its status.
  const errorKey = (status: number, docs: ErrorDoc[]) => `${status} ${docs.map((doc) => doc.text).join(' ')} ${docs.flatMap((doc) => doc.codes).join(' ')}`;
  const errorKeys = routes.flatMap((route) => Object.entries(errorsOf(route)).map(([status, docs]) => errorKey(Number(status), docs)));
  const responseComponents: Record<string, unknown> = {};
  const responseIds = new Map<string, string>();
  const errorResponse = (status: number, docs: ErrorDoc[]): unknown => {
    // The Error schema, with the codes this answer can carry as an enum.
    const codes = [...new Set(docs.flatMap((doc) => doc.codes))];
    const schema = { allOf: [ref('Error'), { properties: { error: { properties: { code: { enum: codes } } } } }] };
    const definition = { description: docs.map((doc) => doc.text).join(' '), content: json(schema) };
    const key = errorKey(status, docs);
    if (errorKeys.filter((k) => k === key).length < 2) return definition;
    let id = responseIds.get(key);
    if (!id) {
      const sameStatus = [...responseIds.keys()].filter((k) => k.startsWith(`${status} `)).length;
      id = `Error${status}${sameStatus === 0 ? '' : `_${sameStatus + 1}`}`;
      responseIds.set(key, id);
      responseComponents[id] = definition;
    }
    return { $ref: `#/components/responses/${id}` };
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters: unknown[] = [];
    for (const name of [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)) {
      const param = route.params?.[name];
      if (!param) throw new Error(`${routeKey(route)}: path parameter {${name}} is not described`);
      parameters.push(pathParameter(name, param));
    }
    if (route.query) {
      const query = inputSchema(route.query) as { properties?: Record<string, JsonSchema>; required?: string[] };
      for (const [name, schema] of Object.entries(query.properties ?? {})) {
        parameters.push({ name, in: 'query', required: query.required?.includes(name) ?? false, schema });
      }
    }
    if (route.ifMatch) {
      parameters.push({ name: 'If-Match', in: 'header', required: false, description: 'The `version` the change expects (`"3"`); a mismatch is a 412.', schema: { type: 'string' } });
    }

    const responses: Record<string, unknown> = {};
    for (const [status, answer] of Object.entries(route.answers)) {
      responses[status] = {
        description: answer.description,
        ...(answer.headers && { headers: Object.fromEntries(answer.headers.map((h) => [h, { description: headerDescriptions[h], schema: { type: 'string' } }])) }),
        ...(answer.schema && { content: json(ref(idOf.get(answerSchema(answer.schema))!)) }),
      };
    }
    const errors = errorsOf(route);
    for (const status of Object.keys(errors).map(Number).sort((a, b) => a - b)) responses[status] = errorResponse(status, errors[status]!);

    const access = isMemberRoute(route)
      ? { security: [{ bearer: [route.scope] }], 'x-required-scope': route.scope, description: [`Needs the \`${route.scope}\` scope.`, route.description].filter(Boolean).join(' ') }
      : 'shareAccess' in route
        ? { security: [], 'x-share-access': route.shareAccess, description: [`No JWT: the share token in the path is the credential; it must allow \`${route.shareAccess}\`.`, route.description].filter(Boolean).join(' ') }
        : { security: [], description: ['No credentials.', route.description].filter(Boolean).join(' ') };

    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      operationId: operationId(route),
      summary: route.summary,
      tags: [route.group],
      ...access,
      ...(parameters.length > 0 && { parameters }),
      ...(route.body && { requestBody: { required: route.body.required, content: json(ref(idOf.get(route.body.schema)!)) } }),
      responses,
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Fileport API',
      version,
      description: 'Files in S3 behind pre-signed URLs, their metadata in DynamoDB. Generated from the route table and the request schemas (`npm run build:openapi`). Errors are `{"error":{"code","message"}}`. Text (bodies, keys included, queries and paths) must be well-formed Unicode: a lone UTF-16 surrogate is a 400 `VALIDATION_ERROR`. Lengths count Unicode code points of any script, and storage holds the longest of each (long index values are stored as their SHA-256).',
    },
    // Relative: the document is served by the API it describes, wherever that is deployed.
    servers: [{ url: '/' }],
    paths,
    webhooks: eventWebhooks(),
    components: {
      schemas: { ...schemas, ...eventComponents() },
      parameters: parameterComponents,
      responses: responseComponents,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT with `sub`, the tenant claim and `scope` (space-separated files:read, files:write, files:overwrite, files:admin).' },
      },
    },
  };
}

/** `Event.file.created`…: the schema of each event type, as a component. */
const eventComponentId = (type: string) => `Event.${type}`;

function eventComponents(): Record<string, JsonSchema> {
  // One registry, so the file and the timestamp every event carries are components of their own.
  const registry = z.registry<{ id: string; description?: string }>();
  registry.add(eventFile, { id: 'EventFile', description: 'The file as events show it.' });
  registry.add(eventTimestamp, { id: 'EventTimestamp' });
  for (const type of eventTypes) registry.add(eventSchemas[type], { id: eventComponentId(type) });
  const { schemas } = z.toJSONSchema(registry, { io: 'output', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, JsonSchema> };
  const described = (id: string) => eventTypes.find((type) => eventComponentId(type) === id);
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const type = described(id);
      return [id, type ? { title: `${type} (v${EVENT_SCHEMA_VERSION})`, description: eventDescriptions[type], ...bare(schema) } : bare(schema)];
    }),
  );
}

/**
 * The events, as OpenAPI 3.1 `webhooks`: what the deployment's EventBridge bus carries in `detail`
 * (source `fileport`, detail-type the type) and a tenant's webhook endpoints receive as the body.
 */
function eventWebhooks(): Record<string, unknown> {
  return Object.fromEntries(
    eventTypes.map((type) => [
      type,
      {
        post: {
          operationId: `event.${type}`,
          summary: `Event ${type} (schema version ${EVENT_SCHEMA_VERSION})`,
          description: `${eventDescriptions[type]} On the events bus: source \`fileport\`, detail-type \`${type}\`, detail this body. Receivers deduplicate on \`id\`: the same change always has the same id.`,
          tags: ['events'],
          requestBody: { required: true, content: json(ref(eventComponentId(type))) },
          responses: { '2XX': { description: 'Received; any other answer is retried.' } },
        },
      },
    ]),
  );
}

/** The file as committed: two-space JSON and a final newline. */
export const openApiJson = (): string => `${JSON.stringify(openApiDocument(), null, 2)}\n`;
export const openApiFile = path.join(__dirname, '..', 'openapi.json');

if (require.main === module) {
  writeFileSync(openApiFile, openApiJson());
  console.log(`Wrote ${path.relative(process.cwd(), openApiFile)}`);
}
