import { createHash } from 'node:crypto';
import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { Scope } from '../lambdas/domain/model';

export interface FileportUserPoolProps {
  /** Where the hosted sign-in may send users back to: the same browser origins the API serves. */
  callbackUrls: string[];
}

const scopes: Record<Scope, string> = {
  'files:read': 'List, read and download the files of your tenant',
  'files:write': 'Create, change, upload and delete the files of your tenant',
  'files:overwrite': 'Replace the content of files of your tenant that already have content (with files:write)',
  'files:admin': 'Every right on the files of your tenant',
};

/**
 * The token issuer used when no external one is configured (`fileport:jwtIssuer` empty), so the
 * stack deploys on its own. Production deployments are expected to point at their own IdP.
 */
export class FileportUserPool extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  /** The `iss` claim of the pool's tokens. */
  readonly issuer: string;
  /** Cognito access tokens carry the app client id in `client_id`, which the JWT authorizer checks as audience. */
  readonly audience: string[];

  constructor(scope: Construct, id: string, props: FileportUserPoolProps) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'Pool', {
      // Tenants are assigned by an administrator, so nobody may sign themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      // The tenant a user belongs to, set by the administrator who creates the user. Immutable, so
      // no user can move themselves into another tenant (app clients may write mutable attributes).
      // ID tokens carry it as `custom:tenant_id`; see fileport:tenantClaim.
      customAttributes: { tenant_id: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: false }) },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Users are data: deleting the stack must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    Validations.of(this.userPool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is optional (TOTP) on this fallback pool, which exists so the stack deploys without an external IdP; production deployments set fileport:jwtIssuer to their own IdP, which owns the MFA policy.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'The Plus feature plan is a per-user cost for threat protection that the fallback pool (a development convenience) does not justify; production uses an external IdP via fileport:jwtIssuer.',
      },
    );

    const resourceServer = this.userPool.addResourceServer('Api', {
      identifier: 'fileport',
      scopes: Object.entries(scopes).map(([scopeName, scopeDescription]) => ({ scopeName, scopeDescription })),
    });

    this.client = this.userPool.addClient('WebClient', {
      // A browser app cannot keep a secret: authorization code with PKCE.
      generateSecret: false,
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [
          cognito.OAuthScope.OPENID,
          cognito.OAuthScope.EMAIL,
          ...Object.entries(scopes).map(([scopeName, scopeDescription]) =>
            cognito.OAuthScope.resourceServer(resourceServer, { scopeName, scopeDescription }),
          ),
        ],
        callbackUrls: props.callbackUrls,
        logoutUrls: props.callbackUrls,
      },
    });

    // The OAuth endpoints that hand out tokens with the resource-server scopes. Domain prefixes are
    // unique per region across all accounts: the account id plus a hash of this construct's path
    // keeps two Fileports in one account apart. The path leaves out `Default` ids as logical ids do:
    // FileportStack holds its Fileport as `Default`, and its pool keeps the domain it always had.
    const path = this.node.scopes.slice(1).map((scope) => scope.node.id).filter((id) => id !== 'Default').join('/');
    const pathHash = createHash('sha256').update(path).digest('hex').slice(0, 8);
    this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: `fileport-${Aws.ACCOUNT_ID}-${pathHash}` } });

    // Spelled out (as aws-cdk-lib's HttpUserPoolAuthorizer does): the `iss` claim is this exact https URL.
    this.issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${this.userPool.userPoolId}`;
    this.audience = [this.client.userPoolClientId];
  }
}

/** Cognito accepts plain-http redirect URLs for localhost only. */
export function cognitoCallbackUrls(origins: string[]): string[] {
  return origins.filter((origin) => {
    const url = new URL(origin);
    return url.protocol === 'https:' || (url.protocol === 'http:' && url.hostname === 'localhost');
  });
}
