import { z } from 'zod';

/** A text or choice input as Teams sends it: absent, empty or padded all mean "not given". */
export const optionalInput = z
  .string()
  .max(1000)
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** To Do task titles are at most 255 characters. */
export const newTaskTitleInput = optionalInput.refine((v) => v === undefined || v.length <= 255, 'A task title can have at most 255 characters.');
