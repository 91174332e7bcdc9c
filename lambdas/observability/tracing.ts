import type { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * X-Ray tracing (Powertools Tracer), in the bundle only when the stack is synthesized with
 * `fileport:tracing`: FileportFunction has esbuild replace `process.env.FILEPORT_TRACING` with
 * `"on"` or `"off"` (lib/lambda-bundle.ts), so with tracing off the branches below are dead code
 * and the minifier drops the `require` of the tracer and the X-Ray SDK (about 140 KB, and their
 * load time at every cold start). Run from the sources (the local stack, the tests) the variable
 * is read at run time and is normally unset: off.
 */
let tracer: Tracer | undefined;

function tracerOf(): Tracer | undefined {
  if (process.env.FILEPORT_TRACING === 'on') {
    if (!tracer) {
      // A require, not an import: only a require inside a dead branch leaves the bundle.
      const { Tracer: PowertoolsTracer } = require('@aws-lambda-powertools/tracer') as typeof import('@aws-lambda-powertools/tracer');
      // The AWS SDK's calls are captured per client (traceAwsClient); capturing every HTTP request
      // as well would trace each of them twice.
      tracer = new PowertoolsTracer({ serviceName: 'fileport', captureHTTPsRequests: false });
    }
    return tracer;
  }
  return undefined;
}

/** The client with each of its calls a subsegment (service, operation, resource, retries, errors) when tracing is on; else the client itself. */
export function traceAwsClient<C>(client: C): C {
  const active = tracerOf();
  return active ? active.captureAWSv3Client(client) : client;
}

/**
 * Runs one invocation's work in a subsegment named `name`, annotated (searchable in X-Ray) with
 * `annotations`, the cold start and the service, when tracing is on; else just runs it.
 */
export async function traceInvocation<T>(name: string, annotations: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const active = tracerOf();
  if (!active) return work();
  return (await active.provider.captureAsyncFunc(name, async (subsegment) => {
    active.annotateColdStart();
    active.addServiceNameAnnotation();
    for (const [key, value] of Object.entries(annotations)) active.putAnnotation(key, value);
    try {
      return await work();
    } catch (error) {
      active.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      subsegment?.close();
    }
  })) as T;
}
