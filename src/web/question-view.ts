import type { FormBody } from '../instrument/question-types/contract.js';
import { moduleFor, type Answers, type TQuestion } from '../instrument/question-types/index.js';
import type { QuestionPage, QuestionView } from '../instrument/question-types/view.js';
import { localise, type TLanguage } from '../instrument/text.js';
import type { TCondition } from '../instrument/question-types/base.js';
import { errorMessage, message } from './messages.js';
import type { AnswerError } from '../instrument/question-types/contract.js';
import { isQuestionShown, shownQuestions } from '../fieldwork/journey.js';
import type { TDefinition, TSection } from '../instrument/definition.js';

export type { QuestionView } from '../instrument/question-types/view.js';

interface ErrorItem {
  text: string;
  field: string;
}

/**
 * The error summary's items for answer errors, each linking to its field: a question's own
 * "required" message where the definition gives one, else the catalogue's (online and keyed alike).
 */
export function answerErrorItems(questions: readonly TQuestion[], errors: readonly AnswerError[], lang: TLanguage): (ErrorItem & { href: string })[] {
  return errors.map((e) => {
    const own = e.code === 'required' ? questions.find((q) => q.code === e.field)?.requiredMessage : undefined;
    return { text: own ? localise(own, lang) : errorMessage(lang, e.code, e.params), href: `#${e.field}`, field: e.field };
  });
}

/**
 * Parameters for the GOV.UK Frontend macros that render a question: how a question is shown
 * is its type module's (`view`); this gives it the page (language, values, errors, service text).
 */
export function questionView(question: TQuestion, values: FormBody, errors: ErrorItem[], lang: TLanguage, condition?: string): QuestionView {
  const page: QuestionPage = {
    lang,
    values,
    condition,
    message: (key) => message(lang, key),
    errorFor(field) {
      const error = errors.find((e) => e.field === field);
      return error ? { text: error.text, visuallyHiddenText: message(lang, 'errorPrefix') } : undefined;
    },
  };
  return moduleFor(question).view(question, page);
}

/**
 * The questions of a section page. A question whose showIf depends on an earlier question
 * on the same page is on the page too, with a hint saying when to answer it: otherwise a
 * respondent would answer "Yes", press Continue and be told to answer a question they
 * never saw. (Not GOV.UK's conditional reveal: its aria-expanded on a radio is invalid
 * ARIA, a known GOV.UK Frontend issue that axe reports.) An answer given when the
 * condition does not hold is dropped when the page is read.
 */
export function sectionViews(definition: TDefinition, section: TSection, answers: Answers, values: FormBody, errors: ErrorItem[], lang: TLanguage): QuestionView[] {
  const shown = shownQuestions(definition, section, answers);
  const onPage = new Map<string, TQuestion>();
  const views: QuestionView[] = [];
  for (const question of section.questions) {
    const parent = question.showIf && onPage.get(question.showIf.question);
    if (!shown.includes(question) && !(parent && isQuestionShown(definition, section, { ...question, showIf: undefined }, answers))) continue;
    onPage.set(question.code, question);
    views.push(questionView(question, values, errors, lang, parent && question.showIf ? onlyIf(parent, question.showIf, lang) : undefined));
  }
  return views;
}

/**
 * Every question of a definition, section by section in keying order, for a paper questionnaire
 * (printed, or keyed in): all are on one page, so each question with a showIf says when to answer
 * it, whichever section its condition's question is in.
 */
export function questionnaireViews(definition: TDefinition, values: FormBody, errors: ErrorItem[], lang: TLanguage): { section: TSection; questions: QuestionView[] }[] {
  const questions = new Map(definition.sections.flatMap((s) => s.questions.map((q) => [q.code, q] as const)));
  return definition.sections.map((section) => ({
    section,
    questions: section.questions.map((question) => {
      const parent = question.showIf && questions.get(question.showIf.question);
      return questionView(question, values, errors, lang, parent && question.showIf ? onlyIf(parent, question.showIf, lang) : undefined);
    }),
  }));
}

/** "Only answer this if you answered “Yes” above", from the condition's option labels. */
function onlyIf(parent: TQuestion, condition: TCondition, lang: TLanguage): string | undefined {
  if (condition.item !== undefined || !('options' in parent)) return undefined;
  const labels = (condition.anyOf ?? condition.noneOf ?? []).map((code) => parent.options.find((o) => o.code === code)).filter((o) => o !== undefined);
  const answer = labels.map((o) => `“${localise(o.label, lang)}”`).join(` ${message(lang, 'or')} `);
  return message(lang, condition.anyOf ? 'onlyIfAnswered' : 'onlyIfNotAnswered', { answer });
}
