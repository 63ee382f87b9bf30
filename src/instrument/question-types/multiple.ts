import { z } from 'zod';
import { localise } from '../text.js';
import { ZCode } from '../codes.js';
import { ZText } from '../text.js';
import { ZOptions, questionBase, type TOption } from './base.js';
import { allValues, firstValue, type QuestionTypeModule } from './contract.js';

export const OTHER_TEXT_MAX = 200;

export const ZMultipleQuestion = z.strictObject({
  ...questionBase,
  type: z.literal('multiple'),
  options: ZOptions,
  /** Adds an "Other" option with a text box, "please specify". */
  other: z.strictObject({ code: ZCode.default('other'), label: ZText }).optional(),
});
export type TMultipleQuestion = z.output<typeof ZMultipleQuestion>;

export interface MultipleAnswer {
  selected: string[];
  other?: string;
}

export function multipleOptions(question: TMultipleQuestion): TOption[] {
  return question.other ? [...question.options, { code: question.other.code, label: question.other.label }] : question.options;
}

export function otherField(question: TMultipleQuestion): string {
  return `${question.code}_other`;
}

export const multipleType: QuestionTypeModule<TMultipleQuestion, MultipleAnswer> = {
  read(question, body) {
    const options = multipleOptions(question);
    const selected = [...new Set(allValues(body[question.code]))];
    if (selected.length === 0) return { kind: 'empty' };
    if (selected.some((code) => !options.some((o) => o.code === code))) {
      return { kind: 'error', error: { field: question.code, code: 'invalid_option' } };
    }
    const exclusive = options.find((o) => o.exclusive && selected.includes(o.code));
    if (exclusive && selected.length > 1) {
      return { kind: 'error', error: { field: question.code, code: 'exclusive_combined' } };
    }
    // Keep the definition's order, whatever order the browser sent.
    const ordered = options.map((o) => o.code).filter((code) => selected.includes(code));
    if (question.other && ordered.includes(question.other.code)) {
      const other = firstValue(body[otherField(question)]).trim();
      if (other === '') return { kind: 'error', error: { field: otherField(question), code: 'other_missing' } };
      if (other.length > OTHER_TEXT_MAX) {
        return { kind: 'error', error: { field: otherField(question), code: 'other_too_long', params: { max: OTHER_TEXT_MAX } } };
      }
      return { kind: 'answer', value: { selected: ordered, other } };
    }
    return { kind: 'answer', value: { selected: ordered } };
  },
  formValues: (question, answer) => ({
    [question.code]: answer.selected,
    ...(answer.other === undefined ? {} : { [otherField(question)]: answer.other }),
  }),
  summarise(question, answer, lang) {
    return multipleOptions(question)
      .filter((o) => answer.selected.includes(o.code))
      .map((o) => (question.other && o.code === question.other.code ? `${localise(o.label, lang)}: ${answer.other ?? ''}` : localise(o.label, lang)));
  },
  closedVariables: (question) => [{ item: '', options: multipleOptions(question), multiple: true }],
  count(_question, answer, counter) {
    const selected = (answer as Partial<MultipleAnswer> | null)?.selected;
    if (!Array.isArray(selected) || selected.length === 0) return;
    counter.answered('');
    for (const option of selected) counter.option('', String(option));
  },
};
