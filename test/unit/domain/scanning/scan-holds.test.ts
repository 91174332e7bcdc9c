import type { ScanStatus } from '../../../../lambdas/domain/events/model';
import { checkScanServes } from '../../../../lambdas/domain/scanning/scan-holds';

const file = { id: 'f1' };
const version = (status: ScanStatus | undefined) => ({ version: 2, ...(status && { scan: { status, completedAt: null } }) });
const outcome = (status: ScanStatus | undefined, hold: 'hold' | 'serve') => {
  try {
    checkScanServes(file, version(status), hold);
    return 'served';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('checkScanServes', () => {
  it.each([
    [undefined, 'hold', 'served'],
    ['skipped', 'hold', 'served'],
    ['clean', 'hold', 'served'],
    ['pending', 'hold', 'SCAN_PENDING'],
    ['failed', 'hold', 'SCAN_FAILED'],
    ['infected', 'hold', 'NOT_UPLOADED'],
    ['pending', 'serve', 'served'],
    ['failed', 'serve', 'served'],
    ['infected', 'serve', 'NOT_UPLOADED'],
  ] as const)('a version scanned %s, with scanHold %s: %s', (status, hold, expected) => {
    expect(outcome(status, hold)).toBe(expected);
  });

  it('says to retry while the scan is pending', () => {
    expect(() => checkScanServes(file, version('pending'), 'hold')).toThrow(expect.objectContaining({ status: 409, message: expect.stringMatching(/retry/) }));
  });
});
