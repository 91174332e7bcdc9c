import { join } from 'node:path';
import { FileTypeCatalogue } from '../../../lambdas/domain/files/file-types';
import { readFileTypeCatalogue } from '../../../lambdas/file-type-catalogue';

/** The catalogue the repository ships (config/file-types.json), as a deployment without its own reads it. */
export const defaultFileTypes = new FileTypeCatalogue(readFileTypeCatalogue(join(__dirname, '..', '..', '..', 'config', 'file-types.json')));
