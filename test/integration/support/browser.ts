import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const ROOT = join(__dirname, '..', '..', '..');
const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's chromium, headless, driven by playwright-core (which downloads no browser). The
 * project's own setup script installs it when it is missing and we are root, and otherwise fails
 * with how to install it: the browser test fails rather than skips.
 */
export async function launchChromium(): Promise<Browser> {
  try {
    execFileSync('bash', [join(ROOT, 'scripts/ensure-chromium.sh')], { stdio: ['ignore', 'inherit', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    throw new Error(`Chromium is not available for the browser test:\n${stderr}`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium's sandbox refuses to run as root, which CI is.
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

/** A server on 127.0.0.1 answering every GET with one HTML page: another origin than the gateway's. */
export async function serveHtml(html: () => string): Promise<{ origin: string; stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
