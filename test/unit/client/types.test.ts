import type * as z from '../../../lambdas/validation';
import * as answers from '../../../lambdas/api/responses';
import type * as sdk from '../../../client/src/types';
import type { copyFileBody } from '../../../lambdas/handlers/copy-file';

/**
 * The SDK declares the API's resources itself, so its browser entry imports nothing of the server.
 * These compile-time checks tie each of its types to the answer schema the API is held to (the
 * OpenAPI document's), so neither side can change alone: `npm run typecheck` fails first.
 */
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? ([Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A>] extends [never] ? true : false) : false) : false;
type Out<S extends z.ZodMiniType> = z.output<S>;

const sameShapes: {
  file: Equal<sdk.FileportFile, Out<typeof answers.file>>;
  version: Equal<sdk.FileVersionInfo, Out<typeof answers.fileVersion>>;
  fileType: Equal<sdk.FileType, Out<typeof answers.fileType>>;
  shareToken: Equal<sdk.ShareToken, Out<typeof answers.shareToken>>;
  newShareToken: Equal<sdk.NewShareToken, Out<typeof answers.shareTokenWithSecret>>;
  settings: Equal<sdk.SettingsAnswer, Out<typeof answers.settings>>;
  download: Equal<sdk.DownloadGrant, Out<typeof answers.downloadGrant>>;
  thumbnail: Equal<sdk.ThumbnailGrant, Out<typeof answers.thumbnailGrant>>;
  copy: Equal<Required<sdk.CopyChanges>, Required<z.input<typeof copyFileBody>>>;
  upload: Equal<sdk.UploadGrant, Out<typeof answers.uploadGrant>>;
  multipart: Equal<sdk.MultipartUpload, Out<typeof answers.multipartUpload>>;
  multipartStatus: Equal<sdk.MultipartStatus, Out<typeof answers.multipartStatus>>;
} = {
  file: true,
  version: true,
  fileType: true,
  shareToken: true,
  newShareToken: true,
  settings: true,
  download: true,
  thumbnail: true,
  copy: true,
  upload: true,
  multipart: true,
  multipartStatus: true,
};

describe('SDK types', () => {
  it('have the shapes of the answer schemas (checked by the compiler; listed here so each is named)', () => {
    expect(Object.values(sameShapes).every((same) => same)).toBe(true);
  });
});
