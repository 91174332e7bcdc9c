import { uploadIdKeysOf } from './adapters/upload-id-keys';
import type { UploadDeps } from './domain/ports';
import { getServices, type Services } from './services';

export type UploadServices = Services & UploadDeps;

let uploadServices: UploadServices | undefined;

/**
 * The data services and the key multipart upload ids are signed with. Only the multipart handlers
 * import this, so only the uploads function carries the Secrets Manager read; the key itself is
 * read on the first multipart request and kept for the life of the container.
 */
export function getUploadServices(): UploadServices {
  if (!uploadServices) {
    const services = getServices();
    uploadServices = { ...services, uploadIdKeys: uploadIdKeysOf(services.config.uploadIdKey) };
  }
  return uploadServices;
}
