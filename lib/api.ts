import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { anonymousRouteThrottle, entrypointFile, groupDeclarations, isMemberRoute, routeKey, routes, type HttpMethod, type RouteGroup } from '../lambdas/routes';
import { FileportFunction } from './fileport-function';
import type { FileportSettings } from './deployment-settings';
import { grantNeeds } from './function-needs';
import type { Storage } from './storage';
import { cognitoCallbackUrls, FileportUserPool } from './user-pool';

export interface ApiProps {
  storage: Storage;
  settings: FileportSettings;
  /** Default per-route limits of the stage, in requests per second. */
  throttle?: { rateLimit: number; burstLimit: number };
}

/**
 * The HTTP API: every route of `lambdas/routes.ts`, behind a JWT authorizer, served by one Lambda
 * per route group, given what its declaration says it needs (lib/function-needs.ts). Scopes are
 * checked in the Lambda, not by API Gateway, so that a missing scope gets the API's own 403 error body.
 */
export class Api extends Construct {
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly functions: Record<RouteGroup, FileportFunction>;
  /** Set when no external issuer is configured and the stack brings its own. */
  readonly userPool?: FileportUserPool;
  /** The key multipart upload ids are signed with; only the uploads function reads it. */
  readonly uploadIdSecret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { settings, storage } = props;

    let issuer = settings.jwtIssuer;
    let audience = settings.jwtAudience;
    if (issuer === '') {
      const callbackUrls = cognitoCallbackUrls(settings.corsOrigins);
      if (callbackUrls.length === 0) {
        throw new Error('The fallback Cognito user pool needs at least one https (or http://localhost) origin in fileport:corsOrigins.');
      }
      this.userPool = new FileportUserPool(this, 'Users', { callbackUrls });
      issuer = this.userPool.issuer;
      audience = this.userPool.audience;
    }
    const authorizer = new HttpJwtAuthorizer('Jwt', issuer, { jwtAudience: audience });

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Fileport file service',
      // Every route needs a token; a route added later cannot be public by omission.
      defaultAuthorizer: authorizer,
      corsPreflight: {
        allowOrigins: settings.corsOrigins,
        allowMethods: [...new Set(routes.map((route) => apigwv2.CorsHttpMethod[route.method]))],
        // What the SDK sends to the API: the token, JSON bodies, and If-Match on PATCH.
        allowHeaders: ['authorization', 'content-type', 'if-match'],
        maxAge: Duration.hours(1),
      },
      // The stage is created below, with logging and throttling.
      createDefaultStage: false,
    });
    this.stage = new ApiStage(this, 'Stage', { httpApi: this.httpApi, throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 } }).stage;

    this.uploadIdSecret = new UploadIdSecret(this, 'UploadIdSecret').secret;
    const functions: Partial<Record<RouteGroup, FileportFunction>> = {};
    const anonymousRoutes: apigwv2.HttpRoute[] = [];
    for (const { group, description, timeoutSeconds, memorySize, nativeModules, needs, routes: groupRoutes } of groupDeclarations) {
      const fn = new FileportFunction(this, functionId(group), {
        entry: entrypointFile(group),
        settings,
        description,
        timeout: timeoutSeconds === undefined ? undefined : Duration.seconds(timeoutSeconds),
        ...(memorySize !== undefined && { memorySize }),
        ...(nativeModules && { nativeModules: [...nativeModules] }),
        environment: {
          // Every group reads the caller's tenant from the token, data or not.
          FILEPORT_TENANT_CLAIM: settings.tenantClaim,
          // A group with data builds the data services (lambdas/services.ts), whose config includes the URL lifetimes.
          ...(needs.table && {
            FILEPORT_UPLOAD_URL_TTL_SECONDS: String(settings.uploadUrlTtlSeconds),
            FILEPORT_DOWNLOAD_URL_TTL_SECONDS: String(settings.downloadUrlTtlSeconds),
          }),
        },
      });
      grantNeeds(fn, needs, { storage, settings, uploadIdSecret: this.uploadIdSecret });
      functions[group] = fn;

      // One invoke permission per function for this API, not one per route: a function is the
      // integration of its own group's routes only, so the API can reach it through no other path,
      // and a Fileport stays far inside CloudFormation's 500 resources (two fit in one stack).
      const integration = new HttpLambdaIntegration(`${functionId(group)}Integration`, fn, { scopePermissionToRoute: false });
      for (const route of groupRoutes) {
        // Share-token and public routes carry their credential in the path (or need none).
        const routeAuthorizer = isMemberRoute(route) ? authorizer : new apigwv2.HttpNoneAuthorizer();
        const [added] = this.httpApi.addRoutes({ path: route.path, methods: [httpMethod(route.method)], integration, authorizer: routeAuthorizer });
        if (!isMemberRoute(route) && added) {
          anonymousRoutes.push(added);
          Validations.of(added).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason:
              'A share-token or public route: the credential is the share token in the path (checked against its hash in the Lambda), the file being public, or none for the API description (GET /v1/openapi.json, static); it is throttled on the stage and each token is rate limited on its own.',
          });
        }
      }
    }
    this.functions = functions as Record<RouteGroup, FileportFunction>;
    throttleRoutes(this.stage, anonymousRoutes, anonymousRouteThrottle);
  }

  get url(): string {
    return this.stage.url;
  }
}

/**
 * The deployment's key for multipart upload ids: 64 random letters and digits (~380 bits), made by
 * Secrets Manager at deploy time, never in the template, the code or the function's configuration.
 */
class UploadIdSecret extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'Fileport: the HMAC-SHA256 key multipart upload ids are signed with',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false, requireEachIncludedType: false },
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Not rotated automatically: the key signs multipart upload ids, which live at most a day (the bucket aborts incomplete uploads after one), and a rotation would make every upload in flight unresumable (404 UPLOAD_NOT_FOUND). To rotate by hand, put a new random value; uploads started before must be started again.',
    });
  }
}

/** `file-types` → `FileTypesFunction`. */
const functionId = (group: RouteGroup) =>
  `${group
    .split('-')
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('')}Function`;

const httpMethod = (method: HttpMethod): apigwv2.HttpMethod => apigwv2.HttpMethod[method];

/**
 * Tighter limits on routes without a JWT, so share tokens cannot be guessed at volume (each token
 * is limited on its own in the Lambda too). HTTP APIs set per-route throttling on the stage only.
 */
function throttleRoutes(stage: apigwv2.HttpStage, anonymous: apigwv2.HttpRoute[], limit: { rateLimit: number; burstLimit: number }): void {
  const cfnStage = stage.node.defaultChild as apigwv2.CfnStage;
  // A JSON property: CDK passes it on as is, so it takes CloudFormation's own (Pascal case) names.
  const settings = { ThrottlingRateLimit: limit.rateLimit, ThrottlingBurstLimit: limit.burstLimit };
  cfnStage.routeSettings = Object.fromEntries(routes.filter((route) => !isMemberRoute(route)).map((route) => [routeKey(route), settings]));
  // The stage's settings name the routes, which must exist first.
  for (const route of anonymous) cfnStage.node.addDependency(route);
}

interface ApiStageProps {
  httpApi: apigwv2.HttpApi;
  throttle: { rateLimit: number; burstLimit: number };
}

/** The `$default` stage, with one JSON access-log line per request and default throttling. */
class ApiStage extends Construct {
  readonly stage: apigwv2.HttpStage;

  constructor(scope: Construct, id: string, props: ApiStageProps) {
    super(scope, id);
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.ONE_MONTH });
    this.stage = props.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      // Caps what one caller (or a runaway client) can cost before it reaches Lambda and DynamoDB.
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            responseLength: '$context.responseLength',
            sub: '$context.authorizer.claims.sub',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
  }
}
