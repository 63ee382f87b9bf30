import { z } from 'zod';
import type { TLanguage } from '../text.js';
import type { TOption } from './base.js';
import type { ExportColumn } from './coding.js';
import type { QuestionPage, QuestionView } from './view.js';

/** A parsed application/x-www-form-urlencoded body: repeated fields arrive as arrays. */
/** A submitted form: each field a string, or several strings when repeated (checkboxes). */
export const ZFormBody = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
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

/** The fixed answer scales (src/instrument/scales.ts): their options are ordered and scored. */
export type Scale = 'agree' | 'engagement';

/** Whether agreeing with a statement is favourable ("They explain changes clearly") or not ("We are missing opportunities"). */
export type Polarity = 'positive' | 'negative';

/** One closed variable a question contributes to analysis: matrix questions have one per item. */
export interface ClosedVariable {
  item: string;
  options: readonly TOption[];
  multiple: boolean;
  /** The fixed scale the options are, if any ("don't know" and "% positive" follow from it). */
  scale?: Scale;
  /** Agreement items: whether agreeing is favourable ('positive') or unfavourable ('negative'). */
  polarity?: Polarity;
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

/**
 * The score of one option code for an index item (its own `scores`, or the scale's standard
 * scores, reversed where marked), or null when the option is not scored ("don't know").
 */
export type OptionScore = (code: string, scale: Scale | undefined) => number | null;

/** What synthetic data for one respondent draws on (src/fieldwork/synthetic.ts keeps the leanings and texts). */
export interface SyntheticSource {
  /** Uniform in [0, 1), seeded. */
  random: () => number;
  /** How positive the respondent's role group is about digital, 0 to 1. */
  leaning: number;
  /** An option of a list ordered most positive first, drawn for the leaning (now and then "don't know" where offered). */
  ordered(options: readonly TOption[]): string;
  /** A realistic free-text comment. */
  comment(): string;
}

export interface QuestionTypeModule<Q, A> {
  /**
   * What analysis makes of the question: closed variables (percentages of options, from
   * `closedVariables`), a number (means) or free text (how many answered, and themes).
   */
  kind: 'closed' | 'number' | 'text';
  /** Reads and validates the answer from a submitted form. */
  read(question: Q, body: FormBody): ReadResult<A>;
  /**
   * The form fields the answer is read from, in page order, and whether a field takes several
   * values (checkboxes): the columns of a bulk import of keyed paper returns.
   */
  formFields(question: Q): { name: string; several: boolean }[];
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
  /** The parameters of the GOV.UK Frontend macro that shows the question on the respondent's page. */
  view(question: Q, page: QuestionPage): QuestionView;
  /**
   * The columns of a respondent-level file, in order, and how a stored answer is coded in
   * each. Free-text columns are marked so the export can leave them out, redact them and
   * blank them where results are withheld: what may be disclosed is the export's decision.
   */
  exportColumns(question: Q): ExportColumn[];
  /**
   * A stored answer's 0-100 score for an index item (`item`: the matrix row it scores), or
   * null when it is not scored. As with `count`, an answer of the wrong shape scores nothing.
   */
  indexScore(question: Q, answer: unknown, item: string | undefined, score: OptionScore): number | null;
  /** A realistic answer for synthetic data (demos, benchmarks and tests). */
  synthetic(question: Q, source: SyntheticSource): A;
}

export function firstValue(value: string | string[] | undefined): string {
  if (Array.isArray(value)) return value[0] ?? '';
  return value ?? '';
}

export function allValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v) => v !== '');
}
