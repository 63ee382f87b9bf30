import { allQuestions, type TDefinition } from '../instrument/definition.js';
import { moduleFor, type Answers } from '../instrument/question-types/index.js';
import type { MultipleAnswer } from '../instrument/question-types/multiple.js';
import { indexScores } from '../analysis/indices.js';
import { indexVariable } from '../analysis/tables.js';

/** What one submitted response adds to the maintained counts of its segment cell. */
export interface Tally {
  answered: { question: string; item: string }[];
  options: { question: string; item: string; option: string }[];
  numeric: { variable: string; value: number }[];
}

/**
 * Turns one response's answers into count increments: one "answered" per closed variable
 * answered, one option row per chosen option (several for multiple choice), and the value
 * of each number question, and the respondent's score on each index the definition maps
 * (so indices get means and intervals from the same maintained sums).
 */
export function tally(definition: TDefinition, answers: Answers): Tally {
  const result: Tally = { answered: [], options: [], numeric: [] };
  for (const [code, score] of Object.entries(indexScores(definition, answers))) {
    if (score !== null) result.numeric.push({ variable: indexVariable(code), value: score });
  }
  for (const { question } of allQuestions(definition)) {
    const answer = answers[question.code];
    if (answer === undefined) continue;
    if (question.type === 'number' && typeof answer === 'number') {
      result.numeric.push({ variable: question.code, value: answer });
      continue;
    }
    for (const variable of moduleFor(question).closedVariables(question)) {
      const chosen = chosenOptions(answer, variable.item, variable.multiple);
      if (chosen.length === 0) continue;
      result.answered.push({ question: question.code, item: variable.item });
      for (const option of chosen) result.options.push({ question: question.code, item: variable.item, option });
    }
  }
  return result;
}

function chosenOptions(answer: Answers[string], item: string, multiple: boolean): string[] {
  if (multiple && typeof answer === 'object' && 'selected' in answer) return (answer as MultipleAnswer).selected;
  if (item === '' && typeof answer === 'string') return [answer];
  if (item !== '' && typeof answer === 'object' && !('selected' in answer)) {
    const value = (answer as Record<string, string>)[item];
    return value === undefined ? [] : [value];
  }
  return [];
}
