import type { TCondition } from '../instrument/question-types/base.js';
import type { TDefinition, TSection } from '../instrument/definition.js';
import type { Answers, TQuestion } from '../instrument/question-types/index.js';

/**
 * The respondent's route through a definition, as pure functions of the answers so far:
 * which audience they are in (from their role group), which sections and questions they
 * see (audiences and showIf), and where Next, Back and Change lead.
 */

export function audienceOf(definition: TDefinition, answers: Answers): string | undefined {
  const { roleGroup } = definition.segments;
  const role = roleGroup === undefined ? undefined : answers[roleGroup];
  if (typeof role !== 'string') return undefined;
  return definition.audiences.find((a) => a.roleGroups.includes(role))?.code;
}

export function conditionHolds(condition: TCondition, answers: Answers): boolean {
  const answer = answers[condition.question];
  const value =
    condition.item === undefined
      ? typeof answer === 'string'
        ? answer
        : undefined
      : typeof answer === 'object' && answer !== null && !('selected' in answer)
        ? answer[condition.item]
        : undefined;
  if (condition.anyOf) return value !== undefined && condition.anyOf.includes(value);
  // noneOf: an unanswered question is "none of" the codes.
  return value === undefined || !(condition.noneOf ?? []).includes(value);
}

function inAudience(audiences: string[] | undefined, audience: string | undefined): boolean {
  return audiences === undefined || (audience !== undefined && audiences.includes(audience));
}

export function isQuestionShown(definition: TDefinition, section: TSection, question: TQuestion, answers: Answers): boolean {
  const audience = audienceOf(definition, answers);
  return isSectionShown(definition, section, answers) && inAudience(question.audiences, audience) && (question.showIf === undefined || conditionHolds(question.showIf, answers));
}

export function isSectionShown(definition: TDefinition, section: TSection, answers: Answers): boolean {
  const audience = audienceOf(definition, answers);
  // Until the role group is known only the first section (which asks it) can be shown; a survey without audiences shows every section to everyone.
  if (audience === undefined && definition.audiences.length > 0) return section === definition.sections[0];
  return (
    inAudience(section.audiences, audience) &&
    (section.showIf === undefined || conditionHolds(section.showIf, answers)) &&
    section.questions.some((q) => inAudience(q.audiences, audience) && (q.showIf === undefined || conditionHolds(q.showIf, answers)))
  );
}

export function shownSections(definition: TDefinition, answers: Answers): TSection[] {
  return definition.sections.filter((section) => isSectionShown(definition, section, answers));
}

export function shownQuestions(definition: TDefinition, section: TSection, answers: Answers): TQuestion[] {
  return section.questions.filter((question) => isQuestionShown(definition, section, question, answers));
}

/**
 * Where a section is on the respondent's route ("Section 1 of 11"). Until the role group is
 * answered only the first section is known to be shown, so the route's length is then the
 * longest any audience could have, not 1.
 */
export function sectionPosition(definition: TDefinition, sectionCode: string, answers: Answers): { current: number; total: number } {
  const shown = shownSections(definition, answers);
  const { roleGroup } = definition.segments;
  const total =
    audienceOf(definition, answers) !== undefined || roleGroup === undefined
      ? shown.length
      : Math.max(shown.length, ...definition.audiences.map((a) => shownSections(definition, { ...answers, [roleGroup]: a.roleGroups[0]! }).length));
  return { current: shown.findIndex((s) => s.code === sectionCode) + 1, total };
}

/** The section after this one that the respondent sees, or undefined when they are done. */
export function nextSection(definition: TDefinition, current: string, answers: Answers): TSection | undefined {
  const shown = shownSections(definition, answers);
  const index = shown.findIndex((s) => s.code === current);
  return index === -1 ? shown[0] : shown[index + 1];
}

export function previousSection(definition: TDefinition, current: string, answers: Answers): TSection | undefined {
  const shown = shownSections(definition, answers);
  const index = shown.findIndex((s) => s.code === current);
  return index > 0 ? shown[index - 1] : undefined;
}

/**
 * Drops answers to questions that are no longer shown (e.g. the respondent changed an
 * earlier answer), so a response never carries answers to questions it was not asked.
 */
export function keepShownAnswers(definition: TDefinition, answers: Answers): Answers {
  const kept: Answers = {};
  for (const section of definition.sections) {
    for (const question of section.questions) {
      const answer = answers[question.code];
      // Judge against what is kept so far: a chain of conditions falls together.
      if (answer !== undefined && isQuestionShown(definition, section, question, kept)) kept[question.code] = answer;
    }
  }
  return kept;
}

/** The first shown section with a required question still unanswered, for resuming and for the final check. */
export function firstIncompleteSection(definition: TDefinition, answers: Answers): TSection | undefined {
  return shownSections(definition, answers).find((section) => shownQuestions(definition, section, answers).some((q) => q.required && answers[q.code] === undefined));
}
