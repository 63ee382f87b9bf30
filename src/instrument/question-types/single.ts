import { z } from 'zod';
import { localise } from '../text.js';
import { ZOptions, questionBase } from './base.js';
import { firstValue, type QuestionTypeModule } from './contract.js';
import type { TOption } from './base.js';

export const ZSingleQuestion = z.strictObject({
  ...questionBase,
  type: z.literal('single'),
  options: ZOptions,
});
export type TSingleQuestion = z.output<typeof ZSingleQuestion>;

/** Shared by every question answered by choosing one option (single choice and the fixed scales). */
export function oneOf<Q extends { code: string }>(optionsOf: (q: Q) => readonly TOption[]): QuestionTypeModule<Q, string> {
  return {
    read(question, body) {
      const value = firstValue(body[question.code]);
      if (value === '') return { kind: 'empty' };
      if (!optionsOf(question).some((o) => o.code === value)) {
        return { kind: 'error', error: { field: question.code, code: 'invalid_option' } };
      }
      return { kind: 'answer', value };
    },
    formValues: (question, answer) => ({ [question.code]: answer }),
    summarise(question, answer, lang) {
      const option = optionsOf(question).find((o) => o.code === answer);
      return [option ? localise(option.label, lang) : answer];
    },
    closedVariables: (question) => [{ item: '', options: optionsOf(question), multiple: false }],
    count(_question, answer, counter) {
      if (typeof answer !== 'string') return;
      counter.answered('');
      counter.option('', answer);
    },
  };
}

export const singleType = oneOf<TSingleQuestion>((q) => q.options);
