import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_FILE_TYPES_FILE } from '../lib/deployment-settings';
import { readFileTypeCatalogue } from '../lambdas/file-type-catalogue';
import { Faults } from './faults';

const seconds = z.coerce.number().positive();

const schema = z.object({
  // Fault injection for the processors: see local/faults.ts.
  FILEPORT_FAULTS: z.string().optional(),
  // Overrides every processor's timeout (the deployed Lambda's, by default): tests of timeouts.
  FILEPORT_LOCAL_PROCESSOR_TIMEOUT_SECONDS: seconds.optional(),
  FILEPORT_LOCAL_RECONCILE_INTERVAL_SECONDS: seconds.default(15),
  // Locally, a stuck file is worth re-driving much sooner than deployed.
  FILEPORT_PROCESSING_STUCK_AFTER_SECONDS: z.string().default('60'),
  FILEPORT_PROCESSING_GIVE_UP_AFTER_SECONDS: z.string().default('900'),
  // Malware scanning with the local scanner stand-in (local/scanner.ts), as `fileport:malwareScanning`
  // deployed; off unless asked for, so uploads are served without waiting for a scan.
  FILEPORT_MALWARE_SCANNING: z.enum(['on', 'off']).default('off'),
  // Webhooks: receivers on this machine (http to 127.0.0.1) allowed; retries seconds apart, not
  // hours; an endpoint failing 6 times in a row turned off at once (deployed: 20 times over a day).
  FILEPORT_WEBHOOK_ALLOW_LOOPBACK: z.enum(['true', 'false']).default('true'),
  FILEPORT_WEBHOOK_RETRY_SCHEDULE: z.string().default('1,1,1'),
  FILEPORT_WEBHOOK_DISABLE_AFTER_FAILURES: z.string().default('6'),
  FILEPORT_WEBHOOK_DISABLE_AFTER_SECONDS: z.string().default('0'),
  // The file-type catalogue (the deployed fileport:fileTypesFile), checked here as synth checks it.
  FILEPORT_FILE_TYPES_FILE: z.string().default(DEFAULT_FILE_TYPES_FILE),
  // Browser origins besides the gateway's own that may call the API and S3 (the deployed
  // fileport:corsOrigins); comma-separated.
  FILEPORT_LOCAL_CORS_ORIGINS: z
    .string()
    .default('http://localhost:3000,http://127.0.0.1:3000')
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/ }).refine((url) => new URL(url).origin === url, 'an origin: scheme, host and port only'))),
  // Host names the gateway answers besides its loopback ones (127.0.0.1, localhost, [::1] with its
  // port), as clients send them in Host; comma-separated. Anything else is refused: see local/gateway.ts.
  FILEPORT_LOCAL_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((host) => host.trim().toLowerCase()).filter(Boolean))
    .pipe(
      z.array(
        z.string().refine(isHostHeader, {
          error: (issue) => `${JSON.stringify(issue.input)} is not a host name with an optional port as clients send it in Host (no scheme, path, wildcard or default port 80)`,
        }),
      ),
    ),
});

/** Whether `value` is a Host header value as a client sends it: `name` or `name:port`, nothing else. */
function isHostHeader(value: string): boolean {
  if (!/^([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(:\d+)?$/.test(value)) return false;
  try {
    const url = new URL(`http://${value}`);
    return url.host === value && url.pathname === '/' && url.username === '' && url.password === '' && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}

export interface LocalEnvironment {
  faults: Faults;
  processorTimeoutMs: number | undefined;
  reconcileIntervalMs: number;
  /** Origins (besides the gateway's own) allowed by the gateway's and the bucket's CORS. */
  corsOrigins: string[];
  /** Host header values the gateway answers besides its loopback names with its port. */
  allowedHosts: string[];
  /** The file-type catalogue the functions read (absolute), checked. */
  fileTypesFile: string;
  /** Defaults of the service's own configuration that differ locally; set before it is read. */
  serviceEnv: Record<string, string>;
  /** The scanner stand-in scans every upload, and versions await its results. */
  malwareScanning: boolean;
}

/** The local stack's own settings, from the environment, once; a bad value stops the start. */
export function readLocalEnvironment(env: Record<string, string | undefined>): LocalEnvironment {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid local stack settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = parsed.data;
  const fileTypesFile = resolve(e.FILEPORT_FILE_TYPES_FILE);
  try {
    readFileTypeCatalogue(fileTypesFile);
  } catch (error) {
    throw new Error(`Invalid local stack settings: FILEPORT_FILE_TYPES_FILE: ${(error as Error).message}`, { cause: error });
  }
  return {
    faults: Faults.fromEnv(e.FILEPORT_FAULTS),
    processorTimeoutMs: e.FILEPORT_LOCAL_PROCESSOR_TIMEOUT_SECONDS && e.FILEPORT_LOCAL_PROCESSOR_TIMEOUT_SECONDS * 1000,
    reconcileIntervalMs: e.FILEPORT_LOCAL_RECONCILE_INTERVAL_SECONDS * 1000,
    corsOrigins: e.FILEPORT_LOCAL_CORS_ORIGINS,
    allowedHosts: e.FILEPORT_LOCAL_ALLOWED_HOSTS,
    fileTypesFile,
    serviceEnv: {
      FILEPORT_FILE_TYPES_FILE: fileTypesFile,
      FILEPORT_PROCESSING_STUCK_AFTER_SECONDS: e.FILEPORT_PROCESSING_STUCK_AFTER_SECONDS,
      FILEPORT_PROCESSING_GIVE_UP_AFTER_SECONDS: e.FILEPORT_PROCESSING_GIVE_UP_AFTER_SECONDS,
      // Set whatever the bundles' template says (they are built with scanning on, to include the
      // scan-result function): the stack decides.
      FILEPORT_MALWARE_SCANNING: e.FILEPORT_MALWARE_SCANNING,
      FILEPORT_WEBHOOK_ALLOW_LOOPBACK: e.FILEPORT_WEBHOOK_ALLOW_LOOPBACK,
      FILEPORT_WEBHOOK_RETRY_SCHEDULE: e.FILEPORT_WEBHOOK_RETRY_SCHEDULE,
      FILEPORT_WEBHOOK_DISABLE_AFTER_FAILURES: e.FILEPORT_WEBHOOK_DISABLE_AFTER_FAILURES,
      FILEPORT_WEBHOOK_DISABLE_AFTER_SECONDS: e.FILEPORT_WEBHOOK_DISABLE_AFTER_SECONDS,
    },
    malwareScanning: e.FILEPORT_MALWARE_SCANNING === 'on',
  };
}
