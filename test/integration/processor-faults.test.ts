import sharp from 'sharp';
import { Api, eventually } from './support/api';
import { makePdf, startStack, type RunningStack } from './support/local-stack';

jest.setTimeout(120_000);

/**
 * Processors that fail, by configuration: the local stack's fault injection (FILEPORT_FAULTS,
 * /_dev/faults) makes a processor throw, time out or lose a message for chosen files, while the
 * queues retry, time out and dead-letter exactly as deployed (5 deliveries; here a 5 s timeout, which the real runs must also meet, cold JIT included).
 */
let stack: RunningStack;
let api: Api;
beforeAll(async () => {
  stack = await startStack({ FILEPORT_LOCAL_PROCESSOR_TIMEOUT_SECONDS: '5' });
  api = new Api(stack.apiUrl, stack.token);
});
afterAll(() => stack?.stop());

const png = () => sharp({ create: { width: 64, height: 48, channels: 3, background: '#c40' } }).png().toBuffer();

async function setFaults(rules: unknown[]) {
  const response = await api.call('PUT', '/_dev/faults', { token: null, body: { rules } });
  expect(response.status).toBe(200);
}

/** Creates a file, applies `rules` to it, uploads its content and waits until it settles. */
async function processWithFaults(input: { name: string; fileTypeId: string }, bytes: Uint8Array, rules: object[]) {
  const id = await api.create(input);
  await setFaults(rules.map((rule) => ({ ...rule, fileIds: [id] })));
  await api.uploadTo(id, bytes);
  return api.settled(id);
}

const queues = async () => (await api.call('GET', '/_dev/queues', { token: null })).body;

describe('processor faults', () => {
  it('a metadata processor that throws on the first two deliveries: the file still ends ready', async () => {
    const file = await processWithFaults({ name: 'a.pdf', fileTypeId: 'pdf' }, await makePdf(3), [{ processor: 'metadata', fault: 'throw', times: 2 }]);
    expect(file).toMatchObject({ status: 'ready', pageCount: 3, error: null });
  });

  it('a thumbnail processor that times out twice: the file still ends ready, with thumbnails', async () => {
    const file = await processWithFaults({ name: 'a.png', fileTypeId: 'png' }, await png(), [{ processor: 'thumbnails', fault: 'timeout', times: 2 }]);
    expect(file).toMatchObject({ status: 'ready', error: null });
    expect(file.thumbnails).toHaveLength(2);
  });

  it('a poison upload: dead-lettered after five deliveries, and the file shows failed', async () => {
    const file = await processWithFaults({ name: 'poison.pdf', fileTypeId: 'pdf' }, await makePdf(1), [{ processor: 'metadata', fault: 'throw' }]);
    expect(file).toMatchObject({ status: 'failed', error: { code: 'PROCESSING_FAILED' } });
  });

  it('a poison thumbnail job: dead-lettered, and the file shows failed', async () => {
    const file = await processWithFaults({ name: 'poison.png', fileTypeId: 'png' }, await png(), [{ processor: 'thumbnails', fault: 'throw' }]);
    expect(file).toMatchObject({ status: 'failed', error: { code: 'PROCESSING_FAILED' } });
  });

  it('a poison preview job: dead-lettered, and the PDF stays ready, with its page count, no thumbnails and why', async () => {
    const file = await processWithFaults({ name: 'poison-preview.pdf', fileTypeId: 'pdf' }, await makePdf(2), [{ processor: 'thumbnails', fault: 'throw' }]);
    expect(file).toMatchObject({ status: 'ready', error: null, pageCount: 2, thumbnails: [], unavailable: { thumbnails: { code: 'PROCESSING_FAILED' } } });
  });

  it('the processors keep serving the next file', async () => {
    await setFaults([]);
    expect(await api.settled(await api.upload({ name: 'next.pdf', fileTypeId: 'pdf' }, await makePdf(2)))).toMatchObject({ status: 'ready', pageCount: 2 });
    expect(await api.settled(await api.upload({ name: 'next.png', fileTypeId: 'png' }, await png()))).toMatchObject({ status: 'ready' });
  });

  it('loses no event: every one S3 sent ended processed or dead-lettered, each failure counted', async () => {
    const counts = await eventually(queues, (q) => q.metadata.pending + q.thumbnails.pending + q.deadLetters.pending === 0);
    const events = (await api.call('GET', '/_dev/s3-events', { token: null })).body.items;
    // Seven uploads: three images and, of the four PDFs, the three the metadata step finished, whose
    // first page is their preview: six thumbnail jobs, two of them poison.
    expect(events).toHaveLength(7);
    expect(counts.metadata).toMatchObject({ sent: 7, succeeded: 6, deadLettered: 1, failedDeliveries: 2 + 5, timedOut: 0, pending: 0 });
    expect(counts.thumbnails).toMatchObject({ sent: 6, succeeded: 4, deadLettered: 2, failedDeliveries: 2 + 5 + 5, timedOut: 2, pending: 0 });
    expect(counts.deadLetters).toMatchObject({ sent: 3, succeeded: 3, deadLettered: 0, pending: 0 });
  });

  it('refuses fault rules it does not understand, in the error format', async () => {
    const response = await api.call('PUT', '/_dev/faults', { token: null, body: { rules: [{ processor: 'metadata', fault: 'explode' }] } });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_ERROR');
  });
});
