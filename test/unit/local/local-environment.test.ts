import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

describe('FILEPORT_FILE_TYPES_FILE: the file-type catalogue the functions read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fileport-local-catalogue-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the repository catalogue by default, as an absolute path the functions are given', () => {
    const settings = readLocalEnvironment({});
    expect(settings.fileTypesFile).toBe(join(__dirname, '..', '..', '..', 'config', 'file-types.json'));
    expect(settings.serviceEnv.FILEPORT_FILE_TYPES_FILE).toBe(settings.fileTypesFile);
  });

  it('stops the start on a bad catalogue, naming the file, the type and the field', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ fileTypes: [{ id: 'mp4', name: 'MP4', mimeTypes: ['video/mp4'], extensions: ['mp4'], processing: ['transcode'], activeContent: false }] }));
    expect(() => readLocalEnvironment({ FILEPORT_FILE_TYPES_FILE: file })).toThrow(
      `Invalid local stack settings: FILEPORT_FILE_TYPES_FILE: Invalid file-type catalogue ${file}: fileTypes[0] (id "mp4").processing[0]: unknown processing flag "transcode"`,
    );
    expect(() => readLocalEnvironment({ FILEPORT_FILE_TYPES_FILE: join(dir, 'missing.json') })).toThrow('Cannot read the file-type catalogue');
  });
});
