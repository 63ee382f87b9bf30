import type { FormBody } from '../instrument/question-types/contract.js';
import { allValues, firstValue } from '../instrument/question-types/contract.js';
import type { TQuestion } from '../instrument/question-types/index.js';
import { matrixField, matrixOptions } from '../instrument/question-types/matrix.js';
import { multipleOptions, otherField } from '../instrument/question-types/multiple.js';
import { agreeOptions } from '../instrument/question-types/scale.js';
import { ENGAGEMENT_SCALE } from '../instrument/scales.js';
import { localise, type TLanguage } from '../instrument/text.js';
import type { TCondition, TOption } from '../instrument/question-types/base.js';
import { message } from './messages.js';
import { isQuestionShown, shownQuestions } from '../fieldwork/journey.js';
import type { TDefinition, TSection } from '../instrument/definition.js';
import type { Answers } from '../instrument/question-types/index.js';

interface ErrorItem {
  text: string;
  field: string;
}

/**
 * Parameters for the GOV.UK Frontend macros that render a question. Built here, typed,
 * so the templates stay a thin list of macro calls.
 */
export type QuestionView =
  | { macro: 'radios' | 'checkboxes' | 'input' | 'characterCount'; params: Record<string, unknown> }
  | { macro: 'matrix'; legend: string; hint?: string; errorMessage?: { text: string }; rows: Record<string, unknown>[] };

export function questionView(question: TQuestion, values: FormBody, errors: ErrorItem[], lang: TLanguage, condition?: string): QuestionView {
  const text = (t: Parameters<typeof localise>[0] | undefined) => (t ? localise(t, lang) : undefined);
  const errorFor = (field: string) => {
    const error = errors.find((e) => e.field === field);
    return error ? { text: error.text, visuallyHiddenText: message(lang, 'errorPrefix') } : undefined;
  };
  const fieldset = { legend: { text: text(question.text), classes: 'govuk-fieldset__legend--m' } };
  const hintText = (...extra: (string | undefined)[]) => [condition, text(question.hint), ...extra].filter(Boolean).join(' ') || undefined;
  const hint = hintText() ? { text: hintText() } : undefined;
  const radios = (field: string, options: readonly TOption[], legend = fieldset) => ({
    macro: 'radios' as const,
    params: {
      idPrefix: field,
      name: field,
      fieldset: legend,
      hint,
      errorMessage: errorFor(field),
      value: firstValue(values[field]),
      items: options.map((o) => ({ value: o.code, text: text(o.label) })),
    },
  });

  switch (question.type) {
    case 'single':
      return radios(question.code, question.options);
    case 'agree':
      return radios(question.code, agreeOptions(question.dontKnow));
    case 'engagement':
      return radios(question.code, ENGAGEMENT_SCALE);
    case 'multiple': {
      const selected = allValues(values[question.code]);
      return {
        macro: 'checkboxes',
        params: {
          idPrefix: question.code,
          name: question.code,
          fieldset,
          hint: { text: hintText(message(lang, 'selectAllThatApply')) },
          errorMessage: errorFor(question.code) ?? errorFor(otherField(question)),
          values: selected,
          items: multipleOptions(question).flatMap((o) => {
            const item: Record<string, unknown> = { value: o.code, text: text(o.label) };
            if (o.exclusive) item.behaviour = 'exclusive';
            if (question.other && o.code === question.other.code) {
              item.conditional = {
                otherField: otherField(question),
                otherLabel: message(lang, 'pleaseSpecify'),
                otherValue: firstValue(values[otherField(question)]),
                otherError: errorFor(otherField(question)),
              };
            }
            return o.exclusive ? [{ divider: message(lang, 'or') }, item] : [item];
          }),
        },
      };
    }
    case 'number':
      return {
        macro: 'input',
        params: {
          id: question.code,
          name: question.code,
          label: { text: text(question.text), classes: 'govuk-label--m', isPageHeading: false },
          hint,
          errorMessage: errorFor(question.code),
          value: firstValue(values[question.code]),
          inputmode: question.integer ? 'numeric' : 'decimal',
          spellcheck: false,
          classes: 'govuk-input--width-5',
          suffix: question.suffix ? { text: text(question.suffix) } : undefined,
        },
      };
    case 'text':
      return {
        macro: 'characterCount',
        params: {
          id: question.code,
          name: question.code,
          label: { text: text(question.text), classes: 'govuk-label--m' },
          hint,
          errorMessage: errorFor(question.code),
          value: firstValue(values[question.code]),
          maxlength: question.maxLength,
          // GOV.UK Frontend picks the plural form with Intl.PluralRules for the page's lang; Welsh has six.
          textareaDescriptionText: message(lang, 'characterCount.description'),
          charactersUnderLimitText: plurals(message(lang, 'characterCount.underOne'), message(lang, 'characterCount.under')),
          charactersAtLimitText: message(lang, 'characterCount.at'),
          charactersOverLimitText: plurals(message(lang, 'characterCount.overOne'), message(lang, 'characterCount.over')),
        },
      };
    case 'matrix':
      return {
        macro: 'matrix',
        legend: text(question.text) ?? '',
        hint: hintText(),
        errorMessage: question.items.map((item) => errorFor(matrixField(question, item.code))).find(Boolean),
        rows: question.items.map((item) => ({
          ...radios(matrixField(question, item.code), matrixOptions(question), {
            legend: { text: text(item.text), classes: 'govuk-fieldset__legend--s' },
          }).params,
          // The question's hint is shown once above the statements, not on every row.
          hint: undefined,
          classes: 'govuk-radios--small',
        })),
      };
  }
}

function plurals(one: string, other: string) {
  return { zero: other, one, two: other, few: other, many: other, other };
}

/**
 * The questions of a section page. A question whose showIf depends on an earlier question
 * on the same page is on the page too, with a hint saying when to answer it: otherwise a
 * respondent would answer "Yes", press Continue and be told to answer a question they
 * never saw. (Not GOV.UK's conditional reveal: its aria-expanded on a radio is invalid
 * ARIA, a known GOV.UK Frontend issue that axe reports.) An answer given when the
 * condition does not hold is dropped when the page is read.
 */
export function sectionViews(definition: TDefinition, section: TSection, answers: Answers, values: FormBody, errors: ErrorItem[], lang: TLanguage): QuestionView[] {
  const shown = shownQuestions(definition, section, answers);
  const onPage = new Map<string, TQuestion>();
  const views: QuestionView[] = [];
  for (const question of section.questions) {
    const parent = question.showIf && onPage.get(question.showIf.question);
    if (!shown.includes(question) && !(parent && isQuestionShown(definition, section, { ...question, showIf: undefined }, answers))) continue;
    onPage.set(question.code, question);
    views.push(questionView(question, values, errors, lang, parent && question.showIf ? onlyIf(parent, question.showIf, lang) : undefined));
  }
  return views;
}

/** "Only answer this if you answered “Yes” above", from the condition's option labels. */
function onlyIf(parent: TQuestion, condition: TCondition, lang: TLanguage): string | undefined {
  if (condition.item !== undefined || !('options' in parent)) return undefined;
  const labels = (condition.anyOf ?? condition.noneOf ?? []).map((code) => parent.options.find((o) => o.code === code)).filter((o) => o !== undefined);
  const answer = labels.map((o) => `“${localise(o.label, lang)}”`).join(` ${message(lang, 'or')} `);
  return message(lang, condition.anyOf ? 'onlyIfAnswered' : 'onlyIfNotAnswered', { answer });
}
