import { h } from './dom';
import { formatProgress } from './format';
import { pickFileType, type PageFileType } from './pick-type';
import type { PageClient } from './client';

/** One upload as the page shows it, and as `window.fileportPage.uploads` exposes it to tests. */
export interface UploadRecord {
  name: string;
  size: number;
  state: 'uploading' | 'done' | 'failed';
  fileId?: string;
  error?: string;
  /** Every progress event the SDK reported, in order. */
  progress: { loaded: number; total: number }[];
}

/**
 * The drop zone (and the file input inside its label, for keyboards and screen readers): every
 * file dropped or picked is uploaded at once through the SDK, with a progress bar of its own.
 */
export function uploadSection(options: { client: () => PageClient; types: () => readonly PageFileType[]; records: UploadRecord[]; onUploaded(): void }): HTMLElement {
  const list = h('ul', { class: 'uploads', 'aria-live': 'polite', 'data-testid': 'uploads' });
  const input = h('input', { type: 'file', multiple: true, 'data-testid': 'file-input' });
  const zone = h(
    'label',
    { class: 'drop-zone', 'data-testid': 'drop-zone' },
    h('strong', {}, 'Drop files here'),
    h('span', {}, ' or choose them: '),
    input,
  );

  const start = (files: ArrayLike<File>) => {
    for (const file of Array.from(files)) void upload(file);
  };

  async function upload(file: File): Promise<void> {
    const record: UploadRecord = { name: file.name, size: file.size, state: 'uploading', progress: [] };
    options.records.push(record);
    const bar = h('progress', { max: String(Math.max(file.size, 1)), value: '0', 'aria-label': `Upload progress of ${file.name}`, 'data-testid': 'upload-progress' });
    const label = h('span', { class: 'progress-label' }, formatProgress(0, file.size));
    const note = h('span', { class: 'note' });
    const item = h('li', { 'data-testid': 'upload', 'data-name': file.name, 'data-state': 'uploading' }, h('span', { class: 'name' }, file.name, ' ', label), bar, note);
    list.prepend(item);
    const finish = (state: UploadRecord['state'], text: string) => {
      record.state = state;
      item.dataset.state = state;
      item.classList.toggle('failed', state === 'failed');
      note.textContent = text;
    };

    const type = pickFileType(options.types(), file);
    if (!type) {
      record.error = 'UNSUPPORTED_TYPE';
      return finish('failed', 'No Fileport file type matches this file’s extension or MIME type.');
    }
    try {
      const uploaded = await options.client().upload(file, {
        name: file.name,
        fileTypeId: type.id,
        onProgress: ({ loaded, total }) => {
          record.progress.push({ loaded, total });
          bar.max = Math.max(total, 1);
          bar.value = loaded;
          label.textContent = formatProgress(loaded, total);
        },
      });
      record.fileId = uploaded.id;
      // An empty file reports no bytes: the bar still ends full.
      if (file.size === 0) bar.value = bar.max;
      finish('done', `Uploaded as ${type.name} (${uploaded.id}).`);
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
      finish('failed', `Upload failed: ${record.error}`);
    }
    options.onUploaded();
  }

  input.addEventListener('change', () => {
    start(input.files ?? []);
    // The same file may be picked again.
    input.value = '';
  });
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    // Without this the browser opens the dropped file instead.
    event.preventDefault();
    zone.classList.remove('over');
    start(event.dataTransfer?.files ?? []);
  });

  return h('section', { 'aria-labelledby': 'upload-heading' }, h('h2', { id: 'upload-heading' }, 'Upload'), zone, list);
}
