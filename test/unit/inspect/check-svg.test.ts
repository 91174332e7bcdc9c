import { checkSvg } from '../../../lambdas/inspect/check-svg';
import { failureOf } from '../support/failure';

const svg = (inner: string, attributes = '') => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg"${attributes}>${inner}</svg>`);
const check = async (bytes: Buffer) => checkSvg(bytes);

describe('checkSvg', () => {
  it('accepts drawings', () => {
    expect(() =>
      checkSvg(
        svg(
          '<defs><style>.a { fill: red }</style><linearGradient id="g"/></defs><circle class="a" r="4" fill="url(#g)"/>' +
            '<use href="#g"/><a href="https://example.com/?a=1&amp;b=2"><text>on=1, scripted &#38; online</text></a>' +
            '<image href="data:image/png;base64,iVBORw0KGgo="/><text>&#60;script&#62; starts a script</text>',
          ' xmlns:xlink="http://www.w3.org/1999/xlink" font-family="Montserrat"',
        ),
      ),
    ).not.toThrow();
  });

  it.each([
    ['<script>alert(1)</script>', 'a script element'],
    ['<script\nhref="x.js"/>', 'a script element'],
    ['<s:script xmlns:s="http://www.w3.org/2000/svg">alert(1)</s:script>', 'a script element'],
    ['<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>', 'a script element'],
    ['<rect onload="alert(1)"/>', 'an event handler attribute'],
    ['<rect\tONCLICK = "alert(1)"/>', 'an event handler attribute'],
    ['<rect/onload=alert(1)>', 'an event handler attribute'],
    ['<rect x="1"onmouseover="alert(1)"/>', 'an event handler attribute'],
    ['<a href="javascript:alert(1)"><text>x</text></a>', 'a script link'],
    ['<a xlink:href=" JavaScript:alert(1)"><text>x</text></a>', 'a script link'],
    ['<a href="&#106;avascript:alert(1)"><text>x</text></a>', 'a script link'],
    ['<a href="&#x6A;ava&#x09;script&#58;alert(1)"><text>x</text></a>', 'a script link'],
    ['<a href="java\nscript&colon;alert(1)"><text>x</text></a>', 'a script link'],
    ['<a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a>', 'a script link'],
    ['<a><animate attributeName="href" values="&#x6a;avascript:alert(1)"/><text>x</text></a>', 'a script link'],
    ['<a><set attributeName="xlink:href" to="javascript:alert(1)"/><text>x</text></a>', 'a script link'],
    ['<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"><text>x</text></a>', 'a script link'],
    ['<foreignObject><body/></foreignObject>', 'embedded HTML'],
    ['<h:iframe xmlns:h="http://www.w3.org/1999/xhtml" src="https://example.com"/>', 'embedded HTML'],
  ])('refuses %j as ACTIVE_CONTENT', async (inner, what) => {
    const failure = await failureOf(check(svg(inner)));
    expect(failure).toMatchObject({ code: 'ACTIVE_CONTENT', message: `The SVG contains ${what}.` });
  });

  it('accepts animations of presentation attributes, and an XML declaration', () => {
    const animated = svg(
      '<rect width="10" height="10"><animate attributeName="opacity" values="0;1" dur="1s" repeatCount="indefinite"/>' +
        '<set attributeName="fill" to="red" begin="1s"/><animateTransform attributeName="transform" type="rotate" from="0" to="360" dur="2s"/></rect>' +
        '<stop offset="0"><animate attributeName="offset" values="0;1" dur="1s"/></stop>',
    );
    expect(() => checkSvg(Buffer.concat([Buffer.from('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'), animated]))).not.toThrow();
  });

  it.each([
    '<rect><set attributeName="onmouseover" to="alert(1)"/></rect>',
    '<rect><animate attributeName="onclick" values="alert(1)" dur="1s"/></rect>',
    "<rect><animateTransform attributeName = 'onload' to='alert(1)'/></rect>",
    '<rect><set attributeName=onfocus to=alert(1) /></rect>',
    '<rect><set attributeName="&#x6F;nclick" to="alert(1)"/></rect>',
    '<rect><s:set xmlns:s="http://www.w3.org/2000/svg" attributeName="ONCLICK" to="alert(1)"/></rect>',
  ])('refuses an animation that sets an event handler: %j', async (inner) => {
    expect(await failureOf(check(svg(inner)))).toMatchObject({ code: 'ACTIVE_CONTENT', message: 'The SVG contains an animated event handler.' });
  });

  it.each([
    '<?xml-stylesheet type="text/css" href="https://example.com/track.css"?>\n',
    '<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="data:text/xml;base64,PHhzbDpzdHlsZXNoZWV0Lz4="?>\n',
    "<?xml-stylesheet\thref='theme.css'?>",
  ])('refuses a stylesheet processing instruction: %j', async (prolog) => {
    const bytes = Buffer.concat([Buffer.from(prolog), svg('<circle r="1"/>')]);
    expect(await failureOf(check(bytes))).toMatchObject({ code: 'ACTIVE_CONTENT', message: 'The SVG contains a stylesheet processing instruction.' });
  });

  it('refuses entity declarations', async () => {
    const bytes = Buffer.from('<?xml version="1.0"?>\n<!DOCTYPE svg [ <!ENTITY x "y"> ]>\n<svg xmlns="http://www.w3.org/2000/svg">&x;</svg>');
    expect(await failureOf(check(bytes))).toMatchObject({ code: 'ACTIVE_CONTENT', message: 'The SVG contains an entity declaration.' });
  });

  it('reads the view it is given, not the whole buffer behind it', () => {
    const behind = Buffer.concat([Buffer.from('<script>'), svg('<circle r="1"/>')]);
    expect(() => checkSvg(behind.subarray('<script>'.length))).not.toThrow();
  });
});
