import { ProcessingFailure } from './failure';

/** What makes an SVG run code or pull in other content when a browser renders it. */
const ACTIVE: [RegExp, string][] = [
  [/<script[\s>/]/i, 'a script element'],
  [/\son[a-z]+\s*=/i, 'an event handler attribute'],
  [/(?:href|src)\s*=\s*["']?\s*(?:javascript|data:text\/html)/i, 'a script link'],
  [/<foreignObject[\s>/]/i, 'embedded HTML'],
  [/<!ENTITY/i, 'an entity declaration'],
];

/**
 * SVG is an image format that can carry scripts and event handlers. Such a file is refused rather
 * than kept as an "image" that runs code wherever someone renders it inline.
 */
export function checkSvg(svg: Uint8Array): void {
  const text = Buffer.from(svg.buffer, svg.byteOffset, svg.byteLength).toString('utf8');
  const found = ACTIVE.find(([pattern]) => pattern.test(text));
  if (found) throw new ProcessingFailure('ACTIVE_CONTENT', `The SVG contains ${found[1]}.`);
}
