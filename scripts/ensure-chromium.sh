#!/usr/bin/env bash
# The browser test (test/integration/browser.test.ts) drives Debian's chromium with playwright-core,
# which downloads no browser of its own. Installs it when missing and we are root (CI, a fresh
# machine); otherwise says how to install it and fails, since the test must not be skipped.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then exit 0; fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium (for the browser test)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: $CHROMIUM is missing. The browser test needs Debian's chromium:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y chromium" >&2
  echo "(or run this script as root: bash scripts/ensure-chromium.sh)" >&2
  exit 1
fi
