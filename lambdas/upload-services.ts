import { uploadIdKeysOf } from './adapters/upload-id-keys';
import type { UploadDeps, UploadIdKeys } from './domain/ports';
import { getServices, type Services } from './services';

export type UploadServices = Services & UploadDeps;

let uploadIdKeys: UploadIdKeys | undefined;

/**
 * The data services and the key multipart upload ids are signed with. Only the multipart handlers
 * import this, so only the uploads function carries the Secrets Manager read; the key itself is
 * read on the first multipart request and kept for the life of the container.
 */
export function getUploadServices(): UploadServices {
  const services = getServices();
  uploadIdKeys ??= uploadIdKeysOf(services.config.uploadIdKey);
  return { ...services, uploadIdKeys };
}
