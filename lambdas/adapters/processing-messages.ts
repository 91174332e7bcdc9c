import type { S3Event, S3EventRecord } from 'aws-lambda';
import type { ThumbnailJob, UploadedObject } from '../domain/ports';

/**
 * The bodies of the processing queues' messages. The metadata queue carries S3 event
 * notifications, one record each, and re-driven uploads in the same shape, so one parser reads both.
 */

/** S3 form-encodes keys in event notifications: `+` is a space. */
const decodeKey = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));
const encodeKey = (key: string) => new URLSearchParams([['', key]]).toString().slice(1).replace(/%2F/g, '/');

/** An object an S3 notification reports, with where it is (for the log lines of its processing). */
export interface NotifiedObject {
  object: UploadedObject;
  bucket: string;
  /** S3's version id of the object, in a bucket with versioning. */
  versionId?: string;
}

/** The objects created that an S3 notification reports; none for S3's test event. */
export function notifiedObjectsOf(body: string): NotifiedObject[] {
  const notification = JSON.parse(body) as Partial<S3Event> & { Event?: string };
  return (notification.Records ?? [])
    .filter((record) => record.eventName?.startsWith('ObjectCreated:'))
    .map((record) => ({
      object: {
        key: decodeKey(record.s3.object.key),
        eTag: record.s3.object.eTag ?? '',
        sequencer: record.s3.object.sequencer ?? '',
        eventTime: record.eventTime,
      },
      bucket: record.s3.bucket?.name ?? '',
      ...(record.s3.object.versionId && { versionId: record.s3.object.versionId }),
    }));
}

export const uploadedObjectsOf = (body: string): UploadedObject[] => notifiedObjectsOf(body).map((notified) => notified.object);

/**
 * The id that ties together every log line about one uploaded object's processing: its key and
 * S3's sequencer for that upload. The metadata step, the thumbnail job it queues, a re-drive and a
 * dead letter of the same bytes all carry the same one.
 */
export const objectCorrelationId = (key: string, sequencer: string): string => `${key}#${sequencer}`;

/** An upload as S3 would report it, for the reconciler to put back on the metadata queue. */
export function uploadNotification(object: UploadedObject, bucket: string): string {
  const record: Pick<S3EventRecord, 'eventSource' | 'eventName' | 'eventTime' | 'awsRegion'> & { s3: unknown } = {
    eventSource: 'aws:s3',
    eventName: 'ObjectCreated:Put',
    eventTime: object.eventTime,
    awsRegion: process.env.AWS_REGION ?? 'us-east-1',
    s3: { bucket: { name: bucket }, object: { key: encodeKey(object.key), eTag: object.eTag, sequencer: object.sequencer } },
  };
  return JSON.stringify({ Records: [record] });
}

export function thumbnailJobOf(body: string): ThumbnailJob {
  return JSON.parse(body) as ThumbnailJob;
}

/** A dead-lettered message of either queue: what it was meant to process. */
export function isThumbnailJob(body: string): boolean {
  const parsed = JSON.parse(body) as unknown;
  return typeof parsed === 'object' && parsed !== null && 'fileId' in parsed && !('Records' in parsed);
}
