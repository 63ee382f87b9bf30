import { z } from 'zod';
import { ZCode } from '../codes.js';
import { ZText } from '../text.js';

export const ZOption = z.strictObject({
  code: ZCode,
  label: ZText,
  /** Numeric code used in SPSS and other coded exports; defaults to the option's position (1-based). */
  value: z.number().int().min(0).max(999).optional(),
  /** An option that cannot be combined with others in a multiple choice question, such as "None of these". */
  exclusive: z.boolean().optional(),
});
export type TOption = z.output<typeof ZOption>;

/** Show a question or section only when an earlier single-choice or scale answer is (or is not) one of the codes. */
export const ZCondition = z
  .strictObject({
    question: ZCode,
    item: ZCode.optional(),
    anyOf: z.array(ZCode).min(1).optional(),
    noneOf: z.array(ZCode).min(1).optional(),
  })
  .refine((c) => (c.anyOf === undefined) !== (c.noneOf === undefined), {
    message: 'must have either anyOf or noneOf, not both and not neither. Keep anyOf (shown when the answer is one of these) or noneOf (shown when it is none of these).',
  });
export type TCondition = z.output<typeof ZCondition>;

/**
 * Whether agreeing with an agreement statement is favourable: 'positive' ("They explain
 * clearly why changes are made"), or 'negative' ("We are missing key opportunities"), where
 * agreeing is the unfavourable answer. "% positive", the perception gap's direction, headlines
 * and index reversal follow it.
 */
export const ZPolarity = z.enum(['positive', 'negative']);

/** Links an item to a published national figure, so comparison is like for like. */
export const ZReference = z.strictObject({
  study: z.string().min(1),
  statement: z.string().min(1),
  /** For a matrix question, the item the figure compares with. */
  item: ZCode.optional(),
  /** The answers that together make up the published percentage (e.g. agree + strongly agree). */
  counts: z.array(ZCode).min(1),
  /**
   * Who is compared: 'respondents' (default) compares the respondents of the group the finding
   * describes (its `segment`, mapped by the definition's `publishedSegments`); 'rating' is for
   * a matrix item that asks everyone to rate that group (e.g. "how engaged are councillors?"),
   * so all respondents' ratings are compared.
   */
  basis: z.enum(['respondents', 'rating']).default('respondents'),
});
export type TReference = z.output<typeof ZReference>;

export const questionBase = {
  code: ZCode,
  text: ZText,
  hint: ZText.optional(),
  required: z.boolean().default(true),
  /** Said instead of the general "Answer this question" when it is left blank, e.g. "Select your role" (GOV.UK style). */
  requiredMessage: ZText.optional(),
  showIf: ZCondition.optional(),
  audiences: z.array(ZCode).min(1).optional(),
  references: z.array(ZReference).min(1).optional(),
};

export const ZOptions = z.array(ZOption).min(2);
