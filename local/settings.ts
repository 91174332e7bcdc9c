import { z } from 'zod';
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
  // Browser origins besides the gateway's own that may call the API and S3 (the deployed
  // fileport:corsOrigins); comma-separated.
  FILEPORT_LOCAL_CORS_ORIGINS: z
    .string()
    .default('http://localhost:3000,http://127.0.0.1:3000')
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/ }).refine((url) => new URL(url).origin === url, 'an origin: scheme, host and port only'))),
});

export interface LocalSettings {
  faults: Faults;
  processorTimeoutMs: number | undefined;
  reconcileIntervalMs: number;
  /** Origins (besides the gateway's own) allowed by the gateway's and the bucket's CORS. */
  corsOrigins: string[];
  /** Defaults of the service's own configuration that differ locally; set before it is read. */
  serviceEnv: Record<string, string>;
}

/** The local stack's own settings, from the environment, once; a bad value stops the start. */
export function readLocalSettings(env: Record<string, string | undefined>): LocalSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid local stack settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = parsed.data;
  return {
    faults: Faults.fromEnv(e.FILEPORT_FAULTS),
    processorTimeoutMs: e.FILEPORT_LOCAL_PROCESSOR_TIMEOUT_SECONDS && e.FILEPORT_LOCAL_PROCESSOR_TIMEOUT_SECONDS * 1000,
    reconcileIntervalMs: e.FILEPORT_LOCAL_RECONCILE_INTERVAL_SECONDS * 1000,
    corsOrigins: e.FILEPORT_LOCAL_CORS_ORIGINS,
    serviceEnv: {
      FILEPORT_PROCESSING_STUCK_AFTER_SECONDS: e.FILEPORT_PROCESSING_STUCK_AFTER_SECONDS,
      FILEPORT_PROCESSING_GIVE_UP_AFTER_SECONDS: e.FILEPORT_PROCESSING_GIVE_UP_AFTER_SECONDS,
    },
  };
}
