// Fileport SDK quickstart: upload, wait for processing, download verified, share.
// Run against `npm start`: FILEPORT_URL=http://127.0.0.1:3000 FILEPORT_TOKEN=… npx tsx client/examples/quickstart.ts
import { createClient, FileportError } from '../src/index';

export async function quickstart(baseUrl: string, token: string): Promise<{ fileId: string; text: string; sharedName: string }> {
  const fileport = createClient({ baseUrl, token });

  // 1. Upload: a single PUT for small content, parallel retried parts for large (a Blob, a File, bytes,
  //    or in Node `fromPath('big.zip')` from the SDK's node entry).
  const bytes = new TextEncoder().encode('Hello, Fileport!\n');
  const { file } = await fileport.files.upload(bytes, {
    name: 'hello.txt',
    fileTypeId: 'txt',
    tags: ['quickstart'],
    onProgress: ({ loaded, total }) => console.log(`uploaded ${loaded}/${total} bytes`),
  });

  // 2. Processing measures the size and the SHA-256 it will be verified by.
  const ready = await fileport.files.waitUntilProcessed(file.id);
  console.log(ready.status, ready.size, ready.checksumSha256);

  // 3. Download: the SDK hashes while reading and throws CHECKSUM_MISMATCH on altered content.
  const download = await fileport.files.download(file.id);
  const text = new TextDecoder().decode(download.bytes);

  // 4. Share it: the token's holder needs no account.
  const share = await fileport.tokens.create(file.id, { accessLevel: 'read' });
  const shared = await fileport.shared(share.token).get();

  // 5. Errors carry the API's code.
  try {
    await fileport.files.get('00000000-0000-4000-8000-000000000000');
  } catch (error) {
    if (!(error instanceof FileportError && error.code === 'FILE_NOT_FOUND')) throw error;
  }
  return { fileId: file.id, text, sharedName: shared.name };
}

if (require.main === module) {
  const { FILEPORT_URL = 'http://127.0.0.1:3000', FILEPORT_TOKEN } = process.env;
  if (!FILEPORT_TOKEN) throw new Error('Set FILEPORT_TOKEN (npm start prints one).');
  quickstart(FILEPORT_URL, FILEPORT_TOKEN).then((result) => console.log(result));
}
