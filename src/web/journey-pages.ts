import type { TDefinition, TSection } from '../instrument/definition.js';
import type { AnswerError, FormBody } from '../instrument/question-types/contract.js';
import { moduleFor, type Answers, type TQuestion } from '../instrument/question-types/index.js';
import type { TLanguage } from '../instrument/text.js';
import { previousSection, sectionPosition, shownQuestions, shownSections } from '../fieldwork/journey.js';
import { answerErrorItems, sectionViews } from './question-view.js';

/**
 * What a question page and the check-your-answers page show, from the journey's pure rules:
 * the live survey and the lead's preview render the same pages from the same answers, so a
 * preview shows exactly what a respondent will see.
 */

/** A section page's questions, error summary (a question's own message where it has one), progress and the section Back leads to. */
export function sectionPage(definition: TDefinition, section: TSection, answers: Answers, values: FormBody, errors: AnswerError[], lang: TLanguage) {
  const errorList = answerErrorItems(section.questions, errors, lang);
  return {
    section,
    questions: sectionViews(definition, section, answers, values, errorList, lang),
    errorList,
    progress: sectionPosition(definition, section.code, answers),
    back: previousSection(definition, section.code, answers),
  };
}

/** A section's answers as the form fields that would give them, to fill a page in again. */
export function formValuesOf(section: TSection, answers: Answers): FormBody {
  return Object.fromEntries(section.questions.filter((q) => answers[q.code] !== undefined).flatMap((q) => Object.entries(moduleFor(q).formValues(q, answers[q.code]!))));
}

/** The check-your-answers page: every shown section with its shown questions, each answer summarised and a Change link. */
export function checkSections(definition: TDefinition, answers: Answers, lang: TLanguage, changeHref: (section: TSection, question: TQuestion) => string) {
  return shownSections(definition, answers).map((section) => ({
    section,
    rows: shownQuestions(definition, section, answers).map((question) => {
      const answer = answers[question.code];
      return { question, lines: answer === undefined ? [] : moduleFor(question).summarise(question, answer, lang), changeHref: changeHref(section, question) };
    }),
  }));
}
