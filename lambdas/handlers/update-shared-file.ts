import { updateSharedFile as update } from '../domain/sharing/share-tokens';
import type { ApiServices } from '../composition';
import { toApiFile } from '../http/answers';
import { apiUrlOf, header, json, parseBody, type AnonymousRouteHandler } from '../http/request';
import { fileUpdate, ifMatchVersion } from './schemas';
import { shareTokenSecret } from './share-token-secret';

export const updateSharedFile: AnonymousRouteHandler<ApiServices> = async (request) => {
  const secret = shareTokenSecret(request);
  const changes = parseBody(request, fileUpdate);
  const { services } = request;
  const file = await update(services, secret, changes, ifMatchVersion(header(request, 'if-match')), services.config.sharing);
  return json(200, toApiFile(file, apiUrlOf(request), request.services.fileTypes), { etag: `"${file.version}"` });
};
