import type * as z from '../../lambdas/validation';
import * as answers from '../../lambdas/api/responses';
import type * as sdk from '../../client/src/types';
import type { copyFileBody } from '../../lambdas/handlers/copy-file';

/**
 * The SDK declares the API's resources itself, so its browser entry imports nothing of the server.
 * These compile-time checks tie each of its types to the answer schema the API is held to (the
 * OpenAPI document's), so neither side can change alone.
 *
 * Checked by the compiler, not by Jest: `npm run typecheck` (the first step of `npm test`) compiles
 * this file with the rest of test/ and fails naming the line of a type that differs. It was a Jest
 * test once, whose only assertion was the literal `true`s the compiler had already checked (issue 13).
 */
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? ([Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A>] extends [never] ? true : false) : false) : false;
/** Compiles only when its argument is `true`: "Type 'false' does not satisfy the constraint 'true'". */
type Holds<T extends true> = T;
type Out<S extends z.ZodMiniType> = z.output<S>;

export type SameShapes = {
  file: Holds<Equal<sdk.FileportFile, Out<typeof answers.file>>>;
  version: Holds<Equal<sdk.FileVersionInfo, Out<typeof answers.fileVersion>>>;
  fileType: Holds<Equal<sdk.FileType, Out<typeof answers.fileType>>>;
  shareToken: Holds<Equal<sdk.ShareToken, Out<typeof answers.shareToken>>>;
  newShareToken: Holds<Equal<sdk.NewShareToken, Out<typeof answers.shareTokenWithSecret>>>;
  droppedFile: Holds<Equal<sdk.DroppedFile, Out<typeof answers.droppedFile>>>;
  uploadForm: Holds<Equal<sdk.UploadForm, Out<typeof answers.uploadForm>>>;
  settings: Holds<Equal<sdk.SettingsAnswer, Out<typeof answers.settings>>>;
  download: Holds<Equal<sdk.DownloadGrant, Out<typeof answers.downloadGrant>>>;
  thumbnail: Holds<Equal<sdk.ThumbnailGrant, Out<typeof answers.thumbnailGrant>>>;
  rendition: Holds<Equal<sdk.RenditionGrant, Out<typeof answers.renditionGrant>>>;
  copy: Holds<Equal<Required<sdk.CopyChanges>, Required<z.input<typeof copyFileBody>>>>;
  upload: Holds<Equal<sdk.UploadGrant, Out<typeof answers.uploadGrant>>>;
  multipart: Holds<Equal<sdk.MultipartUpload, Out<typeof answers.multipartUpload>>>;
  multipartStatus: Holds<Equal<sdk.MultipartStatus, Out<typeof answers.multipartStatus>>>;
};

/**
 * The check is not vacuous: `Equal` tells apart a missing or an extra field, a field of another type,
 * a nullable field and an optional one. Were it ever true of these, the compiler would report the
 * `@ts-expect-error` as unused.
 */
export type Differences = [
  // @ts-expect-error an extra field
  Holds<Equal<{ a: string }, { a: string; b: number }>>,
  // @ts-expect-error a missing field
  Holds<Equal<{ a: string; b: number }, { a: string }>>,
  // @ts-expect-error a field of another type
  Holds<Equal<{ a: string }, { a: number }>>,
  // @ts-expect-error a nullable field
  Holds<Equal<{ a: string }, { a: string | null }>>,
  // @ts-expect-error an optional field
  Holds<Equal<{ a?: string }, { a: string }>>,
];
