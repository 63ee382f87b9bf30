import type { TOption } from './base.js';
import type { QuestionType } from './index.js';
import { DONT_KNOW } from '../scales.js';

/**
 * How answers are coded in respondent-level files (CSV, XLSX, SPSS .sav). Each question-type
 * module says which columns it yields and how it codes an answer in them; the export
 * (src/reporting/exports/dictionary.ts) adds the missing codes' labels and decides what may
 * be disclosed.
 */

/** Codes for answers that are missing, the same in every format. */
export const MISSING = {
  /** The respondent was not asked the question (another audience, or a showIf condition). */
  notAsked: -1,
  /** Asked, but skipped (or, for the directorate, not stated). */
  notAnswered: -2,
} as const;

export interface ValueLabel {
  value: number;
  code: string;
  label: string;
}

/** One column of a respondent-level file, as a question type yields it. */
export interface ExportColumn {
  /** Column name and SPSS variable name. */
  name: string;
  /** In English: the question's wording, and after a colon the item or option the column is for. */
  label: string;
  /** The matrix item or multiple-choice option the column is for; '' for the question's own. */
  item: string;
  /** The type the column is read as: a multiple-choice question's "please specify" text is 'text'. */
  questionType: QuestionType;
  kind: 'numeric' | 'string';
  /** Labels of the values an answer takes (the export adds the missing codes' labels). */
  values: ValueLabel[];
  /** User-missing codes besides `MISSING` (SPSS allows three in all): "don't know" on an agreement scale. */
  missing: number[];
  note?: string;
  /** Free text: exported only when asked for, redacted, and blank where results are withheld. */
  freeText?: true;
  /**
   * The coded value of a stored answer (undefined for none) in a response where the question
   * was, or was not, asked. Free text is returned as stored.
   */
  value: (answer: unknown, asked: boolean) => number | string | undefined;
}

/** An option's numeric code: its `value`, or its position (1-based). */
export const codeOf = (options: readonly TOption[], i: number) => options[i]!.value ?? i + 1;

export function valueLabels(options: readonly TOption[]): ValueLabel[] {
  return options.map((o, i) => ({ value: codeOf(options, i), code: o.code, label: o.label.en }));
}

/** The code of a chosen option; not asked or not answered when there is none (or it is not an option). */
export function codedOption(options: readonly TOption[], code: string | undefined, asked: boolean): number {
  if (code === undefined) return asked ? MISSING.notAnswered : MISSING.notAsked;
  const i = options.findIndex((o) => o.code === code);
  return i < 0 ? MISSING.notAnswered : codeOf(options, i);
}

/** "Don't know" on an agreement scale is left out of percentages, so analysts get it as user-missing too. */
export function dontKnowMissing(options: readonly TOption[], agreeScale: boolean): number[] {
  const i = options.findIndex((o) => o.code === DONT_KNOW.code);
  return agreeScale && i >= 0 ? [codeOf(options, i)] : [];
}

/** A column holding the option chosen (single choice, a scale, a matrix row). */
export function choiceColumn(
  column: Pick<ExportColumn, 'name' | 'label' | 'item' | 'questionType'>,
  options: readonly TOption[],
  agreeScale: boolean,
  chosen: (answer: unknown) => string | undefined,
): ExportColumn {
  return {
    ...column,
    kind: 'numeric',
    values: valueLabels(options),
    missing: dontKnowMissing(options, agreeScale),
    value: (answer, asked) => codedOption(options, chosen(answer), asked),
  };
}
