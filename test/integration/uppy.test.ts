import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, serveHtml } from './support/browser';
import { eventually, type Api } from './support/api';
import { useStack } from './support/local-stack';
import type { Harness } from './uppy-page/page';

// Two majors of Uppy, each through a 100 MiB multipart upload and its processing.
jest.setTimeout(120_000);

const MiB = 1024 ** 2;
/** Uppy's own default threshold (both majors): multipart for files over 100 MiB. */
const MULTIPART = 100 * MiB + 1;
const TENANT = 'uppy';

/** The page of one major, bundled with esbuild: Uppy 5 from its own package (test/integration/uppy5), Uppy 6 from the root's. */
async function bundle(entry: string): Promise<string> {
  const result = await build({ entryPoints: [join(__dirname, entry)], bundle: true, format: 'iife', platform: 'browser', target: 'es2022', write: false, logLevel: 'warning' });
  return result.outputFiles[0]!.text;
}

const pages: Record<5 | 6, { script: string; server?: Awaited<ReturnType<typeof serveHtml>> }> = { 5: { script: '' }, 6: { script: '' } };
const env: Record<string, string> = {};
beforeAll(async () => {
  [pages[5].script, pages[6].script] = await Promise.all([bundle('uppy5/page.ts'), bundle('uppy-page/uppy6.ts')]);
  for (const major of [5, 6] as const) {
    // `</script` cannot occur in the bundle's text inside the page: escaped where a string has it.
    pages[major].server = await serveHtml(() => `<!doctype html><meta charset="utf-8"><script>${pages[major].script.replaceAll('</script', '<\\/script')}</script>`);
  }
  env.FILEPORT_LOCAL_CORS_ORIGINS = [pages[5].server!.origin, pages[6].server!.origin].join(',');
});
const { stack, api: demoApi } = useStack(env);
let api: Api;
let token: string;
let browser: Browser;
beforeAll(async () => {
  token = await demoApi().tokenFor(TENANT, ['files:read', 'files:write'], 'uppy-user');
  api = demoApi().as(token);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await Promise.all([pages[5].server?.stop(), pages[6].server?.stop()]);
});

const harness = <T>(page: Page, run: (h: Harness, ...args: never[]) => Promise<T> | T, ...args: unknown[]): Promise<T> =>
  page.evaluate(
    ([source, values]) => {
      const h = (window as unknown as { harness: Harness }).harness;
      return new Function('h', 'args', `return (${source})(h, ...args)`)(h, values);
    },
    [run.toString(), args] as const,
  ) as Promise<T>;

describe.each((process.env.UPPY_MAJORS ?? '5,6').split(',').map(Number) as (5 | 6)[])('Uppy %i with @uppy/aws-s3 in its default settings, against Fileport', (major) => {
  let page: Page;
  const pageErrors: string[] = [];
  /** Part PUTs to S3, by upload id: the part numbers S3 accepted, and every one sent. */
  const parts: { finished: number[]; sent: number[] } = { finished: [], sent: [] };
  beforeAll(async () => {
    const context = await browser.newContext();
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    if (process.env.UPPY_DEBUG) page.on('console', (m) => console.log(`[page ${major}] ${m.text()}`.slice(0, 300)));
    page.on('request', (request) => {
      const partNumber = new URL(request.url()).searchParams.get('partNumber');
      if (request.method() === 'PUT' && partNumber) parts.sent.push(Number(partNumber));
    });
    page.on('requestfinished', async (request) => {
      const partNumber = new URL(request.url()).searchParams.get('partNumber');
      if (request.method() === 'PUT' && partNumber && (await request.response())?.status() === 200) parts.finished.push(Number(partNumber));
    });
    await page.goto(`${pages[major].server!.origin}/#${new URLSearchParams({ api: stack().apiUrl, token, ...(process.env.UPPY_DEBUG ? { debug: '1' } : {}) })}`);
    await page.waitForFunction(() => 'harness' in window);
  });
  afterAll(() => page?.context().close());

  it('uploads a small file with one PUT: it ends ready', async () => {
    const id = await harness(page, (h, name: string, size: number) => h.upload(name, size), `small-${major}.zip`, 200_000);
    expect(await api.settled(id)).toMatchObject({ status: 'ready', size: 200_000, name: `small-${major}.zip` });
    expect(parts.sent).toEqual([]);
  });

  it('cancels a multipart upload: the Fileport file is deleted, not left pending', async () => {
    const id = await harness(page, (h, name: string, size: number) => h.startUpload(name, size, 1), `cancelled-${major}.zip`, MULTIPART);
    expect((await api.call('GET', `/v1/files/${id}`)).status).toBe(200);
    await harness(page, (h, name: string) => h.cancel(name), `cancelled-${major}.zip`);
    const gone = await eventually(() => api.call('GET', `/v1/files/${id}`), (r) => r.status === 404, 20_000);
    expect(gone.status).toBe(404);
  });

  it('resumes a multipart upload after a page reload (Golden Retriever), sending none of the parts S3 already has: it ends ready', async () => {
    parts.finished.length = 0;
    parts.sent.length = 0;
    // The reload comes while parts are still to go: once 3 parts are in, the parts not yet sent are
    // held (never answered) until the page goes away, as a slow network would. Left to run, the
    // upload could finish while Golden Retriever stores the bytes, and there would be nothing to resume.
    let hold = false;
    const isPart = (url: URL) => url.searchParams.has('partNumber') && url.searchParams.has('uploadId');
    await page.route(isPart, (route) => (hold && route.request().method() === 'PUT' ? undefined : route.continue()));
    const id = await harness(page, (h, name: string, size: number) => h.startUpload(name, size, 3), `resumed-${major}.zip`, MULTIPART);
    hold = true;
    await page.waitForFunction(() => (window as unknown as { harness: Harness }).harness.blobsStored());
    await page.reload();
    await page.unroute(isPart);
    await page.waitForFunction(() => 'harness' in window);
    // Parts S3 answered before the reload; others may have reached S3 as the page went away.
    const before = [...new Set(parts.finished)];
    const sentBefore = [...parts.sent];
    parts.sent.length = 0;
    expect(await harness(page, (h) => h.restored())).toBeGreaterThan(0);
    expect(await harness(page, (h, name: string) => h.resume(name), `resumed-${major}.zip`)).toBe(id);
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(parts.sent.filter((n) => before.includes(n))).toEqual([]);
    expect([...new Set([...sentBefore, ...parts.sent])].sort((a, b) => a - b)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(new Set(parts.sent).size).toBeLessThanOrEqual(21 - before.length);
    expect(await api.settled(id, 120_000)).toMatchObject({ status: 'ready', size: MULTIPART });
    expect(pageErrors).toEqual([]);
  });
});
