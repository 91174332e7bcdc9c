import { PDFDocument } from 'pdf-lib';
import { countPages } from '../../../lambdas/processing/count-pages';
import { failureOf } from '../support/failure';

async function pdf(pages: number, useObjectStreams = true): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) doc.addPage([200, 200]).drawText(`Page ${i + 1}`, { x: 10, y: 100 });
  return doc.save({ useObjectStreams });
}


describe('countPages', () => {
  it('counts pages with and without object streams', async () => {
    expect(await countPages(await pdf(1))).toBe(1);
    expect(await countPages(await pdf(37))).toBe(37);
    expect(await countPages(await pdf(12, false))).toBe(12);
  });

  it('counts the real pages when the page tree /Count lies', async () => {
    const bytes = Buffer.from(await pdf(10, false)).toString('latin1').replace('/Count 10', '/Count 5 ');
    expect(await countPages(Buffer.from(bytes, 'latin1'))).toBe(10);
  });

  it.each([0.5, 0.8, 0.95])('fails a PDF truncated to %s of its length as CORRUPT_FILE', async (fraction) => {
    const whole = await pdf(30, false);
    const failure = await failureOf(countPages(whole.subarray(0, Math.floor(whole.length * fraction))));
    expect(failure.code).toBe('CORRUPT_FILE');
  });

  it('fails garbage and an empty file as CORRUPT_FILE', async () => {
    expect((await failureOf(countPages(Buffer.from('%PDF-1.7\nthis is not a pdf')))).code).toBe('CORRUPT_FILE');
    expect((await failureOf(countPages(new Uint8Array()))).code).toBe('CORRUPT_FILE');
  });

  it('fails a PDF that says it is encrypted as ENCRYPTED_FILE', async () => {
    const text = Buffer.from(await pdf(2, false)).toString('latin1');
    // An /Encrypt entry in the trailer is what makes readers ask for a password.
    const encrypted = text.replace('trailer\n<<', 'trailer\n<<\n/Encrypt << /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >>');
    expect(encrypted).not.toBe(text);
    expect((await failureOf(countPages(Buffer.from(encrypted, 'latin1')))).code).toBe('ENCRYPTED_FILE');
  });

  it('fails a page tree that contains itself as CORRUPT_FILE, quickly', async () => {
    const objects = [
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>',
    ];
    let text = '%PDF-1.7\n';
    const offsets = objects.map((body, i) => {
      const at = text.length;
      text += `${i + 1} 0 obj\n${body}\nendobj\n`;
      return at;
    });
    const xref = text.length;
    text += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
    text += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
    const started = Date.now();
    expect((await failureOf(countPages(Buffer.from(text, 'latin1')))).code).toBe('CORRUPT_FILE');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
