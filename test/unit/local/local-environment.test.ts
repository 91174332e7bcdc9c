import { readLocalEnvironment } from '../../../local/local-environment';

describe('FILEPORT_LOCAL_ALLOWED_HOSTS: the host names the local gateway answers besides its loopback ones', () => {
  it('none by default', () => {
    expect(readLocalEnvironment({}).allowedHosts).toEqual([]);
  });

  it('comma-separated host names, with or without a port, in lower case as Host compares', () => {
    expect(readLocalEnvironment({ FILEPORT_LOCAL_ALLOWED_HOSTS: ' fileport.test, Dev.Box:8080 ,[::1]:9000,,192.168.1.5:3000' }).allowedHosts).toEqual([
      'fileport.test',
      'dev.box:8080',
      '[::1]:9000',
      '192.168.1.5:3000',
    ]);
  });

  it.each(['http://fileport.test', 'fileport.test/api', '*.fileport.test', 'fileport.test:80', 'user@fileport.test', 'fileport.test:99999'])(
    'refuses %s, by name, and the stack does not start',
    (entry) => {
      expect(() => readLocalEnvironment({ FILEPORT_LOCAL_ALLOWED_HOSTS: `fileport.test,${entry}` })).toThrow(
        `FILEPORT_LOCAL_ALLOWED_HOSTS.1: ${JSON.stringify(entry.toLowerCase())} is not a host name`,
      );
    },
  );
});
