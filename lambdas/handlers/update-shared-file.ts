import { toApiFile } from '../domain/files/files';
import { updateSharedFile as update } from '../domain/sharing/share-tokens';
import { apiUrlOf, header, json, parseBody, type AnonymousRouteHandler } from '../http/request';
import { getServices } from '../services';
import { fileUpdate, ifMatchVersion } from './schemas';
import { shareTokenSecret } from './share-token-secret';

export const updateSharedFile: AnonymousRouteHandler = async (request) => {
  const secret = shareTokenSecret(request);
  const changes = parseBody(request, fileUpdate);
  const services = getServices();
  const file = await update(services, secret, changes, ifMatchVersion(header(request, 'if-match')), services.config.sharing);
  return json(200, toApiFile(file, apiUrlOf(request)), { etag: `"${file.version}"` });
};
