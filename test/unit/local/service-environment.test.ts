import { LOCAL_BUCKET, LOCAL_EVENT_BUS, LOCAL_TABLE, setFunctionEnvironment } from '../../../local/service-environment';
import type { LambdaCode, LocalResources } from '../../../local/lambda-code';

describe('setFunctionEnvironment: what the local functions are given', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  /** Code whose template gives every function `deployed`, recording the resources it is told the references stand for. */
  const codeWith = (deployed: Record<string, string>) => {
    const told: LocalResources[] = [];
    const code: LambdaCode = {
      code: 'bundles',
      environment: (resources) => {
        told.push(resources);
        return deployed;
      },
      load: () => Promise.reject(new Error('not loaded here')),
    };
    return { code, told };
  };
  const queueUrls = { metadata: 'http://127.0.0.1:1/000000000000/fileport-metadata', thumbnails: 'http://127.0.0.1:1/000000000000/fileport-thumbnails' };

  it("the local resources stand for the template's references and replace what the process had; the local defaults and the developer's values win over the template's", () => {
    delete process.env.FILEPORT_UPLOAD_ID_KEY;
    delete process.env.FILEPORT_UPLOAD_ID_SECRET_ARN;
    process.env.FILEPORT_TABLE_NAME = 'someone-elses-table';
    process.env.FILEPORT_LOG_LEVEL = 'debug';
    delete process.env.FILEPORT_PROCESSING_STUCK_AFTER_SECONDS;
    delete process.env.FILEPORT_DEPLOYED_ONLY;
    const { code, told } = codeWith({ FILEPORT_PROCESSING_STUCK_AFTER_SECONDS: '600', FILEPORT_LOG_LEVEL: 'info', FILEPORT_DEPLOYED_ONLY: 'from the template' });

    setFunctionEnvironment({ code, dataDir: null, queueUrls, serviceDefaults: { FILEPORT_PROCESSING_STUCK_AFTER_SECONDS: '60' } });

    expect(told).toEqual([
      {
        FILEPORT_TABLE_NAME: LOCAL_TABLE,
        FILEPORT_BUCKET_NAME: LOCAL_BUCKET,
        FILEPORT_METADATA_QUEUE_URL: queueUrls.metadata,
        FILEPORT_THUMBNAIL_QUEUE_URL: queueUrls.thumbnails,
        FILEPORT_EVENT_BUS_NAME: LOCAL_EVENT_BUS,
        FILEPORT_UPLOAD_ID_SECRET_ARN: null,
        // No webhook queue among these queues (LocalStack mode has none): the template's reference stands for nothing.
        FILEPORT_WEBHOOK_QUEUE_URL: null,
      },
    ]);
    expect(process.env).toMatchObject({
      FILEPORT_TABLE_NAME: LOCAL_TABLE,
      FILEPORT_BUCKET_NAME: LOCAL_BUCKET,
      FILEPORT_METADATA_QUEUE_URL: queueUrls.metadata,
      FILEPORT_THUMBNAIL_QUEUE_URL: queueUrls.thumbnails,
      FILEPORT_EVENT_BUS_NAME: LOCAL_EVENT_BUS,
      FILEPORT_S3_FORCE_PATH_STYLE: 'true',
      FILEPORT_PROCESSING_STUCK_AFTER_SECONDS: '60',
      FILEPORT_LOG_LEVEL: 'debug',
      FILEPORT_DEPLOYED_ONLY: 'from the template',
    });
    expect(Buffer.from(process.env.FILEPORT_UPLOAD_ID_KEY ?? '', 'base64')).toHaveLength(32);
  });

  it('leaves the upload id key to the developer who set one, either way', () => {
    process.env.FILEPORT_UPLOAD_ID_KEY = 'the developer’s key';
    setFunctionEnvironment({ code: codeWith({}).code, dataDir: null, queueUrls, serviceDefaults: {} });
    expect(process.env.FILEPORT_UPLOAD_ID_KEY).toBe('the developer’s key');

    delete process.env.FILEPORT_UPLOAD_ID_KEY;
    process.env.FILEPORT_UPLOAD_ID_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:upload-id-key';
    const { code, told } = codeWith({});
    setFunctionEnvironment({ code, dataDir: null, queueUrls, serviceDefaults: {} });
    expect(process.env.FILEPORT_UPLOAD_ID_KEY).toBeUndefined();
    expect(told[0]?.FILEPORT_UPLOAD_ID_SECRET_ARN).toBe('arn:aws:secretsmanager:us-east-1:000000000000:secret:upload-id-key');
  });
});
