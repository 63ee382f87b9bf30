import { z } from 'zod';
import { questionBase } from './base.js';
import { firstValue, type QuestionTypeModule } from './contract.js';
import { hintOf, pageText } from './view.js';

export const ZTextQuestion = z.strictObject({
  ...questionBase,
  type: z.literal('text'),
  maxLength: z.number().int().min(1).max(10000).default(2000),
});
export type TTextQuestion = z.output<typeof ZTextQuestion>;

export const textType: QuestionTypeModule<TTextQuestion, string> = {
  kind: 'text',
  read(question, body) {
    // Normalise line endings so the length a person sees is the length we count.
    const value = firstValue(body[question.code]).replace(/\r\n/g, '\n').trim();
    if (value === '') return { kind: 'empty' };
    if (value.length > question.maxLength) {
      return { kind: 'error', error: { field: question.code, code: 'too_long', params: { max: question.maxLength } } };
    }
    return { kind: 'answer', value };
  },
  formFields: (question) => [{ name: question.code, several: false }],
  formValues: (question, answer) => ({ [question.code]: answer }),
  summarise: (_question, answer) => answer.split('\n'),
  closedVariables: () => [],
  count(_question, answer, counter) {
    if (typeof answer === 'string' && answer.trim() !== '') counter.answered('');
  },
  view: (question, page) => ({
    macro: 'characterCount',
    params: {
      id: question.code,
      name: question.code,
      label: { text: pageText(page, question.text), classes: 'govuk-label--m' },
      hint: hintOf(question, page),
      errorMessage: page.errorFor(question.code),
      value: firstValue(page.values[question.code]),
      maxlength: question.maxLength,
      // GOV.UK Frontend picks the plural form with Intl.PluralRules for the page's lang; Welsh has six.
      textareaDescriptionText: page.message('characterCount.description'),
      charactersUnderLimitText: plurals(page.message('characterCount.underOne'), page.message('characterCount.under')),
      charactersAtLimitText: page.message('characterCount.at'),
      charactersOverLimitText: plurals(page.message('characterCount.overOne'), page.message('characterCount.over')),
    },
  }),
  exportColumns: (question) => [
    {
      name: question.code,
      label: question.text.en,
      item: '',
      questionType: 'text',
      kind: 'string',
      values: [],
      missing: [],
      freeText: true,
      value: (answer) => answer as string | undefined,
    },
  ],
  indexScore: () => null,
  synthetic: (question, source) => source.comment().slice(0, question.maxLength),
};

function plurals(one: string, other: string) {
  return { zero: other, one, two: other, few: other, many: other, other };
}
