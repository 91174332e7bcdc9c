import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { lambdaBundle, nativePackages } from '../../../lib/lambda-bundle';
import { entrypointFile, groupDeclarations, routeGroups } from '../../../lambdas/routes';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..', '..');

/** The source files (not packages) esbuild put in a group's bundle, built as the deployed function is. */
async function sourcesOf(entry: string): Promise<string[]> {
  const result = await build({ ...lambdaBundle, entryPoints: [join(ROOT, entry)], bundle: true, write: false, outdir: '/tmp/unused', external: [...nativePackages], metafile: true, logLevel: 'silent' });
  return Object.keys(result.metafile.inputs)
    .filter((path) => !path.includes('node_modules'))
    .map((path) => relative(ROOT, join(process.cwd(), path)));
}

const declarationFile = (group: string) => `lambdas/api/groups/${group}.ts`;

describe.each(groupDeclarations.map((declaration) => [declaration.group, declaration] as const))('the %s Lambda', (_group, declaration) => {
  let sources: string[];
  beforeAll(async () => {
    sources = await sourcesOf(entrypointFile(declaration.group));
  });

  it('bundles its own declaration and no other group’s (nor their handlers): it reads its declaration, not the route table', () => {
    const others = routeGroups.filter((group) => group !== declaration.group).map(declarationFile);
    expect(sources).toContain(declarationFile(declaration.group));
    expect(sources.filter((file) => others.includes(file) || file === 'lambdas/routes.ts')).toEqual([]);
  });

  it('leaves the answer schemas and the OpenAPI generator out: only the document reads them', () => {
    expect(sources.filter((file) => file === 'lambdas/api/responses.ts' || file.startsWith('scripts/'))).toEqual([]);
  });
});
