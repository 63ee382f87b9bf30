import { z } from 'zod';
import { ZText } from '../text.js';
import { questionBase } from './base.js';
import { MISSING } from './coding.js';
import { firstValue, type QuestionTypeModule, type ReadResult } from './contract.js';
import { hintOf, pageText } from './view.js';

export const ZNumberQuestion = z
  .strictObject({
    ...questionBase,
    type: z.literal('number'),
    min: z.number(),
    max: z.number(),
    integer: z.boolean().default(true),
    /** Shown after the box, e.g. "years". */
    suffix: ZText.optional(),
  })
  .refine((q) => q.min < q.max, { message: 'must be more than min. Make max larger than min, or min smaller.', path: ['max'] });
export type TNumberQuestion = z.output<typeof ZNumberQuestion>;

export const numberType: QuestionTypeModule<TNumberQuestion, number> = {
  kind: 'number',
  read(question, body): ReadResult<number> {
    // People type "1,200" or " 12 "; accept what a person would mean.
    const raw = firstValue(body[question.code]).trim().replace(/,/g, '');
    if (raw === '') return { kind: 'empty' };
    if (!/^-?\d+(\.\d+)?$/.test(raw)) return { kind: 'error', error: { field: question.code, code: 'not_a_number' } };
    const value = Number(raw);
    if (question.integer && !Number.isInteger(value)) {
      return { kind: 'error', error: { field: question.code, code: 'not_whole_number' } };
    }
    if (value < question.min) return { kind: 'error', error: { field: question.code, code: 'below_min', params: { min: question.min } } };
    if (value > question.max) return { kind: 'error', error: { field: question.code, code: 'above_max', params: { max: question.max } } };
    return { kind: 'answer', value };
  },
  formFields: (question) => [{ name: question.code, several: false }],
  formValues: (question, answer) => ({ [question.code]: String(answer) }),
  summarise: (question, answer, lang) => [question.suffix ? `${answer} ${question.suffix[lang] ?? question.suffix.en}` : String(answer)],
  closedVariables: () => [],
  count(_question, answer, counter) {
    if (typeof answer !== 'number' || !Number.isFinite(answer)) return;
    counter.answered('');
    counter.numeric(answer);
  },
  view: (question, page) => ({
    macro: 'input',
    params: {
      id: question.code,
      name: question.code,
      label: { text: pageText(page, question.text), classes: 'govuk-label--m', isPageHeading: false },
      hint: hintOf(question, page),
      errorMessage: page.errorFor(question.code),
      value: firstValue(page.values[question.code]),
      inputmode: question.integer ? 'numeric' : 'decimal',
      spellcheck: false,
      classes: 'govuk-input--width-5',
      suffix: question.suffix ? { text: pageText(page, question.suffix) } : undefined,
    },
  }),
  exportColumns: (question) => [
    {
      name: question.code,
      label: question.text.en,
      item: '',
      questionType: 'number',
      kind: 'numeric',
      values: [],
      missing: [],
      note: `${question.min} to ${question.max}`,
      value: (answer, asked) => (answer as number | undefined) ?? (asked ? MISSING.notAnswered : MISSING.notAsked),
    },
  ],
  indexScore: () => null,
  // Skewed to the lower part of the range, as years of service are.
  synthetic: (question, { random }) => Math.round(question.min + random() * (question.max - question.min) * 0.4),
};
