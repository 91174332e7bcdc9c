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
  // An external stylesheet, loaded when the SVG is opened as a document: CSS can send what the
  // page shows elsewhere, and an XSLT one turns the document into a page with scripts.
  [/<\?xml-stylesheet[\s?]/i, 'a stylesheet processing instruction'],
];

/** Looked for in the text as a browser reads it (below), so that character references hide nothing. */
const DECODED: [RegExp, string][] = [
  [/(?:java|vb)script:|data:text\/html/i, 'a script link'],
  // <set attributeName="onclick" to="alert(1)"/>: SMIL animations write any attribute, event handlers
  // too. No attribute of SVG but an event handler starts with "on".
  [/attributeName\s*=\s*["']?\s*on/i, 'an animated event handler'],
];

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
  const found = ACTIVE.find(([pattern]) => pattern.test(text))?.[1] ?? decodedFinding(asBrowserReads(text));
  if (found) throw new ProcessingFailure('ACTIVE_CONTENT', `The SVG contains ${found}.`);
}

const decodedFinding = (text: string) => DECODED.find(([pattern]) => pattern.test(text))?.[1];
