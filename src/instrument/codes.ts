import { z } from 'zod';

/**
 * Stable codes name questions, items and options in storage and in every export.
 * They follow SPSS variable-name rules (letter first, letters, digits and underscores)
 * and stay short enough that `question_item_option` still fits SPSS's 64-byte limit.
 */
export const ZCode = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'must start with a lower-case letter and use only a-z, 0-9 and _')
  .max(20, 'must be at most 20 characters');
