/**
 * The one place the Lambdas get zod from. `zod/mini` rather than classic zod: the same checks and
 * messages at a fraction of the bundle (classic zod attaches every method to every schema and
 * weighed ~90 KB minified in each function, ~440 KB when imported as `{ z }`, which pins its whole
 * namespace, locales included). Import it as `import * as z from './validation'` (a namespace
 * import), never `{ z }`, so esbuild keeps only what is used.
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

// zod/mini loads no locale: without this every message would read "Invalid input".
config(en());

export * from 'zod/mini';
