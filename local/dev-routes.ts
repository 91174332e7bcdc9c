import type { S3EventRecord } from 'aws-lambda';
import { EVENT_SOURCE } from '../lambdas/domain/events/model';
import type { EmulatedProcessing } from './aws-services';
import type { LocalIssuer } from './dev-auth';
import { faultRules, type Faults } from './faults';
import { devError, devJson, type DevRoute } from './gateway';
import { lambdaNames, type LambdaCode, type LambdaName, type LoadedLambda } from './lambda-code';
import type { ReconcilerStats } from './processing';
import type { StreamReaderStats } from './dynamodb-stream';

/** Which file each function was loaded from, as `GET /_dev/lambdas` reports it. */
export interface LoadedCode {
  code: LambdaCode['code'];
  assembly: string | null;
  functions: Record<LambdaName, string>;
}

export function loadedCode(code: LambdaCode, loaded: Record<LambdaName, LoadedLambda>): LoadedCode {
  return {
    code: code.code,
    assembly: code.assembly ?? null,
    functions: Object.fromEntries(lambdaNames.map((name) => [name, loaded[name].file])) as Record<LambdaName, string>,
  };
}

/** The emulators' processing, with what the stack adds to it: the faults it injects, the reconciler's counts. */
export interface ProcessingHandles extends EmulatedProcessing {
  faults: Faults;
  reconcilerStats(): ReconcilerStats;
  streamStats(): StreamReaderStats | null;
}

/**
 * What the local stack serves besides the API, under /_dev: its issuer's keys and the code it runs,
 * and, on the emulators, a view of its processing and a hand on it.
 */
export async function devRoutes(options: {
  auth: LocalIssuer;
  loaded: LoadedCode;
  processing: ProcessingHandles | undefined;
}): Promise<Record<string, DevRoute>> {
  // What a deployed issuer publishes: anything that verifies the local tokens itself (the bench's floor) reads it here.
  const jwks = { keys: [await options.auth.publicJwk()] };
  return {
    ...(options.processing && processingRoutes(options.processing)),
    '/_dev/jwks.json': ({ method }) => (method === 'GET' ? { status: 200, body: jwks } : undefined),
    // Which code answers: the tests of bundle mode check that it is the assembly's.
    '/_dev/lambdas': ({ method }) => (method === 'GET' ? { status: 200, body: options.loaded } : undefined),
  };
}

function processingRoutes({ queues, uploadEvents, faults, reconcilerStats, bus, streamStats }: ProcessingHandles): Record<string, DevRoute> {
  return {
    // The local events bus. GET: what was put on it (the latest 1000), oldest first, as EventBridge
    // events (`detail` is the Fileport event); `?fileId=` and `?type=` (detail-type) narrow it down.
    // POST: a FileportEvent put on it as the publisher does, which its rules (the webhooks') receive
    // as they would any other.
    '/_dev/events': ({ method, query, body }) => {
      if (method === 'GET') {
        const fileId = query.get('fileId');
        const type = query.get('type');
        const items = bus
          .recent()
          .filter((e) => (type === null || e['detail-type'] === type) && (fileId === null || (e.detail as { fileId?: unknown } | null)?.fileId === fileId));
        return { status: 200, body: { items, stream: streamStats() } };
      }
      if (method !== 'POST') return undefined;
      const json = devJson(body);
      if ('error' in json) return json.error;
      const event = json.value as { id?: unknown; type?: unknown; tenantId?: unknown } | null;
      if (typeof event?.id !== 'string' || typeof event.type !== 'string' || typeof event.tenantId !== 'string') {
        return devError(400, 'VALIDATION_ERROR', 'Send one FileportEvent (id, type, tenantId, …).');
      }
      const [busId] = bus.put([{ Source: EVENT_SOURCE, DetailType: event.type, Detail: JSON.stringify(event) }]);
      return { status: 202, body: { busEventId: busId } };
    },
    // The S3 events processing received, and a way to deliver one again (a duplicate, or an
    // old one after a newer one) as S3 is allowed to.
    '/_dev/s3-events': ({ method, query, body }) => {
      if (method === 'GET') return { status: 200, body: { items: uploadEvents.recent.filter((r) => !query.has('key') || r.s3.object.key === query.get('key')) } };
      if (method !== 'POST') return undefined;
      const json = devJson(body);
      if ('error' in json) return json.error;
      const record = json.value as S3EventRecord;
      if (typeof record?.s3?.object?.key !== 'string') return devError(400, 'VALIDATION_ERROR', 'Send one S3 event record.');
      uploadEvents.deliver(record);
      return { status: 202, body: { queued: true } };
    },
    // Counts: every message sent ends succeeded or dead-lettered (or is still pending).
    '/_dev/queues': ({ method }) =>
      method === 'GET' ? { status: 200, body: { ...Object.fromEntries(Object.entries(queues).map(([name, q]) => [name, q.stats()])), reconciler: reconcilerStats() } } : undefined,
    '/_dev/faults': ({ method, body }) => {
      if (method === 'GET') return { status: 200, body: { rules: faults.list() } };
      if (method !== 'PUT') return undefined;
      const json = devJson(body);
      if ('error' in json) return json.error;
      const rules = faultRules.safeParse((json.value as { rules?: unknown })?.rules);
      if (!rules.success) return devError(400, 'VALIDATION_ERROR', `Send {"rules": [...]}: ${rules.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      faults.set(rules.data);
      return { status: 200, body: { rules: faults.list() } };
    },
  };
}
