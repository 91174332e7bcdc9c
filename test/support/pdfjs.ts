import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type PdfjsResult = { pages: number; producer: string | null; firstPageText: string } | { error: string; message: string };

/** What pdf.js makes of each PDF (opened with its password, if any): see pdfjs-open.mjs. */
export async function openWithPdfjs(files: { pdf: Uint8Array; password?: string }[]): Promise<PdfjsResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'fileport-pdfjs-'));
  try {
    const input = await Promise.all(
      files.map(async ({ pdf, password }, i) => {
        const path = join(dir, `${i}.pdf`);
        await writeFile(path, pdf);
        return { path, password };
      }),
    );
    const output = await new Promise<string>((resolve, reject) => {
      const child = execFile(process.execPath, [join(__dirname, 'pdfjs-open.mjs')], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
        error ? reject(new Error(`pdf.js failed: ${error.message}\n${stderr}`)) : resolve(stdout),
      );
      child.stdin!.end(JSON.stringify(input));
    });
    return JSON.parse(output.trim().split('\n').pop()!) as PdfjsResult[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
