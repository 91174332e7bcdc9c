import { indexEntries, planList, tenantPartition } from '../../../lambdas/adapters/list-plan';
import { compactKey, KEY_LIMITS } from '../../../lambdas/adapters/table-schema';
import type { FileRecord } from '../../../lambdas/domain/model';

const bytes = (text: string) => Buffer.byteLength(text);
const CJK = '漢'.repeat(128);

describe('keys of any valid text fit DynamoDB', () => {
  it('keeps a key that fits exactly as the URI encoding it always was', () => {
    expect(compactKey(100, [{ label: 'T' }, { value: 'acme corp' }, { label: 'TAG' }, { value: 'a#b' }])).toBe('T#acme%20corp#TAG#a%23b');
    // Keys written before the rule (they fitted) stay the same, so their index entries are still found.
    expect(planList('acme', { filter: { kind: 'tag', tag: '請求書' } }).partition).toBe(`T#acme#TAG#${encodeURIComponent('請求書')}`);
  });

  it('replaces long values by their digest when the plain key would not fit, deterministically', () => {
    const key = compactKey(KEY_LIMITS.sortKeyBytes - 4, [{ label: 'T' }, { value: 'acme' }, { label: 'LINK' }, { value: CJK }, { value: CJK }]);
    expect(key).toMatch(/^T#acme#LINK#sha256:[\w-]{43}#sha256:[\w-]{43}$/);
    expect(compactKey(KEY_LIMITS.sortKeyBytes - 4, [{ label: 'T' }, { value: 'acme' }, { label: 'LINK' }, { value: CJK }, { value: CJK }])).toBe(key);
    expect(compactKey(KEY_LIMITS.sortKeyBytes - 4, [{ label: 'T' }, { value: 'acme' }, { label: 'LINK' }, { value: CJK }, { value: `${CJK.slice(1)}字` }])).not.toBe(key);
  });

  it('gives every index item of a file with the longest tenant, user, tags, links and external id keys within the limits', () => {
    const longest = '漢'.repeat(128);
    const file = {
      id: '00000000-0000-4000-8000-000000000000',
      tenantId: '漢'.repeat(256),
      createdBy: '字'.repeat(256),
      createdAt: '2026-12-04T00:00:00.000Z',
      name: '漢'.repeat(255),
      fileTypeId: 'pdf',
      status: 'ready',
      tags: [longest, '𝄞'.repeat(128)],
      links: [{ type: longest, id: longest }],
      externalId: longest,
    } as unknown as FileRecord;
    const entries = indexEntries(file);
    expect(entries.length).toBe(8);
    for (const { partition, sortKey } of entries) {
      expect(bytes(`IDX#${partition}`)).toBeLessThanOrEqual(KEY_LIMITS.sortKeyBytes);
      expect(bytes(sortKey)).toBeLessThanOrEqual(KEY_LIMITS.sortKeyBytes);
    }
    expect(bytes(tenantPartition(file.tenantId))).toBeLessThanOrEqual(KEY_LIMITS.partitionKeyBytes);
  });

  it('encodes a lone surrogate of a record stored before text had to be well-formed instead of throwing', () => {
    expect(planList('acme', { filter: { kind: 'tag', tag: 'bad\ud800' } }).partition).toBe('T#acme#TAG#bad%EF%BF%BD');
  });
});
