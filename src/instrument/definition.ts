import { z } from 'zod';
import { ZCode } from './codes.js';
import { ZCondition } from './question-types/base.js';
import { ZQuestion, type TQuestion } from './question-types/index.js';
import { ZLanguage, ZText } from './text.js';

export const ZSection = z.strictObject({
  code: ZCode,
  title: ZText,
  description: ZText.optional(),
  showIf: ZCondition.optional(),
  audiences: z.array(ZCode).min(1).optional(),
  questions: z.array(ZQuestion).min(1),
});
export type TSection = z.output<typeof ZSection>;

/** A question set: which role groups answer the sections and questions marked for it. */
export const ZAudience = z.strictObject({
  code: ZCode,
  label: ZText,
  roleGroups: z.array(ZCode).min(1),
});
export type TAudience = z.output<typeof ZAudience>;

/** One item feeding an index; scale answers score 0-100 by default, other questions need `scores`. */
export const ZIndexItem = z.strictObject({
  question: ZCode,
  item: ZCode.optional(),
  /** Score per option code, 0-100; options left out (such as "don't know") are not scored. */
  scores: z.record(ZCode, z.number().min(0).max(100)).optional(),
  /**
   * Reverse the 0-100 score, for negatively worded statements. Must agree with the item's
   * `polarity` (true exactly when it is 'negative'); validation says so when it does not.
   */
  reverse: z.boolean().default(false),
});
export type TIndexItem = z.output<typeof ZIndexItem>;

export const ZIndex = z.strictObject({
  code: ZCode,
  label: ZText,
  /** engagement: share very + quite engaged and a 0-100 score; maturity: one of the six 0-100 dimensions. */
  kind: z.enum(['engagement', 'maturity']),
  items: z.array(ZIndexItem).min(1),
});
export type TIndex = z.output<typeof ZIndex>;

/**
 * The group of this survey a published finding's `segment` (reference/published-findings.json)
 * is compared with: the perception gap's leaders or frontline, one role group, or the
 * respondents who gave one of some answers (e.g. "not confident" = confidence not_very or
 * not_at_all). The one place that says which group is like for like with which published one.
 */
export const ZSegmentGroup = z.union([
  z.strictObject({ group: z.enum(['leaders', 'frontline']) }),
  z.strictObject({ roleGroup: ZCode }),
  z.strictObject({ question: ZCode, item: ZCode.optional(), anyOf: z.array(ZCode).min(1) }),
]);
export type TSegmentGroup = z.output<typeof ZSegmentGroup>;

export const ZDefinition = z.strictObject({
  code: ZCode,
  version: z.number().int().min(1),
  title: ZText,
  description: ZText.optional(),
  languages: z
    .array(ZLanguage)
    .min(1)
    .default(['en'])
    .refine((langs) => langs.includes('en'), { message: 'must include "en": every survey is written in English, with Welsh beside it if wanted. Add "en".' }),
  estimatedMinutes: z.number().int().min(1).max(120),
  /**
   * The questions that place a respondent in a segment. Both are optional: a survey without a
   * role group question has no role breakdown (every response is in one role cell, ''), and
   * then no audiences, which are made of role groups.
   */
  segments: z.strictObject({ roleGroup: ZCode.optional(), directorate: ZCode.optional() }).default({}),
  audiences: z.array(ZAudience).default([]),
  /** Who is compared in the perception gap: role groups counted as leaders and as frontline. */
  perceptionGap: z.strictObject({ leaders: z.array(ZCode).min(1), frontline: z.array(ZCode).min(1) }).optional(),
  /** Published findings' segments ("senior", "procurement" …) mapped to this survey's groups. */
  publishedSegments: z.record(z.string().min(1), ZSegmentGroup).default({}),
  indices: z.array(ZIndex).default([]),
  // Codes are unique in every list: validate.ts checks that over the input as written, so a duplicate is found even where other entries have problems.
  sections: z.array(ZSection).min(1),
});
export type TDefinition = z.output<typeof ZDefinition>;

export interface PlacedQuestion {
  question: TQuestion;
  section: TSection;
  sectionIndex: number;
  questionIndex: number;
}

/** Every question in definition order, with where it sits. */
export function allQuestions(definition: TDefinition): PlacedQuestion[] {
  return definition.sections.flatMap((section, sectionIndex) => section.questions.map((question, questionIndex) => ({ question, section, sectionIndex, questionIndex })));
}

/** The question with this code; none for no code (such as a segment question the definition leaves out). */
export function findQuestion(definition: TDefinition, code: string | undefined): TQuestion | undefined {
  return code === undefined ? undefined : allQuestions(definition).find((p) => p.question.code === code)?.question;
}

/**
 * The segment cell a response falls in: its answers to the role group and directorate
 * questions (single choices, so option codes); '' for a question not asked or not answered.
 */
export function segmentCellOf(definition: TDefinition, answers: Readonly<Record<string, unknown>>): { roleGroup: string; directorate: string } {
  const codeOf = (question: string | undefined) => {
    const answer = question === undefined ? undefined : answers[question];
    return typeof answer === 'string' ? answer : '';
  };
  return { roleGroup: codeOf(definition.segments.roleGroup), directorate: codeOf(definition.segments.directorate) };
}
