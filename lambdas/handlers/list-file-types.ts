import { fileTypes } from '../domain/files/file-types';
import { json, type RouteHandler } from '../http/request';

export const listFileTypes: RouteHandler = async () => json(200, { items: fileTypes }, { 'cache-control': 'max-age=300' });
