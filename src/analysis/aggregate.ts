import type { TDefinition } from '../instrument/definition.js';
import type { Answers } from '../instrument/question-types/index.js';
import { indexScores } from './indices.js';
import { cellId, indexVariable, variableId, type SurveyTables } from './tables.js';
import { variablesOf } from './variables.js';

/**
 * The tables storage should hold for a set of completed responses: a reference
 * implementation of the input contract, used by tests, the benchmark and anyone seeding data.
 * Storage maintains the same counts incrementally as answers arrive.
 */
export class TableBuilder {
  private readonly cells = new Map<string, { roleGroup: string; directorate: string; responses: number }>();
  private readonly answered = new Map<string, { roleGroup: string; directorate: string; question: string; item: string; n: number }>();
  private readonly options = new Map<string, { roleGroup: string; directorate: string; question: string; item: string; option: string; n: number }>();
  private readonly numeric = new Map<string, { roleGroup: string; directorate: string; variable: string; n: number; sum: number; sumSquares: number }>();
  private readonly plan: { question: string; kind: 'single' | 'multiple' | 'matrix' | 'number' | 'text'; items: string[] }[];

  constructor(private readonly definition: TDefinition) {
    const seen = new Set<string>();
    this.plan = [];
    for (const v of variablesOf(definition)) {
      if (seen.has(v.code)) {
        this.plan.at(-1)!.items.push(v.kind === 'closed' ? v.item : '');
        continue;
      }
      seen.add(v.code);
      const type = v.question.type;
      const kind = type === 'multiple' ? 'multiple' : type === 'matrix' ? 'matrix' : type === 'number' ? 'number' : type === 'text' ? 'text' : 'single';
      this.plan.push({ question: v.code, kind, items: [v.kind === 'closed' ? v.item : ''] });
    }
  }

  /** Adds one completed response. */
  add(answers: Answers): void {
    const roleGroup = String(answers[this.definition.segments.roleGroup] ?? '');
    const dirValue = this.definition.segments.directorate ? answers[this.definition.segments.directorate] : undefined;
    const directorate = typeof dirValue === 'string' ? dirValue : '';
    const cell = cellId({ roleGroup, directorate });
    const c = this.cells.get(cell);
    if (c) c.responses++;
    else this.cells.set(cell, { roleGroup, directorate, responses: 1 });
    const countAnswered = (question: string, item: string) => {
      const key = `${cell}\u0000${variableId(question, item)}`;
      const row = this.answered.get(key);
      if (row) row.n++;
      else this.answered.set(key, { roleGroup, directorate, question, item, n: 1 });
    };
    const countOption = (question: string, item: string, option: string) => {
      const key = `${cell}\u0000${variableId(question, item)}\u0000${option}`;
      const row = this.options.get(key);
      if (row) row.n++;
      else this.options.set(key, { roleGroup, directorate, question, item, option, n: 1 });
    };
    const addNumeric = (variable: string, value: number) => {
      const key = `${cell}\u0000${variable}`;
      const row = this.numeric.get(key);
      if (row) {
        row.n++;
        row.sum += value;
        row.sumSquares += value * value;
      } else this.numeric.set(key, { roleGroup, directorate, variable, n: 1, sum: value, sumSquares: value * value });
    };
    for (const { question, kind, items } of this.plan) {
      const answer = answers[question];
      if (answer === undefined) continue;
      switch (kind) {
        case 'single':
          if (typeof answer !== 'string') break;
          countAnswered(question, '');
          countOption(question, '', answer);
          break;
        case 'multiple': {
          const selected = (answer as { selected?: unknown }).selected;
          if (!Array.isArray(selected) || selected.length === 0) break;
          countAnswered(question, '');
          for (const option of selected) countOption(question, '', String(option));
          break;
        }
        case 'matrix':
          for (const item of items) {
            const value = (answer as Record<string, unknown>)[item];
            if (typeof value !== 'string') continue;
            countAnswered(question, item);
            countOption(question, item, value);
          }
          break;
        case 'number':
          if (typeof answer !== 'number') break;
          countAnswered(question, '');
          addNumeric(question, answer);
          break;
        case 'text':
          if (typeof answer !== 'string' || answer === '') break;
          countAnswered(question, '');
          break;
      }
    }
    for (const [code, score] of Object.entries(indexScores(this.definition, answers))) {
      if (score !== null) addNumeric(indexVariable(code), score);
    }
  }

  tables(): SurveyTables {
    return {
      cells: [...this.cells.values()].map((c) => ({ ...c })),
      answered: [...this.answered.values()].map((r) => ({ ...r })),
      options: [...this.options.values()].map((r) => ({ ...r })),
      numeric: [...this.numeric.values()].map((r) => ({ ...r })),
    };
  }
}

/** Tables for a list of completed responses. */
export function tablesFromAnswers(definition: TDefinition, responses: Iterable<Answers>): SurveyTables {
  const builder = new TableBuilder(definition);
  for (const answers of responses) builder.add(answers);
  return builder.tables();
}
