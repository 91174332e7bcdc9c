import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { pageHtml } from '../../local/page/shell';
import { launchChromium, serveHtml } from './support/browser';
import { eventually, type Api } from './support/api';
import { makePdf, useStack } from './support/local-stack';

// A browser, a 50 MB upload and its processing: minutes on a loaded CI machine, not seconds.
jest.setTimeout(300_000);

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
const BIG_SIZE = 50 * 1024 * 1024;
const TENANT = 'browser';

interface Recorded {
  name: string;
  state: string;
  fileId?: string;
  error?: string;
  progress: { loaded: number; total: number }[];
}

// The page from another origin than the gateway's: the stack must allow it (CORS), so the origin
// is set before the stack starts; the HTML is only asked for once the stack's URL is known.
const env: Record<string, string> = {
  // A thumbnail job made to hang (below) is retried after this: the page meanwhile shows the original.
  FILEPORT_LOCAL_PROCESSOR_TIMEOUT_SECONDS: '6',
};
let otherOrigin: Awaited<ReturnType<typeof serveHtml>>;
let strangerOrigin: Awaited<ReturnType<typeof serveHtml>>;
beforeAll(async () => {
  otherOrigin = await serveHtml(() => pageHtml(`${stack().apiUrl}/app.js`));
  strangerOrigin = await serveHtml(() => pageHtml(`${stack().apiUrl}/app.js`));
  env.FILEPORT_LOCAL_CORS_ORIGINS = otherOrigin.origin;
});
const { stack, api: demoApi } = useStack(env);
/** The API as the page's user, in the page's tenant. */
let userApi: Api | undefined;
const api = () => userApi as Api;
beforeAll(async () => {
  userApi = demoApi().as(await demoApi().tokenFor(TENANT, ['files:read'], 'test-reader'));
});

let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
const thumbnailResponses: { url: string; contentType: string | undefined }[] = [];
/** Every URL the page loaded as an image. */
const imageRequests: string[] = [];
/** The images the page loaded from a file's content (its original, not a thumbnail). */
const pdfImageRequests = (fileId: string) => imageRequests.filter((url) => new URL(url).pathname.includes(`/content/${fileId}/`));
let workDir: string;
let png: Buffer;
let big: Buffer;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'fileport-browser-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } });
  page = await openPage(context, stack().apiUrl);
  page.on('request', (request) => {
    if (request.resourceType() === 'image') imageRequests.push(request.url());
  });
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.includes('/thumbnails/')) thumbnailResponses.push({ url: response.url(), contentType: response.headers()['content-type'] });
  });
  // Noise, so the PNG is a real image of some size (about 1.4 MB), not a few bytes of one colour.
  png = await sharp({ create: { width: 800, height: 600, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .png()
    .toBuffer();
  // Printable text: the txt type's content check accepts it (lambdas/inspect/sniff-type.ts).
  const alphabet = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789 \n');
  big = randomBytes(BIG_SIZE);
  for (let i = 0; i < big.length; i++) big[i] = alphabet[(big[i] as number) % alphabet.length] as number;
});

afterAll(async () => {
  await browser?.close();
  await otherOrigin?.stop();
  await strangerOrigin?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

afterEach(() => {
  // An uncaught error in the page fails the test it happened in.
  expect(pageErrors.splice(0)).toEqual([]);
});

async function openPage(ctx: BrowserContext, url: string): Promise<Page> {
  const opened = await ctx.newPage();
  opened.on('pageerror', (error) => pageErrors.push(`${url}: ${error.message}`));
  await opened.goto(url);
  return opened;
}

async function signIn(target: Page, user = 'browser-user'): Promise<void> {
  await target.getByTestId('tenant').fill(TENANT);
  await target.getByTestId('user').fill(user);
  await target.getByTestId('sign-in-submit').click();
  await target.getByTestId('signed-in-as').waitFor();
}

/** The page's record of one upload once it has finished, successfully or not. */
async function uploaded(target: Page, name: string, timeout = 120_000): Promise<Recorded> {
  const handle = await target.waitForFunction((n) => window.fileportPage.uploads.find((u) => u.name === n && u.state !== 'uploading'), name, { timeout, polling: 200 });
  return (await handle.jsonValue()) as Recorded;
}

/** Done, or the error the page recorded (shown in the failure). */
const expectDone = (upload: Recorded) => expect({ state: upload.state, error: upload.error }).toEqual({ state: 'done', error: undefined });

function expectProgressToTotal(progress: Recorded['progress'], size: number): void {
  expect(progress.length).toBeGreaterThan(0);
  for (const [i, event] of progress.entries()) {
    expect(event.total).toBe(size);
    expect(event.loaded).toBeLessThanOrEqual(size);
    if (i > 0) expect(event.loaded).toBeGreaterThanOrEqual((progress[i - 1] as { loaded: number }).loaded);
  }
  expect(progress.at(-1)).toEqual({ loaded: size, total: size });
}

const rowSelector = (name: string) => `tr[data-testid="file-row"][data-name="${name}"]`;
const row = (target: Page, name: string) => target.locator(rowSelector(name));

/** Waits for an <img> to have loaded a picture (a broken one has no natural width). */
async function imageLoaded(target: Page, selector: string): Promise<void> {
  await target.waitForFunction(
    (sel) => {
      const img = document.querySelector<HTMLImageElement>(sel);
      return img !== null && img.complete && img.naturalWidth > 0;
    },
    selector,
    { timeout: 90_000, polling: 100 },
  );
}

async function downloadThroughPage(target: Page, name: string): Promise<{ bytes: Buffer; suggested: string }> {
  const [download] = await Promise.all([target.waitForEvent('download', { timeout: 120_000 }), row(target, name).getByTestId('download').click()]);
  const path = join(workDir, `${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(path);
  return { bytes: readFileSync(path), suggested: download.suggestedFilename() };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('the browser upload page', () => {
  it('signs in with a dev token, kept in sessionStorage across a reload', async () => {
    await signIn(page);
    const saved = JSON.parse((await page.evaluate(() => sessionStorage.getItem('fileport.session'))) ?? '{}');
    expect(saved).toMatchObject({ tenantId: TENANT, sub: 'browser-user', scopes: ['files:read', 'files:write', 'files:overwrite'] });
    expect(saved.token).toMatch(/^ey/);
    await page.reload();
    await page.getByTestId('signed-in-as').waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toBe(`browser-user @ ${TENANT}`);
    await page.getByText('No files yet').waitFor();
  });

  it('uploads a PNG straight to S3 with progress, shows the original until its thumbnail is ready, then the small WebP', async () => {
    // The first thumbnail job hangs until the processor's timeout (6 s): the file stays processing,
    // with its size measured but no thumbnail, for that long.
    const faults = await fetch(`${stack().apiUrl}/_dev/faults`, { method: 'PUT', body: JSON.stringify({ rules: [{ processor: 'thumbnails', fault: 'timeout', times: 1 }] }) });
    expect(faults.status).toBe(200);

    await page.getByTestId('file-input').setInputFiles({ name: 'noise.png', mimeType: 'image/png', buffer: png });
    const upload = await uploaded(page, 'noise.png');
    expectDone(upload);
    expectProgressToTotal(upload.progress, png.length);
    const bar = page.locator('[data-testid="upload"][data-name="noise.png"] progress');
    expect(await bar.evaluate((p: HTMLProgressElement) => [p.value, p.max])).toEqual([png.length, png.length]);

    // The size is what processing measured, written before the thumbnail job starts.
    const file = await eventually(async () => (await api().call('GET', `/v1/files/${upload.fileId}`)).body, (f) => f.size !== null);
    expect(file).toMatchObject({ name: 'noise.png', fileTypeId: 'png', size: png.length, createdBy: 'browser-user' });

    // While the thumbnail is not ready (409 THUMBNAIL_NOT_READY) the original image stands in.
    await imageLoaded(page, `${rowSelector('noise.png')} img[data-kind="original"]`);
    const original = row(page, 'noise.png').locator('img[data-kind="original"]');
    expect(await original.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([800, 600]);
    expect(new URL((await original.getAttribute('src')) as string).pathname).toContain('/content/');

    await imageLoaded(page, `${rowSelector('noise.png')} img[data-kind="thumbnail"]`);
    const thumbnail = row(page, 'noise.png').locator('img[data-kind="thumbnail"]');
    const small = (await api().call('GET', `/v1/files/${upload.fileId}`)).body.thumbnails.find((t: { size: string }) => t.size === 'small');
    expect(await thumbnail.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([small.width, small.height]);
    const src = (await thumbnail.getAttribute('src')) as string;
    expect(new URL(src).pathname).toMatch(/\/thumbnails\//);
    expect(thumbnailResponses.find((r) => r.url === src)?.contentType).toBe('image/webp');
    expect(await thumbnail.getAttribute('alt')).toBe('Thumbnail of noise.png');
    // The thumbnail may have loaded into a row drawn while processing; the next refresh shows it ready.
    await page.locator(`${rowSelector('noise.png')}[data-status="ready"]`).waitFor();
  });

  it('shows a PDF as its icon until its first page is rendered, then that page as its thumbnail', async () => {
    const pdf = Buffer.from(await makePdf(3));
    await page.getByTestId('file-input').setInputFiles({ name: 'pages.pdf', mimeType: 'application/pdf', buffer: pdf });
    const upload = await uploaded(page, 'pages.pdf');
    expectDone(upload);
    await page.locator(`${rowSelector('pages.pdf')}[data-status="ready"]`).waitFor();
    await imageLoaded(page, `${rowSelector('pages.pdf')} img[data-kind="thumbnail"]`);
    const thumbnail = row(page, 'pages.pdf').locator('img[data-kind="thumbnail"]');
    const file = (await api().call('GET', `/v1/files/${upload.fileId}`)).body;
    expect(file).toMatchObject({ status: 'ready', pageCount: 3 });
    const small = file.thumbnails.find((t: { size: string }) => t.size === 'small');
    expect(await thumbnail.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([small.width, small.height]);
    expect(new URL((await thumbnail.getAttribute('src')) as string).pathname).toMatch(/\/thumbnails\//);
    // Never the PDF itself in an <img>: no original stood in while it was processing.
    expect(pdfImageRequests(upload.fileId as string)).toEqual([]);
  });

  it('uploads a 50 MB file in parts, with many monotonic progress events ending at its size', async () => {
    const path = join(workDir, 'big.txt');
    writeFileSync(path, big);
    // At loopback speed a part goes between two of Chrome's progress events (about 50 ms apart);
    // throttled to 20 MB/s, as on a good real uplink, the page gets a bar that moves.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 20 * 1024 * 1024 });
    const started = Date.now();
    await page.getByTestId('file-input').setInputFiles(path);
    const upload = await uploaded(page, 'big.txt', 240_000).finally(async () => {
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
    });
    console.log(`browser: 50 MB uploaded in ${Date.now() - started} ms with ${upload.progress.length} progress events`);
    expectDone(upload);
    // More events than parts: the bar moves while each part is on its way, not once per part.
    expect(upload.progress.length).toBeGreaterThan(Math.ceil(BIG_SIZE / (8 * 1024 * 1024)) + 1);
    expectProgressToTotal(upload.progress, BIG_SIZE);

    await page.locator('tr[data-testid="file-row"][data-name="big.txt"][data-status="ready"]').waitFor({ timeout: 120_000 });
    const file = (await api().call('GET', `/v1/files/${upload.fileId}`)).body;
    expect(file).toMatchObject({ status: 'ready', size: BIG_SIZE, fileTypeId: 'txt' });
    // No thumbnail for text: the extension stands in.
    expect(await row(page, 'big.txt').locator('[data-kind="icon"]').textContent()).toBe('txt');
  });

  it('downloads through the SDK and saves the same bytes under the file name', async () => {
    const image = await downloadThroughPage(page, 'noise.png');
    expect(image.suggested).toBe('noise.png');
    expect(image.bytes.equals(png)).toBe(true);

    const text = await downloadThroughPage(page, 'big.txt');
    expect(text.suggested).toBe('big.txt');
    expect(text.bytes.length).toBe(BIG_SIZE);
    expect(sha256(text.bytes)).toBe(sha256(big));
    const record = await page.evaluate(() => window.fileportPage.downloads.find((d) => d.name === 'big.txt'));
    expect(record?.error).toBeUndefined();

    await page.screenshot({ path: join(ARTIFACTS, 'browser.png'), fullPage: true });
  });

  it('works from another origin allowed by the CORS settings: sign-in, list, upload by drag and drop, download', async () => {
    const other = await openPage(context, otherOrigin.origin);
    await signIn(other, 'browser-user');
    await row(other, 'noise.png').waitFor();
    const note = Buffer.from('uploaded from another origin\n');
    // A file dragged onto the drop zone: the events a browser sends, carrying a real File.
    const dataTransfer = await other.evaluateHandle((text) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], 'note.txt', { type: 'text/plain' }));
      return transfer;
    }, note.toString());
    const zone = other.getByTestId('drop-zone');
    await zone.dispatchEvent('dragover', { dataTransfer });
    expect(await zone.evaluate((element) => element.classList.contains('over'))).toBe(true);
    await zone.dispatchEvent('drop', { dataTransfer });
    expect(await zone.evaluate((element) => element.classList.contains('over'))).toBe(false);
    const upload = await uploaded(other, 'note.txt');
    expectDone(upload);
    expectProgressToTotal(upload.progress, note.length);
    await other.locator('tr[data-testid="file-row"][data-name="note.txt"][data-status="ready"]').waitFor({ timeout: 60_000 });
    expect((await downloadThroughPage(other, 'note.txt')).bytes.equals(note)).toBe(true);
    await other.close();
  });

  it('cannot sign in from an origin the CORS settings do not name', async () => {
    const stranger = await openPage(context, strangerOrigin.origin);
    // The module script itself is refused cross-origin without CORS: the page stays empty.
    await stranger.waitForLoadState('load');
    expect(await stranger.getByTestId('sign-in').count()).toBe(0);
    await stranger.close();
  });
});
