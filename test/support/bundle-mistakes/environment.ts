// Not a mistake: answers which of the variables Fileport's functions read it was given
// (test/integration/lambda-code.test.ts), to show each bundle runs with its own environment.
export const handler = async (): Promise<{ statusCode: number; headers: Record<string, string>; body: string }> => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    table: process.env.FILEPORT_TABLE_NAME ?? null,
    thumbnailQueue: process.env.FILEPORT_THUMBNAIL_QUEUE_URL ?? null,
    maxVersions: process.env.FILEPORT_MAX_VERSIONS ?? null,
    forcePathStyle: process.env.FILEPORT_S3_FORCE_PATH_STYLE ?? null,
    region: process.env.AWS_REGION ?? null,
  }),
});
