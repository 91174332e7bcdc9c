import { z } from 'zod';

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

export const fileName = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .refine((name) => !CONTROL_CHARACTERS.test(name), 'must not contain control characters')
  .refine((name) => name.trim() !== '', 'must not be blank');

const label = z.string().min(1).max(128).refine((v) => !CONTROL_CHARACTERS.test(v), 'must not contain control characters');

export const tags = z.array(label).max(50, 'at most 50 tags');
export const externalId = label.nullable();
export const link = z.strictObject({ type: label, id: label });
export const links = z.array(link).max(50, 'at most 50 links');

/** Path ids are UUIDs; anything else cannot name a file and is a 404 without a database read. */
export const fileId = z.uuid();
