import { z } from 'zod';

/** Languages a definition may declare. English is always present; Welsh is optional. */
export const LANGUAGES = ['en', 'cy'] as const;
export const ZLanguage = z.enum(LANGUAGES);
export type TLanguage = z.infer<typeof ZLanguage>;

/**
 * Respondent-facing text: a plain string (English only) or one string per language.
 * Normalised to the object form so the rest of the code never has to branch.
 */
export const ZText = z
  .union([
    z.string().trim().min(1, 'must not be empty'),
    z.strictObject({
      en: z.string().trim().min(1, 'must not be empty'),
      cy: z.string().trim().min(1, 'must not be empty').optional(),
    }),
  ])
  .transform((value) => (typeof value === 'string' ? { en: value } : value));
export type TText = z.output<typeof ZText>;

/** The text in the wanted language, falling back to English where a definition has no translation. */
export function localise(text: TText, lang: TLanguage): string {
  return text[lang] ?? text.en;
}
