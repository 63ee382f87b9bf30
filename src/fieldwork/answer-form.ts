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

/**
 * The answers a set of pages' forms give, read in the survey's order with readSection, so
 * each page's showIf sees the pages before it. The lead's preview keeps nothing on the server:
 * the browser carries each answered page's fields, and every request reads them again with the
 * same checks as the live survey (a page whose fields no longer pass is left out).
 */
export function answersFromPages(definition: TDefinition, pages: Readonly<Record<string, FormBody>>): Answers {
  let answers: Answers = {};
  for (const section of definition.sections) {
    const body = pages[section.code];
    if (!body) continue;
    const result = readSection(definition, section, body, answers);
    if (result.ok) answers = result.answers;
  }
  return answers;
}
