import { localise, type TLanguage, type TText } from '../text.js';
import type { TOption } from './base.js';
import { firstValue, type FormBody } from './contract.js';

/**
 * Parameters for the GOV.UK Frontend macros that render a question, so the templates stay a
 * thin list of macro calls. Each question-type module builds its own (`view`).
 */
export type QuestionView =
  | { macro: 'radios' | 'checkboxes' | 'input' | 'characterCount'; params: Record<string, unknown> }
  | { macro: 'matrix'; legend: string; hint?: string; errorMessage?: { text: string }; rows: Record<string, unknown>[] };

/** The service text a question's view uses; the English and Welsh are in src/web/messages.ts. */
export type ViewMessage =
  | 'or'
  | 'selectAllThatApply'
  | 'pleaseSpecify'
  | 'characterCount.description'
  | 'characterCount.under'
  | 'characterCount.underOne'
  | 'characterCount.at'
  | 'characterCount.over'
  | 'characterCount.overOne';

/** An inline error as the GOV.UK macros take it. */
export interface InlineError {
  text: string;
  visuallyHiddenText: string;
}

/** The page a question is shown on: what the web layer gives a module's `view`. */
export interface QuestionPage {
  lang: TLanguage;
  /** The form's values: as submitted, or from the stored answer (`formValues`). */
  values: FormBody;
  /** Service text in the page's language. */
  message(key: ViewMessage): string;
  /** The inline error for a form field, if it has one. */
  errorFor(field: string): InlineError | undefined;
  /** Said before the question's own hint: when to answer it, if that depends on an answer on the same page. */
  condition?: string;
}

interface Shown {
  code: string;
  text: TText;
  hint?: TText;
}

export function pageText(page: QuestionPage, text: TText | undefined): string | undefined {
  return text ? localise(text, page.lang) : undefined;
}

/** The hint: when to answer, the question's own hint, then anything the type adds. */
export function hintText(question: Shown, page: QuestionPage, ...extra: (string | undefined)[]): string | undefined {
  return [page.condition, pageText(page, question.hint), ...extra].filter(Boolean).join(' ') || undefined;
}

export function hintOf(question: Shown, page: QuestionPage): { text: string } | undefined {
  const text = hintText(question, page);
  return text ? { text } : undefined;
}

export function fieldsetOf(question: Shown, page: QuestionPage) {
  return { legend: { text: pageText(page, question.text), classes: 'govuk-fieldset__legend--m' } };
}

/** One radio group: a question answered by one option, or one row of a matrix. */
export function radiosView(
  question: Shown,
  page: QuestionPage,
  field: string,
  options: readonly TOption[],
  legend: { legend: { text: string | undefined; classes: string } } = fieldsetOf(question, page),
) {
  return {
    macro: 'radios' as const,
    params: {
      idPrefix: field,
      name: field,
      fieldset: legend,
      hint: hintOf(question, page),
      errorMessage: page.errorFor(field),
      value: firstValue(page.values[field]),
      items: options.map((o) => ({ value: o.code, text: pageText(page, o.label) })),
    },
  };
}
