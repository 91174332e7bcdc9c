import { makeClient, type PageClient, type PageFile } from './client';
import { h } from './dom';
import { FileList } from './file-list';
import type { PageFileType } from './pick-type';
import { loadSession, saveSession, SCOPES, signIn, type Session } from './session';
import { uploadSection, type UploadRecord } from './uploads';

/** What the page did, for the browser test to read (`window.fileportPage`). */
interface PageRecord {
  uploads: UploadRecord[];
  downloads: { fileId: string; name: string; size: number; progress: { loaded: number; total: number }[]; error?: string }[];
}
declare global {
  interface Window {
    fileportPage: PageRecord;
  }
}

// The API is where this script came from: the gateway, even when another origin serves the page.
const API_URL = new URL(import.meta.url).origin;
const REFRESH_MS = 1500;

const record: PageRecord = { uploads: [], downloads: [] };
window.fileportPage = record;

let client: PageClient | undefined;
let types: PageFileType[] = [];
const root = h('main', {});
const who = h('div', { class: 'who' });
const notice = h('p', { class: 'error', role: 'status', 'data-testid': 'notice' });
document.body.replaceChildren(h('header', {}, h('h1', {}, 'Fileport'), who), notice, root);
// A file dropped next to the drop zone would otherwise be opened by the browser, leaving the page.
for (const name of ['dragover', 'drop'] as const) window.addEventListener(name, (event) => event.preventDefault());

function showSignIn(error?: string): void {
  client = undefined;
  who.replaceChildren();
  const tenant = h('input', { type: 'text', name: 'tenantId', required: true, value: 'demo', autocomplete: 'organization', 'data-testid': 'tenant' });
  const user = h('input', { type: 'text', name: 'sub', required: true, value: 'demo-user', autocomplete: 'username', 'data-testid': 'user' });
  const scopes = SCOPES.map((scope) => {
    const box = h('input', { type: 'checkbox', name: 'scope', value: scope, checked: scope !== 'files:admin', 'data-testid': `scope-${scope}` });
    return { scope, box, label: h('label', {}, box, scope) };
  });
  const message = h('p', { class: 'error', role: 'alert', 'data-testid': 'sign-in-error' }, error ?? '');
  const form = h(
    'form',
    { class: 'sign-in', 'data-testid': 'sign-in' },
    h('label', {}, 'Tenant', tenant),
    h('label', {}, 'User', user),
    h('fieldset', {}, h('legend', {}, 'Scopes'), ...scopes.map((s) => s.label)),
    h('div', {}, h('button', { type: 'submit', 'data-testid': 'sign-in-submit' }, 'Sign in with a dev token')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const input = { tenantId: tenant.value.trim(), sub: user.value.trim(), scopes: scopes.filter((s) => s.box.checked).map((s) => s.scope) };
    signIn(API_URL, input).then(
      (session) => {
        saveSession(session);
        void showFiles(session);
      },
      (failure: unknown) => {
        message.textContent = failure instanceof Error ? failure.message : String(failure);
      },
    );
  });
  root.replaceChildren(
    h('section', { 'aria-labelledby': 'sign-in-heading' }, h('h2', { id: 'sign-in-heading' }, 'Sign in'), h('p', { class: 'empty' }, `Local stack at ${API_URL}: the gateway mints a dev token.`), form, message),
  );
}

async function showFiles(session: Session): Promise<void> {
  const current = makeClient(API_URL, session.token);
  client = current;
  const signOut = h('button', { type: 'button', class: 'secondary', 'data-testid': 'sign-out' }, 'Sign out');
  signOut.addEventListener('click', () => {
    saveSession(undefined);
    showSignIn();
  });
  who.replaceChildren(h('span', { 'data-testid': 'signed-in-as' }, `${session.sub} @ ${session.tenantId}`), signOut);

  const list = new FileList(() => current, () => types, (file) => void download(current, file));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const refresh = async () => {
    clearTimeout(timer);
    if (client !== current) return;
    try {
      const changing = list.render(await current.listFiles());
      // Poll only while processing or a thumbnail is still to come.
      if (changing) timer = setTimeout(() => void refresh(), REFRESH_MS);
    } catch (error) {
      list.showError(`Could not list files: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const refreshButton = h('button', { type: 'button', class: 'secondary', 'data-testid': 'refresh' }, 'Refresh');
  refreshButton.addEventListener('click', () => void refresh());

  root.replaceChildren(
    uploadSection({ client: () => current, types: () => types, records: record.uploads, onUploaded: () => void refresh() }),
    h('section', { 'aria-labelledby': 'files-heading' }, h('h2', { id: 'files-heading' }, 'Files ', refreshButton), list.element),
  );
  try {
    types = await current.listFileTypes();
  } catch (error) {
    if (isUnauthorized(error)) return showSignIn('Your token has expired: sign in again.');
    list.showError(`Could not load file types: ${error instanceof Error ? error.message : String(error)}`);
  }
  await refresh();
}

/** The SDK's verified download, saved through an object URL so the browser names the file. */
async function download(current: PageClient, file: PageFile): Promise<void> {
  const entry: PageRecord['downloads'][number] = { fileId: file.id, name: file.name, size: 0, progress: [] };
  record.downloads.push(entry);
  try {
    const blob = await current.download(file, (progress) => entry.progress.push(progress));
    entry.size = blob.size;
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: downloadName(file) });
    document.body.append(link);
    link.click();
    link.remove();
    // The download has started from the object URL by the time this runs.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    entry.error = error instanceof Error ? error.message : String(error);
    notice.textContent = `Download of ${file.name} failed: ${entry.error}`;
  }
}

/** The name S3's Content-Disposition would give it: the file's name, ending in its type's extension. */
function downloadName(file: PageFile): string {
  return file.extension && !file.name.toLowerCase().endsWith(`.${file.extension}`) ? `${file.name}.${file.extension}` : file.name;
}

const isUnauthorized = (error: unknown) => typeof error === 'object' && error !== null && (error as { status?: number }).status === 401;

const session = loadSession();
if (session) void showFiles(session);
else showSignIn();
