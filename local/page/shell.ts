import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const CSS = readFileSync(join(__dirname, 'page.css'), 'utf8');

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * The upload page's HTML: styles and an empty body the script fills. The script is a module, and
 * the API it calls is the origin it was loaded from (`import.meta.url`), so the same page works
 * from another origin that loads the script from the gateway (CORS allowing).
 */
export function pageHtml(scriptUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fileport uploads</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
<noscript>The Fileport upload page needs JavaScript.</noscript>
<script type="module" src="${escapeAttribute(scriptUrl)}"></script>
</body>
</html>
`;
}
