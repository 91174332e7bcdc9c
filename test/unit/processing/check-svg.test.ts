import { checkSvg } from '../../../lambdas/processing/check-svg';
import { failureOf } from '../support/failure';

const svg = (inner: string) => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg">${inner}</svg>`);
const check = async (bytes: Buffer) => checkSvg(bytes);

describe('checkSvg', () => {
  it('accepts drawings', () => {
    expect(() => checkSvg(svg('<circle r="4" fill="red"/><a href="https://example.com"><text>on=1</text></a>'))).not.toThrow();
  });

  it.each([
    ['<script>alert(1)</script>', 'a script element'],
    ['<rect onload="alert(1)"/>', 'an event handler attribute'],
    ['<a href="javascript:alert(1)"><text>x</text></a>', 'a script link'],
    ['<foreignObject><body/></foreignObject>', 'embedded HTML'],
  ])('refuses %s as ACTIVE_CONTENT', async (inner, what) => {
    const failure = await failureOf(check(svg(inner)));
    expect(failure).toMatchObject({ code: 'ACTIVE_CONTENT', message: `The SVG contains ${what}.` });
  });
});
