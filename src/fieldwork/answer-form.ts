import type { TDefinition, TSection } from '../instrument/definition.js';
import { moduleFor, type Answers } from '../instrument/question-types/index.js';
import type { AnswerError, FormBody } from '../instrument/question-types/contract.js';
import { keepShownAnswers, shownQuestions } from './journey.js';

export type SectionResult = { ok: true; answers: Answers } | { ok: false; errors: AnswerError[]; answers: Answers };

/**
 * Reads one section's form into the respondent's answers. Questions are read in order,
 * so a showIf inside the section sees the answer given just above it on the same page.
 * Every error on the page is reported at once, in page order, for the error summary.
 */
export function readSection(definition: TDefinition, section: TSection, body: FormBody, previous: Answers): SectionResult {
  const answers: Answers = { ...previous };
  const errors: AnswerError[] = [];
  for (const question of section.questions) delete answers[question.code];
  for (const question of section.questions) {
    if (!shownQuestions(definition, section, answers).includes(question)) continue;
    const read = moduleFor(question).read(question, body);
    if (read.kind === 'error') errors.push(read.error);
    else if (read.kind === 'answer') answers[question.code] = read.value;
    else if (question.required) errors.push({ field: question.code, code: 'required' });
  }
  const kept = keepShownAnswers(definition, answers);
  return errors.length > 0 ? { ok: false, errors, answers } : { ok: true, answers: kept };
}
