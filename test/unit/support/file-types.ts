import { join } from 'node:path';
import { FileTypeCatalogue } from '../../../lambdas/domain/files/file-types';
import { readFileTypeCatalogue } from '../../../lambdas/file-type-catalogue';

/** The catalogue the repository ships (config/file-types.json), as a deployment without its own reads it. */
export const defaultFileTypes = new FileTypeCatalogue(readFileTypeCatalogue(join(__dirname, '..', '..', '..', 'config', 'file-types.json')));

/**
 * The shipped catalogue with PDFs as they were before previews: ready after the metadata step.
 * The unit tests of versions, grants and telemetry use PDFs as content that step finishes (its
 * page count is what they look at); the preview step is tested with the shipped catalogue
 * (test/unit/domain/processing/pdf-previews.test.ts).
 */
export const fileTypesWithoutPdfPreview = new FileTypeCatalogue(
  readFileTypeCatalogue(join(__dirname, '..', '..', '..', 'config', 'file-types.json')).map((type) => (type.id === 'pdf' ? { ...type, preview: false } : type)),
);
