import { uploadServices } from '../composition';
import { abortMultipartUpload } from '../handlers/abort-multipart-upload';
import { completeMultipartUpload } from '../handlers/complete-multipart-upload';
import { createMultipartUpload } from '../handlers/create-multipart-upload';
import { createPartUrls } from '../handlers/create-part-urls';
import { createUploadForm } from '../handlers/create-upload-form';
import { createUploadUrl } from '../handlers/create-upload-url';
import { getMultipartUpload } from '../handlers/get-multipart-upload';
import { apiGroup } from '../http/api-group';

export const handler = apiGroup('uploads', {
  createUploadUrl,
  createUploadForm,
  createMultipartUpload,
  getMultipartUpload,
  createPartUrls,
  completeMultipartUpload,
  abortMultipartUpload,
}, uploadServices);
