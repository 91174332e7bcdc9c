/** Thumbnail sizes and the box each fits in. Kept apart from the sharp code so API bundles stay light. */
export const thumbnailSizes = { small: 256, medium: 1024 } as const;
export type ThumbnailSize = keyof typeof thumbnailSizes;
