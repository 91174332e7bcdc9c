import { Match } from 'aws-cdk-lib/assertions';
import { anonymousRouteThrottle, isMemberRoute, routeGroups, routeKey, routes, type RouteGroup } from '../../lambdas/routes';
import { processors } from '../../lambdas/processors';
import { logicalId, synthFileport, type Synthesized } from './fixtures';

let synthesized: Synthesized;

beforeAll(() => {
  synthesized = synthFileport();
});

const resources = () => synthesized.template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
const functionId = (group: RouteGroup) => logicalId(synthesized.stack, synthesized.stack.api.functions[group]);
const authorizerId = () => {
  const ids = Object.keys(synthesized.template.findResources('AWS::ApiGatewayV2::Authorizer'));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
};

/** The Lambda behind a route: Route.Target → Integration → IntegrationUri. */
function functionBehind(routeProps: Record<string, any>): string {
  const target = routeProps.Target['Fn::Join'][1] as [string, { Ref: string }];
  expect(target[0]).toBe('integrations/');
  const integration = resources()[target[1].Ref];
  return integration?.Properties.IntegrationUri['Fn::GetAtt'][0];
}

describe('routes', () => {
  const routeResource = (key: string) => {
    const matching = Object.values(resources()).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties.RouteKey === key);
    expect(matching).toHaveLength(1);
    return matching[0]!.Properties;
  };
  const cases = routes.filter(isMemberRoute).map((route) => [routeKey(route), route.group] as const);
  it.each(cases)('%s exists, behind the JWT authorizer, served by the %s function', (key, group) => {
    const route = routeResource(key);
    expect(route.AuthorizationType).toBe('JWT');
    expect(route.AuthorizerId).toEqual({ Ref: authorizerId() });
    // Scopes are checked in the Lambda, so the 403 carries the API's own error body.
    expect(route.AuthorizationScopes).toBeUndefined();
    expect(functionBehind(route)).toBe(functionId(group));
  });

  const anonymous = routes.filter((route) => !isMemberRoute(route)).map((route) => [routeKey(route), route.group] as const);
  it.each(anonymous)('%s needs no JWT (a share token or a public file), is throttled on the stage, served by the %s function', (key, group) => {
    const route = routeResource(key);
    expect(route.AuthorizationType).toBe('NONE');
    expect(functionBehind(route)).toBe(functionId(group));
    const stage = Object.values(synthesized.template.findResources('AWS::ApiGatewayV2::Stage'))[0]!.Properties;
    expect(stage.RouteSettings[key]).toEqual({ ThrottlingRateLimit: anonymousRouteThrottle.rateLimit, ThrottlingBurstLimit: anonymousRouteThrottle.burstLimit });
    expect(anonymousRouteThrottle.rateLimit).toBeLessThan(stage.DefaultRouteSettings.ThrottlingRateLimit);
  });

  it('serves only share-token and public routes, and the OpenAPI document, without a JWT', () => {
    expect(anonymous.map(([key]) => key).every((key) => / \/v1\/(shared|public)\//.test(key) || key === 'GET /v1/openapi.json')).toBe(true);
  });

  it('has no route that is not in the route table', () => {
    const keys = Object.values(synthesized.template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey);
    expect(keys.sort()).toEqual(routes.map(routeKey).sort());
  });

  it('runs one function per route group', () => {
    const groups = new Set(routeGroups);
    expect(Object.keys(synthesized.stack.api.functions).sort()).toEqual([...groups].sort());
    const integrations = Object.values(synthesized.template.findResources('AWS::ApiGatewayV2::Integration'));
    const targets = new Set(integrations.map((i) => i.Properties.IntegrationUri['Fn::GetAtt'][0]));
    expect(targets.size).toBe(groups.size);
  });
});

describe('functions', () => {
  it('all run on nodejs22.x, arm64, with source maps and a log group that expires', () => {
    const ours = Object.entries(resources()).filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && !id.startsWith('BucketNotificationsHandler'));
    // The scan-result function exists only with fileport:malwareScanning (test/cdk/malware-scanning.test.ts).
    expect(ours).toHaveLength(routeGroups.length + Object.keys(processors).filter((p) => p !== 'scanResults').length);
    for (const [id, fn] of ours) {
      const { Runtime: runtime, Architectures: architectures } = fn.Properties;
      expect({ id, runtime, architectures }).toEqual({ id, runtime: 'nodejs22.x', architectures: ['arm64'] });
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      expect(resources()[logGroupId]?.Properties.RetentionInDays).toBe(30);
      // No AWS-managed policy (AWSLambdaBasicExecutionRole) on our roles: logging is granted per log group.
      const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
      expect(resources()[roleId]?.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('gives the files function 15 s, enough for the 10 s long-poll', () => {
    expect(resources()[functionId('files')]?.Properties.Timeout).toBe(15);
  });

  it.each(['files', 'uploads', 'downloads'] as const)('configures the %s function for data access', (group) => {
    const { stack } = synthesized;
    expect(resources()[functionId(group)]?.Properties.Environment.Variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      FILEPORT_TABLE_NAME: { Ref: logicalId(stack, stack.storage.table) },
      FILEPORT_BUCKET_NAME: { Ref: logicalId(stack, stack.storage.bucket) },
      FILEPORT_TENANT_CLAIM: 'tenant_id',
      // The checked file-type catalogue, a file in the asset (config/file-types.json).
      FILEPORT_FILE_TYPES_FILE: 'file-types.json',
      FILEPORT_UPLOAD_URL_TTL_SECONDS: '900',
      FILEPORT_DOWNLOAD_URL_TTL_SECONDS: '900',
      // Only the files function creates files (and copies), which are temporary until content arrives.
      ...(group === 'files' && { FILEPORT_PENDING_FILE_TTL_SECONDS: String(24 * 3600) }),
      // The uploads function bounds each grant by the tenant's size limit; the files function
      // serves the tenant settings, whose maxFileSize defaults to and is bounded by that limit.
      ...((group === 'uploads' || group === 'files') && {
        FILEPORT_MAX_FILE_SIZE: String(5 * 1024 ** 3),
        FILEPORT_MAX_MULTIPART_FILE_SIZE: String(1024 ** 4),
        FILEPORT_TENANT_SIZE_LIMITS: '{}',
      }),
      // Only the uploads function signs and checks multipart upload ids.
      ...(group === 'uploads' && { FILEPORT_UPLOAD_ID_SECRET_ARN: { Ref: logicalId(stack, stack.api.uploadIdSecret) } }),
    });
  });

  it('tells the file-types function only how to read the tenant and where its catalogue is: it has no data to find', () => {
    expect(resources()[functionId('file-types')]?.Properties.Environment.Variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      FILEPORT_TENANT_CLAIM: 'tenant_id',
      FILEPORT_FILE_TYPES_FILE: 'file-types.json',
    });
  });

  it('takes the tenant claim and URL lifetimes from context', () => {
    const { template, stack } = synthFileport({
      'fileport:tenantClaim': 'https://example.com/tenant',
      'fileport:uploadUrlTtlSeconds': 300,
      'fileport:downloadUrlTtlSeconds': '120',
    });
    const variables = template.toJSON().Resources[logicalId(stack, stack.api.functions.uploads)].Properties.Environment.Variables;
    expect(variables).toMatchObject({
      FILEPORT_TENANT_CLAIM: 'https://example.com/tenant',
      FILEPORT_UPLOAD_URL_TTL_SECONDS: '300',
      FILEPORT_DOWNLOAD_URL_TTL_SECONDS: '120',
    });
  });

  it('refuses URL lifetimes the Lambda config would reject', () => {
    expect(() => synthFileport({ 'fileport:uploadUrlTtlSeconds': 7200 })).toThrow(/uploadUrlTtlSeconds/);
  });

  it('takes the size limits, the deployment\'s and per tenant, from context; refuses what S3 cannot store', () => {
    const tenants = { acme: { maxFileSize: 1024 ** 2 } };
    for (const given of [tenants, JSON.stringify(tenants)]) {
      const { template, stack } = synthFileport({ 'fileport:maxFileSize': 1024 ** 3, 'fileport:maxMultipartFileSize': '2199023255552', 'fileport:tenantSizeLimits': given });
      const variables = template.toJSON().Resources[logicalId(stack, stack.api.functions.uploads)].Properties.Environment.Variables;
      expect(variables).toMatchObject({
        FILEPORT_MAX_FILE_SIZE: String(1024 ** 3),
        FILEPORT_MAX_MULTIPART_FILE_SIZE: '2199023255552',
        FILEPORT_TENANT_SIZE_LIMITS: JSON.stringify(tenants),
      });
    }
    expect(() => synthFileport({ 'fileport:maxFileSize': 6 * 1024 ** 3 })).toThrow(/maxFileSize/);
    expect(() => synthFileport({ 'fileport:maxMultipartFileSize': 6 * 1024 ** 4 })).toThrow(/maxMultipartFileSize/);
    expect(() => synthFileport({ 'fileport:tenantSizeLimits': { acme: { maxFileSize: -1 } } })).toThrow(/tenantSizeLimits/);
    expect(() => synthFileport({ 'fileport:tenantSizeLimits': '{not json' })).toThrow(/tenantSizeLimits/);
  });

  it('takes the lifetime of files without content and the versions a file keeps from context', () => {
    const { template, stack } = synthFileport({ 'fileport:pendingFileTtlSeconds': '3600', 'fileport:maxVersions': 3 });
    const variables = (construct: Parameters<typeof logicalId>[1]) => template.toJSON().Resources[logicalId(stack, construct)].Properties.Environment.Variables;
    expect(variables(stack.api.functions.files).FILEPORT_PENDING_FILE_TTL_SECONDS).toBe('3600');
    expect(variables(stack.processing.metadataFunction).FILEPORT_MAX_VERSIONS).toBe('3');
    expect(() => synthFileport({ 'fileport:maxVersions': 0 })).toThrow(/maxVersions/);
    expect(() => synthFileport({ 'fileport:pendingFileTtlSeconds': 'a day' })).toThrow(/pendingFileTtlSeconds/);
  });
});

describe('JWT authorizer', () => {
  it('trusts the fallback Cognito user pool when no issuer is configured', () => {
    const { stack } = synthesized;
    const pool = stack.api.userPool;
    expect(pool).toBeDefined();
    const authorizer = resources()[authorizerId()]!.Properties;
    expect(authorizer.AuthorizerType).toBe('JWT');
    expect(authorizer.IdentitySource).toEqual(['$request.header.Authorization']);
    expect(authorizer.JwtConfiguration.Audience).toEqual([{ Ref: logicalId(stack, pool!.client) }]);
    expect(JSON.stringify(authorizer.JwtConfiguration.Issuer)).toContain(logicalId(stack, pool!.userPool));
    expect(JSON.stringify(authorizer.JwtConfiguration.Issuer)).toContain('https://cognito-idp.');
  });

  it('defines the files:read/write/overwrite/admin scopes on the fallback pool', () => {
    synthesized.template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Scopes: Match.arrayEquals([
        Match.objectLike({ ScopeName: 'files:read' }),
        Match.objectLike({ ScopeName: 'files:write' }),
        Match.objectLike({ ScopeName: 'files:overwrite' }),
        Match.objectLike({ ScopeName: 'files:admin' }),
      ]),
    });
    synthesized.template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      // Users cannot change their own tenant.
      Schema: Match.arrayWith([Match.objectLike({ Name: 'tenant_id', AttributeDataType: 'String', Mutable: false })]),
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12 }) },
    });
  });

  it('uses the issuer and audience from context, and then creates no user pool', () => {
    const { template } = synthFileport({ 'fileport:jwtIssuer': 'https://id.example.com/', 'fileport:jwtAudience': ['fileport-api'] });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://id.example.com/', Audience: ['fileport-api'] },
    });
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
  });

  it('refuses an external issuer without an audience', () => {
    expect(() => synthFileport({ 'fileport:jwtIssuer': 'https://id.example.com/' })).toThrow(/jwtAudience/);
  });
});

describe('stage', () => {
  it('is the auto-deployed $default stage, with JSON access logs and default throttling', () => {
    const stages = Object.values(synthesized.template.findResources('AWS::ApiGatewayV2::Stage'));
    expect(stages).toHaveLength(1);
    const stage = stages[0]!.Properties;
    expect(stage.StageName).toBe('$default');
    expect(stage.AutoDeploy).toBe(true);
    const logGroupId = stage.AccessLogSettings.DestinationArn['Fn::GetAtt'][0] as string;
    expect(resources()[logGroupId]?.Type).toBe('AWS::Logs::LogGroup');
    expect(JSON.parse(stage.AccessLogSettings.Format)).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
    });
    expect(stage.DefaultRouteSettings.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(stage.DefaultRouteSettings.ThrottlingBurstLimit).toBeGreaterThan(0);
  });

  it('answers CORS preflights for the configured origins', () => {
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'],
        AllowHeaders: Match.arrayWith(['authorization']),
      }),
    });
  });
});
