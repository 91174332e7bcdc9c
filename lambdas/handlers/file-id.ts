import { fileportError } from '../errors';
import { pathParam, type ApiRequest } from '../http/request';
import { fileId } from './schemas';

/** The `{id}` of a file route. An id that cannot exist answers like a missing file. */
export function fileIdParam(request: Pick<ApiRequest, 'event'>): string {
  const id = pathParam(request, 'id');
  if (!fileId.safeParse(id).success) throw fileportError('FILE_NOT_FOUND', { id });
  return id;
}
