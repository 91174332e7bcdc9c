import type { Asset } from '../gateway';
import { bundlePage } from './bundle';
import { pageHtml } from './shell';

/**
 * The upload page as gateway assets: `/` and its script `/app.js`, bundled on the first request
 * (starting the stack stays fast) and kept for the stack's life; a failed build is tried again on
 * the next request.
 */
export function pageAssets(): Record<string, Asset> {
  let script: Promise<string> | undefined;
  const bundled = () => {
    script ??= bundlePage().catch((error: unknown) => {
      script = undefined;
      throw error;
    });
    return script;
  };
  return {
    '/': async () => ({ contentType: 'text/html; charset=utf-8', body: pageHtml('/app.js') }),
    '/app.js': async () => ({ contentType: 'text/javascript; charset=utf-8', body: await bundled() }),
  };
}
