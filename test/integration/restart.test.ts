import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Api, eventually } from './support/api';
import { makePdf, startStack, type RunningStack } from './support/local-stack';

jest.setTimeout(180_000);

const png = (seed: number) => sharp({ create: { width: 80 + seed, height: 60, channels: 3, background: { r: seed * 20, g: 100, b: 200 } } }).png().toBuffer();
const statusOf = async (api: Api, id: string) => (await api.call('GET', `/v1/files/${id}`)).body.status as string;

describe('a stack that crashes while files are processing', () => {
  let dataDir: string;
  let stack: RunningStack | undefined;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'fileport-restart-'));
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes every file after it starts again on the same data folder: none stays processing', async () => {
    // First run: thumbnail work hangs, so the images stay `processing` until the crash.
    stack = await startStack({ FILEPORT_FAULTS: JSON.stringify([{ processor: 'thumbnails', fault: 'timeout' }]), FILEPORT_LOCAL_PROCESSOR_TIMEOUT_SECONDS: '600' }, dataDir);
    let api = new Api(stack.apiUrl, stack.token);
    const images: string[] = [];
    const pdfs: [id: string, pages: number][] = [];
    for (let i = 0; i < 4; i++) images.push(await api.upload({ name: `photo-${i}.png`, fileTypeId: 'png' }, await png(i)));
    for (let pages = 1; pages <= 4; pages++) pdfs.push([await api.upload({ name: `doc-${pages}.pdf`, fileTypeId: 'pdf' }, await makePdf(pages)), pages]);
    for (const id of images) expect(await eventually(() => statusOf(api, id), (s) => s === 'processing')).toBe('processing');
    // Uploads whose events are queued, or being processed, at the moment of the crash.
    for (let pages = 5; pages <= 10; pages++) pdfs.push([await api.upload({ name: `late-${pages}.pdf`, fileTypeId: 'pdf' }, await makePdf(pages)), pages]);
    await stack.kill();

    stack = await startStack({}, dataDir);
    api = new Api(stack.apiUrl, stack.token);
    for (const id of images) {
      const file = await api.settled(id);
      expect(file).toMatchObject({ status: 'ready', error: null });
      expect(file.thumbnails).toHaveLength(2);
    }
    for (const [id, pageCount] of pdfs) expect(await api.settled(id)).toMatchObject({ status: 'ready', pageCount });
  });
});

describe('the reconciler', () => {
  let stack: RunningStack | undefined;
  afterAll(() => stack?.stop());

  it('re-drives a file whose processing message was lost, and fails one that never finishes', async () => {
    stack = await startStack({
      FILEPORT_PROCESSING_STUCK_AFTER_SECONDS: '1',
      FILEPORT_PROCESSING_GIVE_UP_AFTER_SECONDS: '20',
      FILEPORT_LOCAL_RECONCILE_INTERVAL_SECONDS: '0.5',
    });
    const api = new Api(stack.apiUrl, stack.token);
    const lostOnce = await api.create({ name: 'lost-once.png', fileTypeId: 'png' });
    const lostAlways = await api.create({ name: 'lost-always.png', fileTypeId: 'png' });
    const rules = [
      { processor: 'thumbnails', fault: 'drop', times: 1, fileIds: [lostOnce] },
      { processor: 'thumbnails', fault: 'drop', fileIds: [lostAlways] },
    ];
    expect((await api.call('PUT', '/_dev/faults', { token: null, body: { rules } })).status).toBe(200);
    await api.uploadTo(lostOnce, await png(1));
    await api.uploadTo(lostAlways, await png(2));

    const recovered = await api.settled(lostOnce);
    expect(recovered).toMatchObject({ status: 'ready', error: null });
    expect(recovered.thumbnails).toHaveLength(2);
    expect(await eventually(() => statusOf(api, lostAlways), (s) => s !== 'processing')).toBe('failed');
    expect((await api.call('GET', `/v1/files/${lostAlways}`)).body.error.code).toBe('PROCESSING_STUCK');
    // The file is failed mid-run; the run's report (what the stats count) comes when the run ends.
    const reconcilerStats = async () => (await api.call('GET', '/_dev/queues', { token: null })).body.reconciler as { redriven: number; gaveUp: number };
    const reconciler = await eventually(reconcilerStats, (stats) => stats.gaveUp > 0);
    expect(reconciler.redriven).toBeGreaterThanOrEqual(2);
    expect(reconciler.gaveUp).toBe(1);
  });
});
