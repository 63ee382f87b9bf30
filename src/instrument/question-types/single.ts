import { z } from 'zod';
import { localise, type TText } from '../text.js';
import { ZOptions, questionBase } from './base.js';
import { choiceColumn } from './coding.js';
import { firstValue, type Polarity, type QuestionTypeModule, type Scale } from './contract.js';
import type { TOption } from './base.js';
import { radiosView } from './view.js';

export const ZSingleQuestion = z.strictObject({
  ...questionBase,
  type: z.literal('single'),
  options: ZOptions,
});
export type TSingleQuestion = z.output<typeof ZSingleQuestion>;

interface OneOfQuestion {
  code: string;
  type: 'single' | Scale;
  text: TText;
  hint?: TText;
}

/**
 * Shared by every question answered by choosing one option (single choice and the fixed
 * scales). `scale` names the fixed scale the options are, if any.
 */
export function oneOf<Q extends OneOfQuestion>(optionsOf: (q: Q) => readonly TOption[], scale?: Scale, polarityOf?: (q: Q) => Polarity): QuestionTypeModule<Q, string> {
  return {
    kind: 'closed',
    read(question, body) {
      const value = firstValue(body[question.code]);
      if (value === '') return { kind: 'empty' };
      if (!optionsOf(question).some((o) => o.code === value)) {
        return { kind: 'error', error: { field: question.code, code: 'invalid_option' } };
      }
      return { kind: 'answer', value };
    },
    formFields: (question) => [{ name: question.code, several: false }],
    formValues: (question, answer) => ({ [question.code]: answer }),
    summarise(question, answer, lang) {
      const option = optionsOf(question).find((o) => o.code === answer);
      return [option ? localise(option.label, lang) : answer];
    },
    closedVariables: (question) => [{ item: '', options: optionsOf(question), multiple: false, ...(scale ? { scale } : {}), ...(polarityOf ? { polarity: polarityOf(question) } : {}) }],
    count(_question, answer, counter) {
      if (typeof answer !== 'string') return;
      counter.answered('');
      counter.option('', answer);
    },
    view: (question, page) => radiosView(question, page, question.code, optionsOf(question)),
    exportColumns: (question) => [
      choiceColumn({ name: question.code, label: question.text.en, item: '', questionType: question.type }, optionsOf(question), scale === 'agree', (answer) => answer as string | undefined),
    ],
    indexScore: (_question, answer, _item, score) => (typeof answer === 'string' ? score(answer, scale) : null),
    synthetic: (question, source) => source.ordered(optionsOf(question)),
  };
}

export const singleType = oneOf<TSingleQuestion>((q) => q.options);
