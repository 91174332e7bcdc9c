import { uploadedObjectsOf, uploadNotification } from '../../../lambdas/adapters/processing-messages';

const record = (eventName: string, key: string) => ({
  eventSource: 'aws:s3',
  eventName,
  eventTime: '2026-01-01T00:00:00.000Z',
  s3: { bucket: { name: 'b' }, object: { key, eTag: 'e1', sequencer: '0A' } },
});

describe('uploadedObjectsOf', () => {
  it('takes every kind of ObjectCreated (a PUT, a form POST, a copy, a completed multipart upload) and nothing else', () => {
    const body = JSON.stringify({
      Records: [
        record('ObjectCreated:Put', 'content/a/1'),
        record('ObjectCreated:Post', 'content/a/2'),
        record('ObjectCreated:Copy', 'content/a/3'),
        record('ObjectCreated:CompleteMultipartUpload', 'content/a/4'),
        record('ObjectRemoved:Delete', 'content/a/5'),
      ],
    });
    expect(uploadedObjectsOf(body).map((o) => o.key)).toEqual(['content/a/1', 'content/a/2', 'content/a/3', 'content/a/4']);
  });

  it('reads back what the reconciler re-drives', () => {
    const object = { key: 'content/0f8fad5bd9cb469fa16570867728950e/0123456789abcdef0123456789abcdef', eTag: 'e1', sequencer: '0A', eventTime: '2026-01-01T00:00:00.000Z' };
    expect(uploadedObjectsOf(uploadNotification(object, 'b'))).toEqual([object]);
  });
});
