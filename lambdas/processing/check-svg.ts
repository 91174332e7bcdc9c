import { ProcessingFailure } from './failure';

/**
 * What makes an SVG run code or pull in other content when a browser renders it, as a document or
 * inlined into a page. Elements count with any namespace prefix (`<x:script>` runs when `x` is the
 * SVG or XHTML namespace). False alarms (the words "onclick =" in a text element) only refuse a file.
 */
const ACTIVE: [RegExp, string][] = [
  [/<(?:[\w.-]+:)?script[\s>/]/i, 'a script element'],
  // The HTML parser (an SVG inlined into a page) also takes `/` or a closing quote before a name.
  [/[\s/"']on[a-z]+\s*=/i, 'an event handler attribute'],
  [/<(?:[\w.-]+:)?(?:foreignObject|iframe|embed|object)[\s>/]/i, 'embedded HTML'],
  [/<!ENTITY/i, 'an entity declaration'],
];

/** Looked for in the text as a browser reads it (below), so that character references hide nothing. */
const SCRIPT_LINK = /(?:java|vb)script:|data:text\/html/i;

const NAMED: Record<string, string> = { colon: ':', tab: '\t', newline: '\n' };

/**
 * The text as a browser reads attribute values: character references decoded, and the tabs and line
 * breaks a URL parser drops removed, so `&#106;ava&#9;script&colon;` reads `javascript:`.
 */
function asBrowserReads(text: string): string {
  return text
    .replace(/&#x([0-9a-f]{1,6});?|&#(\d{1,7});?|&(colon|tab|newline);/gi, (reference, hex?: string, decimal?: string, name?: string) => {
      if (name) return NAMED[name.toLowerCase()] ?? reference;
      const code = hex ? parseInt(hex, 16) : Number(decimal);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    })
    .replace(/[\t\n\r]/g, '');
}

/**
 * SVG is an image format that can carry scripts and event handlers. Such a file is refused rather
 * than kept as an "image" that runs code wherever someone renders it inline.
 */
export function checkSvg(svg: Uint8Array): void {
  const text = Buffer.from(svg.buffer, svg.byteOffset, svg.byteLength).toString('utf8');
  const found = ACTIVE.find(([pattern]) => pattern.test(text))?.[1] ?? (SCRIPT_LINK.test(asBrowserReads(text)) ? 'a script link' : undefined);
  if (found) throw new ProcessingFailure('ACTIVE_CONTENT', `The SVG contains ${found}.`);
}
