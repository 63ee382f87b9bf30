import type { TLanguage } from '../text.js';
import type { TOption } from './base.js';

/** A parsed application/x-www-form-urlencoded body: repeated fields arrive as arrays. */
export type FormBody = Record<string, string | string[] | undefined>;

/** Why an answer was refused; the message for each code is in web/messages (English and Welsh). */
export type AnswerErrorCode =
  | 'required'
  | 'invalid_option'
  | 'exclusive_combined'
  | 'other_missing'
  | 'other_too_long'
  | 'not_a_number'
  | 'not_whole_number'
  | 'below_min'
  | 'above_max'
  | 'too_long'
  | 'matrix_incomplete';

export interface AnswerError {
  /** The form field the error belongs to, so the error summary can link to it. */
  field: string;
  code: AnswerErrorCode;
  params?: Record<string, string | number>;
}

/** Result of reading one question from a form: an answer, no answer (skipped), or an error. */
export type ReadResult<A> = { kind: 'answer'; value: A } | { kind: 'empty' } | { kind: 'error'; error: AnswerError };

/** One closed variable a question contributes to analysis: matrix questions have one per item. */
export interface ClosedVariable {
  item: string;
  options: readonly TOption[];
  multiple: boolean;
}

/**
 * Receives how one stored answer counts. This is the one counting path: publications,
 * exports and tests all count answers through the question-type modules into it.
 */
export interface AnswerCounter {
  /** The respondent answered the variable (item '' unless a matrix row). */
  answered(item: string): void;
  /** The respondent chose this option (multiple choice: once per option chosen). */
  option(item: string, option: string): void;
  /** The respondent gave this number. */
  numeric(value: number): void;
}

export interface QuestionTypeModule<Q, A> {
  /** Reads and validates the answer from a submitted form. */
  read(question: Q, body: FormBody): ReadResult<A>;
  /** Turns a stored answer back into form values, to pre-fill the page when a respondent returns to it. */
  formValues(question: Q, answer: A): FormBody;
  /** Lines shown on the check-your-answers page. */
  summarise(question: Q, answer: A, lang: TLanguage): string[];
  /** The closed variables this question yields for counting ([] for number and free text). */
  closedVariables(question: Q): ClosedVariable[];
  /**
   * How a stored answer counts. Stored answers come back from JSON, so a value of the wrong
   * shape (from an older definition) counts as nothing rather than as something else.
   */
  count(question: Q, answer: unknown, counter: AnswerCounter): void;
}

export function firstValue(value: string | string[] | undefined): string {
  if (Array.isArray(value)) return value[0] ?? '';
  return value ?? '';
}

export function allValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v) => v !== '');
}
