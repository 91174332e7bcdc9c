import { createUploadForm as grant } from '../domain/transfer/uploads';
import { singleUploadHandler } from './size';

export const createUploadForm = singleUploadHandler(grant);
