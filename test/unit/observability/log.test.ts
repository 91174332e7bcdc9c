import { addLogContext, log, logContext, setLogLevel, withLogContext } from '../../../lambdas/log';

/** The JSON lines `work` writes, stdout and stderr together, in order. */
async function linesOf(work: () => unknown): Promise<Record<string, unknown>[]> {
  const written: string[] = [];
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (written.push(`stderr:${String(chunk)}`), true));
  try {
    await work();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return written.map((chunk) => {
    const stderr = chunk.startsWith('stderr:');
    return { ...(JSON.parse(stderr ? chunk.slice(7) : chunk) as Record<string, unknown>), ...(stderr && { stream: 'stderr' }) };
  });
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('the log context', () => {
  afterEach(() => {
    setLogLevel('info');
    delete process.env._X_AMZN_TRACE_ID;
  });

  it('adds its fields to every line written inside it, across awaits, and nothing outside it', async () => {
    const lines = await linesOf(async () => {
      await withLogContext({ requestId: 'r-1' }, async () => {
        log('info', 'first');
        await tick();
        addLogContext({ tenantId: 't1' });
        await tick();
        log('warn', 'second', { extra: 1 });
        log('error', 'third');
      });
      log('info', 'outside');
    });
    expect(lines).toEqual([
      { level: 'info', message: 'first', time: expect.any(String), requestId: 'r-1' },
      { level: 'warn', message: 'second', time: expect.any(String), requestId: 'r-1', tenantId: 't1', extra: 1 },
      { level: 'error', message: 'third', time: expect.any(String), requestId: 'r-1', tenantId: 't1', stream: 'stderr' },
      { level: 'info', message: 'outside', time: expect.any(String) },
    ]);
  });

  it('keeps concurrent invocations apart (the local stack runs every function in one process)', async () => {
    const lines = await linesOf(() =>
      Promise.all(
        ['a', 'b', 'c'].map((id) =>
          withLogContext({ requestId: id }, async () => {
            await tick();
            addLogContext({ tenantId: `tenant-${id}` });
            await tick();
            log('info', `done ${id}`);
          }),
        ),
      ),
    );
    expect(lines.map((l) => [l.message, l.requestId, l.tenantId]).sort()).toEqual([
      ['done a', 'a', 'tenant-a'],
      ['done b', 'b', 'tenant-b'],
      ['done c', 'c', 'tenant-c'],
    ]);
  });

  it('nests: an object processed within a message carries both, and the outer context is left as it was', async () => {
    await withLogContext({ messageId: 'm-1' }, async () => {
      await withLogContext({ key: 'content/x/1' }, async () => {
        addLogContext({ fileId: 'x' });
        expect(logContext()).toEqual({ messageId: 'm-1', key: 'content/x/1', fileId: 'x' });
      });
      expect(logContext()).toEqual({ messageId: 'm-1' });
    });
    expect(logContext()).toEqual({});
  });

  it('ignores addLogContext outside any context: nothing leaks into the next invocation', async () => {
    addLogContext({ tenantId: 'leak' });
    const lines = await linesOf(() => withLogContext({ requestId: 'r-2' }, async () => log('info', 'next')));
    expect(lines[0]).not.toHaveProperty('tenantId');
  });

  it('names the X-Ray trace when Lambda traces the invocation', async () => {
    process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const lines = await linesOf(() => log('info', 'traced'));
    expect(lines[0]).toMatchObject({ traceId: '1-5759e988-bd862e3fe1be46a994272793' });
  });

  it('drops lines below the threshold', async () => {
    setLogLevel('warn');
    const lines = await linesOf(() => {
      log('info', 'quiet');
      log('warn', 'loud');
    });
    expect(lines.map((l) => l.message)).toEqual(['loud']);
  });
});
