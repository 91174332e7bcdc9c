import type { ObjectMetadata } from '../ports';

/**
 * What an upload grant signs into the object it lets the client create, as S3 user metadata
 * (`x-amz-meta-<name>`). It is part of the request signature (a signed header of a PUT URL, a
 * condition of a POST policy, a parameter of CreateMultipartUpload), so the client cannot change
 * it, and processing reads it back from the object. Every way of uploading must sign it, through
 * `grantMetadata`, for processing to accept the object as a version.
 */
export interface GrantMetadata {
  /** The principal the grant was issued to. */
  uploadedBy: string;
  /** Whether the grant may replace content the file already has (`files:overwrite`). */
  overwrite: boolean;
  /** The client's base64 SHA-256 of the whole object, verified by processing. */
  checksumSha256?: string;
  /**
   * The client's base64 CRC-64/NVME of the whole object (a multipart upload's full-object checksum):
   * S3 checks it at completion, and processing takes it as verified when S3 holds the same value.
   */
  checksumCrc64nvme?: string;
  /**
   * The largest object the grant allows, checked by processing on what arrived: S3 enforces a
   * form's content-length-range and a signed Content-Length, but nothing bounds a PUT URL issued
   * without a size, and the local emulator may not enforce what S3 does.
   */
  maxSize?: number;
}

/** The user-metadata names, without S3's `x-amz-meta-` prefix. */
export const grantMetadataNames = { uploadedBy: 'uploaded-by', overwrite: 'overwrite', checksumSha256: 'checksum-sha256', checksumCrc64nvme: 'checksum-crc64nvme', maxSize: 'max-size' } as const;

/** The metadata map to sign. The user id is percent-encoded: header values must be ASCII. */
export function grantMetadata(grant: GrantMetadata): ObjectMetadata {
  return {
    [grantMetadataNames.uploadedBy]: encodeURIComponent(grant.uploadedBy),
    [grantMetadataNames.overwrite]: String(grant.overwrite),
    ...(grant.checksumSha256 === undefined ? {} : { [grantMetadataNames.checksumSha256]: grant.checksumSha256 }),
    ...(grant.checksumCrc64nvme === undefined ? {} : { [grantMetadataNames.checksumCrc64nvme]: grant.checksumCrc64nvme }),
    ...(grant.maxSize === undefined ? {} : { [grantMetadataNames.maxSize]: String(grant.maxSize) }),
  };
}

/**
 * The grant behind an object, as processing reads it. An object without it (not uploaded through a
 * Fileport grant) has no known uploader and no right to overwrite.
 */
export function readGrantMetadata(metadata: ObjectMetadata): {
  uploadedBy: string | null;
  overwrite: boolean;
  checksumSha256: string | null;
  checksumCrc64nvme: string | null;
  maxSize: number | null;
} {
  const uploadedBy = metadata[grantMetadataNames.uploadedBy];
  let user: string | null = null;
  if (uploadedBy !== undefined) {
    try {
      user = decodeURIComponent(uploadedBy);
    } catch {
      user = null;
    }
  }
  return {
    uploadedBy: user,
    overwrite: metadata[grantMetadataNames.overwrite] === 'true',
    checksumSha256: metadata[grantMetadataNames.checksumSha256] ?? null,
    checksumCrc64nvme: metadata[grantMetadataNames.checksumCrc64nvme] ?? null,
    maxSize: /^\d+$/.test(metadata[grantMetadataNames.maxSize] ?? '') ? Number(metadata[grantMetadataNames.maxSize]) : null,
  };
}
