import { Stops } from '../../../local/stops';

describe('Stops (what the local stack started, stopped in reverse)', () => {
  const recording = () => {
    const stopped: string[] = [];
    const stop = (name: string, fail = false) => async () => {
      stopped.push(name);
      if (fail) throw new Error(`${name} fails to stop`);
    };
    return { stopped, stop };
  };

  it('stops the last started first, goes on past one that fails, and stops each once', async () => {
    const { stopped, stop } = recording();
    const stops = new Stops();
    stops.add(stop('emulators'));
    stops.add(stop('reconciler', true));
    stops.add(stop('gateway'));
    await stops.stopAll();
    expect(stopped).toEqual(['gateway', 'reconciler', 'emulators']);
    await stops.stopAll();
    expect(stopped).toEqual(['gateway', 'reconciler', 'emulators']);
  });

  it('undoes a start that fails: what it had started is stopped, and the error goes on', async () => {
    const { stopped, stop } = recording();
    const stops = new Stops();
    const failure = new Error('port taken');
    await expect(
      stops.undoing(async () => {
        stops.add(stop('s3'));
        stops.add(stop('dynamodb'));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(stopped).toEqual(['dynamodb', 's3']);
  });

  it('leaves what a start that succeeds started running', async () => {
    const { stopped, stop } = recording();
    const stops = new Stops();
    expect(
      await stops.undoing(async () => {
        stops.add(stop('s3'));
        return 'started';
      }),
    ).toBe('started');
    expect(stopped).toEqual([]);
  });
});
