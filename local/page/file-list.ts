import { h } from './dom';
import { formatSize } from './format';
import type { PageFileType } from './pick-type';
import type { PageClient, PageFile } from './client';

/** What a file's preview shows: its small thumbnail, the original image meanwhile, or neither. */
type Preview = { kind: 'thumbnail' | 'original'; url: string } | { kind: 'none' };
/** `key` names the content the preview is of; `loading` keeps refreshes from asking twice at once. */
type PreviewEntry = { key: string; preview: Preview; cell: HTMLElement; loading?: boolean };

/**
 * The tenant's files as a table, with a preview per file. Previews are fetched once per content
 * version and their <img> elements kept across refreshes, so a refresh does not reload images;
 * while a thumbnail is not ready (409 THUMBNAIL_NOT_READY) the original image stands in and the
 * thumbnail is asked for again on the next refresh.
 */
export class FileList {
  readonly element: HTMLElement;
  private readonly body = h('tbody', {});
  private readonly message = h('p', { class: 'empty', 'data-testid': 'files-message' });
  private readonly previews = new Map<string, PreviewEntry>();

  constructor(
    private readonly client: () => PageClient,
    private readonly types: () => readonly PageFileType[],
    private readonly onDownload: (file: PageFile) => void,
  ) {
    const table = h(
      'table',
      { 'data-testid': 'files' },
      h('caption', { class: 'visually-hidden' }, 'Files of this tenant'),
      h('thead', {}, h('tr', {}, ...['Preview', 'Name', 'Type', 'Status', 'Size', 'Pages', ''].map((title) => h('th', { scope: 'col' }, title)))),
      this.body,
    );
    this.element = h('div', {}, table, this.message);
  }

  /** True while something on the list will still change: processing, or a thumbnail to come. */
  render(files: PageFile[]): boolean {
    this.message.textContent = files.length === 0 ? 'No files yet: upload one above.' : '';
    this.body.replaceChildren(...files.map((file) => this.row(file)));
    return files.some(
      (file) => file.status === 'pending' || file.status === 'processing' || file.scan?.status === 'pending' || this.previews.get(file.id)?.preview.kind === 'original',
    );
  }

  showError(text: string): void {
    this.message.textContent = text;
    this.message.className = 'error';
  }

  private row(file: PageFile): HTMLElement {
    const type = this.types().find((t) => t.id === file.fileTypeId);
    const download = h('button', { type: 'button', class: 'secondary', 'data-testid': 'download', 'aria-label': `Download ${file.name}`, disabled: file.status !== 'ready' }, 'Download');
    download.addEventListener('click', () => this.onDownload(file));
    return h(
      'tr',
      { 'data-testid': 'file-row', 'data-file-id': file.id, 'data-name': file.name, 'data-status': file.status },
      h('td', { class: 'thumb' }, this.preview(file, type)),
      h('td', { class: 'name' }, file.name),
      h('td', {}, type?.name ?? file.fileTypeId),
      h('td', {}, h('span', { class: `status ${file.status}`, 'data-testid': 'status', title: file.error?.message }, file.error ? `${file.status}: ${file.error.code}` : file.status), scanBadge(file)),
      h('td', { 'data-testid': 'size' }, formatSize(file.size)),
      h('td', {}, file.pageCount === null || file.pageCount === undefined ? '—' : String(file.pageCount)),
      h('td', {}, download),
    );
  }

  private preview(file: PageFile, type: PageFileType | undefined): HTMLElement {
    const key = `${file.contentVersion ?? 0}:${file.status}`;
    let entry = this.previews.get(file.id);
    if (!entry || entry.key !== key) {
      entry = { key, preview: { kind: 'none' }, cell: entry?.cell ?? h('div', {}) };
      this.previews.set(file.id, entry);
      // Thumbnails are made while the file is processing: the original image stands in meanwhile.
      // A PDF's are its first page: no <img> can show the original, so its icon stands in.
      const rendered = type?.preview === true && type.mimeTypes.includes('application/pdf');
      const hasImage = (type?.thumbnails || rendered) && file.contentVersion !== null && file.status !== 'failed';
      if (hasImage) void this.loadPreview(file, entry, type?.thumbnails === true);
      else entry.cell.replaceChildren(icon(file));
    } else if (entry.preview.kind === 'original') {
      // Still waiting for the thumbnail: ask again (the original stays meanwhile).
      void this.loadPreview(file, entry, true);
    }
    return entry.cell;
  }

  private async loadPreview(file: PageFile, entry: PreviewEntry, originalStandsIn: boolean): Promise<void> {
    if (entry.loading) return;
    entry.loading = true;
    let next: Preview;
    try {
      const thumbnail = await this.client().thumbnailUrl(file.id, 'small');
      if (thumbnail) next = { kind: 'thumbnail', url: thumbnail };
      else if (!originalStandsIn) next = { kind: 'none' };
      else next = entry.preview.kind === 'original' ? entry.preview : { kind: 'original', url: await this.client().downloadUrl(file.id) };
    } catch {
      next = { kind: 'none' };
    } finally {
      entry.loading = false;
    }
    if (next.kind === entry.preview.kind) return;
    entry.preview = next;
    if (next.kind === 'none') return void entry.cell.replaceChildren(icon(file));
    const alt = next.kind === 'thumbnail' ? `Thumbnail of ${file.name}` : `${file.name} (thumbnail not ready yet)`;
    entry.cell.replaceChildren(h('img', { src: next.url, alt, 'data-kind': next.kind, 'data-testid': 'preview', }));
  }
}

/** A file without a preview shows its extension. */
const icon = (file: PageFile) => h('span', { class: 'icon', 'aria-hidden': 'true', 'data-kind': 'icon', 'data-testid': 'preview' }, file.extension || '?');

const SCAN_BADGES: Partial<Record<NonNullable<PageFile['scan']>['status'], { text: string; title: string }>> = {
  pending: { text: 'scanning', title: 'The malware scan has not finished: downloads wait for it.' },
  infected: { text: 'malware', title: 'The malware scan found a threat: the content was deleted.' },
  failed: { text: 'not scanned', title: 'The malware scanner could not scan this content.' },
};

/** A badge for a scan that is not (yet) clean; nothing for clean or unscanned content. */
function scanBadge(file: PageFile): HTMLElement | string {
  const badge = file.scan && SCAN_BADGES[file.scan.status];
  if (!badge || !file.scan) return '';
  return h('span', { class: `scan ${file.scan.status}`, 'data-testid': 'scan', title: badge.title }, badge.text);
}
