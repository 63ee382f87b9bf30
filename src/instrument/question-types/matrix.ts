import { z } from 'zod';
import { ENGAGEMENT_SCALE } from '../scales.js';
import { ZCode } from '../codes.js';
import { ZText, localise } from '../text.js';
import { questionBase, ZPolarity } from './base.js';
import { agreeOptions } from './scale.js';
import { choiceColumn } from './coding.js';
import { firstValue, type QuestionTypeModule } from './contract.js';
import { hintText, pageText, radiosView } from './view.js';

/** One row of a matrix; `polarity` says whether agreeing is favourable (agreement matrices only). */
export const ZMatrixItem = z.strictObject({ code: ZCode, text: ZText, polarity: ZPolarity.optional() });

export const ZMatrixQuestion = z.strictObject({
  ...questionBase,
  type: z.literal('matrix'),
  scale: z.enum(['agree', 'engagement']),
  dontKnow: z.boolean().default(true),
  items: z.array(ZMatrixItem).min(2),
});
export type TMatrixQuestion = z.output<typeof ZMatrixQuestion>;

/** Each item of a matrix is its own radio group; its field name joins the codes with a double underscore. */
export function matrixField(question: { code: string }, item: string): string {
  return `${question.code}__${item}`;
}

export function matrixOptions(question: TMatrixQuestion) {
  return question.scale === 'agree' ? agreeOptions(question.dontKnow) : ENGAGEMENT_SCALE;
}

export const matrixType: QuestionTypeModule<TMatrixQuestion, Record<string, string>> = {
  kind: 'closed',
  read(question, body) {
    const options = matrixOptions(question);
    const answer: Record<string, string> = {};
    for (const item of question.items) {
      const value = firstValue(body[matrixField(question, item.code)]);
      if (value === '') continue;
      if (!options.some((o) => o.code === value)) {
        return { kind: 'error', error: { field: matrixField(question, item.code), code: 'invalid_option' } };
      }
      answer[item.code] = value;
    }
    const answered = Object.keys(answer).length;
    if (answered === 0) return { kind: 'empty' };
    // A required matrix needs every row; an optional one may be left partly blank.
    const missing = question.items.find((item) => answer[item.code] === undefined);
    if (question.required && missing) {
      return {
        kind: 'error',
        error: { field: matrixField(question, missing.code), code: 'matrix_incomplete' },
      };
    }
    return { kind: 'answer', value: answer };
  },
  formFields: (question) => question.items.map((item) => ({ name: matrixField(question, item.code), several: false })),
  formValues: (question, answer) => Object.fromEntries(Object.entries(answer).map(([item, value]) => [matrixField(question, item), value])),
  summarise(question, answer, lang) {
    const options = matrixOptions(question);
    return question.items
      .filter((item) => answer[item.code] !== undefined)
      .map((item) => {
        const option = options.find((o) => o.code === answer[item.code]);
        return `${localise(item.text, lang)}: ${option ? localise(option.label, lang) : answer[item.code]}`;
      });
  },
  closedVariables: (question) =>
    question.items.map((item) => ({
      item: item.code,
      options: matrixOptions(question),
      multiple: false,
      scale: question.scale,
      ...(question.scale === 'agree' ? { polarity: item.polarity ?? 'positive' } : {}),
    })),
  count(question, answer, counter) {
    if (typeof answer !== 'object' || answer === null) return;
    for (const item of question.items) {
      const value = (answer as Record<string, unknown>)[item.code];
      if (typeof value !== 'string') continue;
      counter.answered(item.code);
      counter.option(item.code, value);
    }
  },
  view: (question, page) => ({
    macro: 'matrix',
    legend: pageText(page, question.text) ?? '',
    hint: hintText(question, page),
    errorMessage: question.items.map((item) => page.errorFor(matrixField(question, item.code))).find(Boolean),
    rows: question.items.map((item) => ({
      ...radiosView(question, page, matrixField(question, item.code), matrixOptions(question), {
        legend: { text: pageText(page, item.text), classes: 'govuk-fieldset__legend--s' },
      }).params,
      // The question's hint is shown once above the statements, not on every row.
      hint: undefined,
      classes: 'govuk-radios--small',
    })),
  }),
  exportColumns: (question) =>
    question.items.map((item) =>
      choiceColumn(
        { name: `${question.code}_${item.code}`, label: `${question.text.en}: ${item.text.en}`, item: item.code, questionType: 'matrix' },
        matrixOptions(question),
        question.scale === 'agree',
        (answer) => (answer as Record<string, string> | undefined)?.[item.code],
      ),
    ),
  indexScore(question, answer, item, score) {
    if (typeof answer !== 'object' || answer === null || !item) return null;
    const value = (answer as Record<string, unknown>)[item];
    return typeof value === 'string' ? score(value, question.scale) : null;
  },
  synthetic: (question, source) => Object.fromEntries(question.items.map((item) => [item.code, source.ordered(matrixOptions(question))])),
};
