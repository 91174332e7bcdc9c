import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthFileport } from './fixtures';

/** The file-type catalogue at synth: checked (a bad one fails the synth), and named to every function. */
const dir = mkdtempSync(join(tmpdir(), 'fileport-cdk-catalogue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fileportFunctions = (template: ReturnType<typeof synthFileport>['template']) =>
  Object.values(template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>).filter(
    (r) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description ?? '').startsWith('Fileport'),
  );

const mp4 = { id: 'mp4', name: 'MP4 video', mimeTypes: ['video/mp4'], extensions: ['mp4'], processing: [], activeContent: false };
function catalogueFile(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

it('tells every function where its asset holds the catalogue, in one short variable', () => {
  const functions = fileportFunctions(synthFileport().template);
  expect(functions.length).toBeGreaterThanOrEqual(9);
  for (const fn of functions) expect(fn.Properties.Environment.Variables.FILEPORT_FILE_TYPES_FILE).toBe('file-types.json');
});

it('reads the catalogue fileport:fileTypesFile names', () => {
  const file = catalogueFile('mp4.json', { fileTypes: [mp4] });
  expect(synthFileport({ 'fileport:fileTypesFile': file }).stack.fileport.settings.fileTypes.map((t) => t.id)).toEqual(['mp4']);
  expect(synthFileport().stack.fileport.settings.fileTypes.map((t) => t.id)).toContain('binary');
});

it.each([
  ['an unknown processing flag', { fileTypes: [{ ...mp4, processing: ['transcode'] }] }, 'fileTypes[0] (id "mp4").processing[0]: unknown processing flag "transcode"'],
  ['a MIME type claimed twice', { fileTypes: [mp4, { ...mp4, id: 'video' }] }, 'MIME type "video/mp4" is claimed by both mp4 and video'],
  ['a duplicate id', { fileTypes: [mp4, { ...mp4, mimeTypes: ['video/x-m4v'] }] }, 'id "mp4" is claimed by both mp4 and mp4'],
  ['a file that is not JSON', '{"fileTypes": [', 'is not JSON'],
])('fails the synth on %s, naming the setting, the file, the type and the field', (name, content, message) => {
  const file = catalogueFile(`${name.replaceAll(' ', '-')}.json`, content);
  expect(() => synthFileport({ 'fileport:fileTypesFile': file })).toThrow(`Context fileport:fileTypesFile (${file}): `);
  expect(() => synthFileport({ 'fileport:fileTypesFile': file })).toThrow(message);
});

it('fails the synth on a catalogue file that is not there', () => {
  expect(() => synthFileport({ 'fileport:fileTypesFile': join(dir, 'missing.json') })).toThrow(/Context fileport:fileTypesFile .*Cannot read the file-type catalogue/);
});
