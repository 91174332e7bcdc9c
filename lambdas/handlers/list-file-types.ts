import type { FileTypeCatalogue } from '../domain/files/file-types';
import { json, type RouteHandler } from '../http/request';

export const listFileTypes: RouteHandler<{ fileTypes: FileTypeCatalogue }> = async (request) =>
  json(200, { items: request.services.fileTypes.types }, { 'cache-control': 'max-age=300' });
