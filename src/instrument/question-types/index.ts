import { z } from 'zod';
import type { QuestionTypeModule } from './contract.js';
import { ZMatrixQuestion, matrixType } from './matrix.js';
import { ZMultipleQuestion, multipleType } from './multiple.js';
import { ZNumberQuestion, numberType } from './number.js';
import { ZAgreeQuestion, ZEngagementQuestion, agreeType, engagementType } from './scale.js';
import { ZSingleQuestion, singleType } from './single.js';
import { ZTextQuestion, textType } from './text-question.js';

export const ZQuestion = z.discriminatedUnion('type', [ZSingleQuestion, ZMultipleQuestion, ZAgreeQuestion, ZEngagementQuestion, ZNumberQuestion, ZTextQuestion, ZMatrixQuestion]);
export type TQuestion = z.output<typeof ZQuestion>;
export type QuestionType = TQuestion['type'];
export const QUESTION_TYPES = ZQuestion.options.map((o): QuestionType => o.shape.type.value);

type AnswerOf<K extends QuestionType> = (typeof questionTypes)[K] extends QuestionTypeModule<never, infer A> ? A : never;

export const questionTypes = {
  single: singleType,
  multiple: multipleType,
  agree: agreeType,
  engagement: engagementType,
  number: numberType,
  text: textType,
  matrix: matrixType,
} satisfies { [K in QuestionType]: QuestionTypeModule<Extract<TQuestion, { type: K }>, unknown> };

/** Any stored answer value; which shape depends on the question's type. */
export type AnswerValue = AnswerOf<QuestionType>;

/** The module for a question's type (`questionTypes` is checked above to map every type to a module for exactly that type). */
export function moduleFor(question: TQuestion): QuestionTypeModule<TQuestion, AnswerValue> {
  return questionTypes[question.type];
}

/** A respondent's answers, keyed by question code; questions not answered (or not shown) are absent. */
export type Answers = Record<string, AnswerValue>;
