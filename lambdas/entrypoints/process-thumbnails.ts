import sharp from 'sharp';
// Placeholder until the thumbnail processor lands.
export const handler = async (): Promise<string> => sharp.versions.vips ?? '';
