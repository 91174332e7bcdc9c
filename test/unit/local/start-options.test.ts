import { resolve } from 'node:path';
import { parseStartOptions, UsageError } from '../../../local/start-options';

const parse = (args: string[], env: Record<string, string> = {}) => parseStartOptions(args, env);
const refusal = (args: string[], env: Record<string, string> = {}) => {
  try {
    parse(args, env);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(args)} was accepted`);
};

describe('npm start options', () => {
  it('by default: the API on 3000, S3 on the next port, DynamoDB Local on a free one, data in .fileport, warnings and errors only', () => {
    expect(parse([])).toEqual({ port: 3000, s3Port: 3001, dynamoDbPort: 0, dataDir: resolve('.fileport'), json: false, token: false, logLevel: 'warn', code: 'sources', bundlesDir: null, help: false });
  });

  it('runs the Lambda bundles with --bundles or FILEPORT_LOCAL_CODE=bundles, from FILEPORT_LOCAL_BUNDLES when given', () => {
    expect(parse(['--bundles'])).toMatchObject({ code: 'bundles', bundlesDir: null });
    expect(parse([], { FILEPORT_LOCAL_CODE: 'bundles', FILEPORT_LOCAL_BUNDLES: 'out/b' })).toMatchObject({ code: 'bundles', bundlesDir: resolve('out/b') });
    expect(parse([], { FILEPORT_LOCAL_CODE: 'sources' })).toMatchObject({ code: 'sources' });
    expect(parse(['--bundles'], { FILEPORT_LOCAL_CODE: 'sources' })).toMatchObject({ code: 'bundles' });
    expect(refusal([], { FILEPORT_LOCAL_CODE: 'bundle' })).toBe('FILEPORT_LOCAL_CODE must be sources or bundles, not "bundle"');
  });

  it('ports from the command line win over the environment; S3 follows the API port unless set', () => {
    expect(parse([], { PORT: '4000' })).toMatchObject({ port: 4000, s3Port: 4001 });
    expect(parse(['--port', '5000'], { PORT: '4000' })).toMatchObject({ port: 5000, s3Port: 5001 });
    expect(parse(['--port', '5000', '--s3-port', '6000'], { S3_PORT: '7000' })).toMatchObject({ port: 5000, s3Port: 6000 });
    expect(parse([], { S3_PORT: '7000', DYNAMODB_PORT: '8000' })).toMatchObject({ port: 3000, s3Port: 7000, dynamoDbPort: 8000 });
    expect(parse(['--dynamodb-port', '8001'], { DYNAMODB_PORT: '8000' })).toMatchObject({ dynamoDbPort: 8001 });
  });

  it('port 0 picks free ports, S3 included', () => {
    expect(parse(['--port', '0'])).toMatchObject({ port: 0, s3Port: 0 });
  });

  it.each([
    [['--port', 'abc'], {}, '--port must be a port number from 0 to 65535 (0: any free port), not "abc"'],
    [['--port', '3000.5'], {}, '--port must be a port number from 0 to 65535 (0: any free port), not "3000.5"'],
    [[], { PORT: '65536' }, 'PORT must be a port number from 0 to 65535 (0: any free port), not "65536"'],
    [['--s3-port', '-1'], {}, "option '--s3-port' argument is ambiguous"],
    [['--s3-port=-1'], {}, '--s3-port must be a port number from 0 to 65535 (0: any free port), not "-1"'],
    [[], { S3_PORT: 'x' }, 'S3_PORT must be a port number from 0 to 65535 (0: any free port), not "x"'],
    [[], { DYNAMODB_PORT: '1e3' }, 'DYNAMODB_PORT must be a port number from 0 to 65535 (0: any free port), not "1e3"'],
    [['--port', '4000', '--s3-port', '4000'], {}, 'the API and S3 ports are both 4000: give them different ports'],
    [['--port', '4000', '--dynamodb-port', '4001'], {}, 'the S3 and DynamoDB ports are both 4001: give them different ports'],
    [['--memory', '--data-dir', 'x'], {}, '--memory keeps nothing on disk: give either --memory or --data-dir, not both'],
    [['--log-level', 'loud'], {}, '--log-level must be one of info, warn, error, not "loud"'],
    [[], { FILEPORT_LOG_LEVEL: 'debug' }, 'FILEPORT_LOG_LEVEL must be one of info, warn, error, not "debug"'],
    [['--verbose', '--log-level', 'error'], {}, '--verbose is --log-level info: give one of them'],
    [['--prot', '3000'], {}, "unknown option '--prot'"],
    [['--port'], {}, "option '--port <value>' argument missing"],
    [['--memory=yes'], {}, "option '--memory' does not take an argument"],
    [['3000'], {}, "unexpected argument '3000'"],
  ])('refuses %j with %j: %s', (args, env, message) => {
    expect(refusal(args, env)).toBe(message);
  });

  it('the log level: --verbose or --log-level, else FILEPORT_LOG_LEVEL', () => {
    expect(parse(['--verbose']).logLevel).toBe('info');
    expect(parse(['--log-level', 'error'], { FILEPORT_LOG_LEVEL: 'info' }).logLevel).toBe('error');
    expect(parse([], { FILEPORT_LOG_LEVEL: 'INFO' }).logLevel).toBe('info');
  });

  it('--memory keeps no data folder; --data-dir is made absolute', () => {
    expect(parse(['--memory']).dataDir).toBeNull();
    expect(parse(['--data-dir', 'some/dir']).dataDir).toBe(resolve('some/dir'));
  });

  // `npm start --port 3000` runs the script without --port: npm keeps it as its own setting.
  it.each([
    [{ npm_config_port: 'true' }, 'npm kept --port for itself: put fileport\'s options after --, as in npm start -- --port N'],
    [{ npm_config_memory: 'true' }, "npm kept --memory for itself: put fileport's options after --, as in npm start -- --memory"],
    [{ npm_config_data_dir: 'x' }, "npm kept --data-dir for itself: put fileport's options after --, as in npm start -- --data-dir DIR"],
  ])('under npm start, says when npm kept an option (%j)', (npmEnv, message) => {
    expect(refusal(['3000'], { npm_lifecycle_event: 'start', ...npmEnv })).toBe(message);
  });

  it('npm settings of the same names outside npm start are not its business', () => {
    expect(parse([], { npm_config_port: 'true' }).port).toBe(3000);
  });
});
