import { z } from 'zod';
import { questionBase } from './base.js';
import { firstValue, type QuestionTypeModule } from './contract.js';

export const ZTextQuestion = z.strictObject({
  ...questionBase,
  type: z.literal('text'),
  maxLength: z.number().int().min(1).max(10000).default(2000),
});
export type TTextQuestion = z.output<typeof ZTextQuestion>;

export const textType: QuestionTypeModule<TTextQuestion, string> = {
  read(question, body) {
    // Normalise line endings so the length a person sees is the length we count.
    const value = firstValue(body[question.code]).replace(/\r\n/g, '\n').trim();
    if (value === '') return { kind: 'empty' };
    if (value.length > question.maxLength) {
      return { kind: 'error', error: { field: question.code, code: 'too_long', params: { max: question.maxLength } } };
    }
    return { kind: 'answer', value };
  },
  formValues: (question, answer) => ({ [question.code]: answer }),
  summarise: (_question, answer) => answer.split('\n'),
  closedVariables: () => [],
  count(_question, answer, counter) {
    if (typeof answer === 'string' && answer.trim() !== '') counter.answered('');
  },
};
