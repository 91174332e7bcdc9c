import { createUploadUrl as grant } from '../domain/transfer/uploads';
import { singleUploadHandler } from './size';

export const createUploadUrl = singleUploadHandler(grant);
