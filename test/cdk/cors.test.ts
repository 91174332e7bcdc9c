import { bucketCorsRule } from '../../local/bucket-cors';
import { logicalId, synthFileport } from './fixtures';

/** The bucket's CORS rules and the HTTP API's CORS configuration of one synthesized stack. */
function corsOf(context: Record<string, unknown> = {}) {
  const { template, stack } = synthFileport(context);
  const resources = template.toJSON().Resources;
  const bucketRules = resources[logicalId(stack, stack.storage.bucket)].Properties.CorsConfiguration.CorsRules;
  const [api] = Object.values(template.findResources('AWS::ApiGatewayV2::Api')) as { Properties: { CorsConfiguration: Record<string, string[]> } }[];
  return { bucketRules, api: api?.Properties.CorsConfiguration };
}

let defaults: ReturnType<typeof corsOf>;
beforeAll(() => {
  defaults = corsOf();
});

describe('CORS for browsers (the upload page, the SDK)', () => {
  it('the deployed bucket allows what the local emulator allows (local/bucket-cors.ts)', () => {
    const origins = ['http://localhost:3000', 'http://127.0.0.1:3000'];
    const local = bucketCorsRule(origins);
    expect(defaults.bucketRules).toEqual([
      {
        AllowedOrigins: local.AllowedOrigins,
        AllowedMethods: local.AllowedMethods,
        AllowedHeaders: local.AllowedHeaders,
        // Multipart uploads read each part's ETag from S3's answer: without it they cannot complete.
        ExposedHeaders: local.ExposeHeaders,
        MaxAge: local.MaxAgeSeconds,
      },
    ]);
    // Any header: the SDK sends Content-Type, x-amz-meta-*, x-amz-checksum-sha256, whatever the URL signs.
    expect(local.AllowedHeaders).toEqual(['*']);
  });

  it('the bucket and the API allow the same configured origins', () => {
    const origins = ['https://files.example.com', 'https://admin.example.com'];
    const { bucketRules, api } = corsOf({ 'fileport:corsOrigins': origins.join(',') });
    expect(bucketRules[0].AllowedOrigins).toEqual(origins);
    expect(api?.AllowOrigins).toEqual(origins);
  });

  it('the API allows every header the SDK sends it', () => {
    expect(defaults.api?.AllowHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type', 'if-match']));
  });
});
