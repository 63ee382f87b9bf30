import { allQuestions, type TDefinition } from '../instrument/definition.js';
import { moduleFor, type Answers, type TQuestion } from '../instrument/question-types/index.js';
import type { AnswerCounter } from '../instrument/question-types/contract.js';
import { indexScores } from './indices.js';
import { cellId, indexVariable, variableId, type CellKey, type SurveyTables } from './tables.js';

interface Moments {
  n: number;
  sum: number;
  sumSquares: number;
}

/** The counts of one segment cell (role group × directorate). */
class CellCounts {
  responses = 0;
  readonly answered = new Map<string, number>();
  readonly options = new Map<string, number>();
  readonly numeric = new Map<string, Moments>();
  constructor(readonly key: CellKey) {}

  addNumeric(variable: string, value: number): void {
    const m = this.numeric.get(variable);
    if (m) {
      m.n++;
      m.sum += value;
      m.sumSquares += value * value;
    } else this.numeric.set(variable, { n: 1, sum: value, sumSquares: value * value });
  }
}

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/**
 * Counts completed responses into the tables analysis reads: the one counting path. How an
 * answer counts is decided by its question-type module (`count`); this only keeps the tallies
 * per segment cell, plus each respondent's index scores. Publications are built through it,
 * and tests feed it the same way.
 */
export class TableBuilder {
  private readonly cells = new Map<string, CellCounts>();
  private readonly questions: TQuestion[];

  constructor(private readonly definition: TDefinition) {
    // The segment questions define the cells; their counts are the responses by cell.
    const segments = new Set([definition.segments.roleGroup, definition.segments.directorate]);
    this.questions = allQuestions(definition)
      .map((p) => p.question)
      .filter((q) => !segments.has(q.code));
  }

  /** The segment cell a response belongs to, from its answers. */
  cellOf(answers: Answers): CellKey {
    const { roleGroup, directorate } = this.definition.segments;
    const dirValue = directorate ? answers[directorate] : undefined;
    return { roleGroup: String(answers[roleGroup] ?? ''), directorate: typeof dirValue === 'string' ? dirValue : '' };
  }

  /** Adds one completed response (in the cell its answers give, unless the stored cell is passed). */
  add(answers: Answers, key: CellKey = this.cellOf(answers)): void {
    const id = cellId(key);
    let cell = this.cells.get(id);
    if (!cell) this.cells.set(id, (cell = new CellCounts({ roleGroup: key.roleGroup, directorate: key.directorate })));
    cell.responses++;
    const counts = cell;
    let question = '';
    const counter: AnswerCounter = {
      answered: (item) => bump(counts.answered, variableId(question, item)),
      option: (item, option) => bump(counts.options, `${variableId(question, item)}\u0000${option}`),
      numeric: (value) => counts.addNumeric(question, value),
    };
    for (const q of this.questions) {
      const answer = answers[q.code];
      if (answer === undefined) continue;
      question = q.code;
      moduleFor(q).count(q, answer, counter);
    }
    for (const [code, score] of Object.entries(indexScores(this.definition, answers))) {
      if (score !== null) counts.addNumeric(indexVariable(code), score);
    }
  }

  /** Completed responses so far. */
  get responses(): number {
    let n = 0;
    for (const c of this.cells.values()) n += c.responses;
    return n;
  }

  tables(): SurveyTables {
    const out: SurveyTables = { cells: [], answered: [], options: [], numeric: [] };
    for (const c of this.cells.values()) {
      const { roleGroup, directorate } = c.key;
      out.cells.push({ roleGroup, directorate, responses: c.responses });
      for (const [key, n] of c.answered) {
        const [question, item] = key.split('\u0000') as [string, string];
        out.answered.push({ roleGroup, directorate, question, item, n });
      }
      for (const [key, n] of c.options) {
        const [question, item, option] = key.split('\u0000') as [string, string, string];
        out.options.push({ roleGroup, directorate, question, item, option, n });
      }
      for (const [variable, m] of c.numeric) out.numeric.push({ roleGroup, directorate, variable, ...m });
    }
    return out;
  }
}

/** Tables for a list of completed responses. */
export function tablesFromAnswers(definition: TDefinition, responses: Iterable<Answers>): SurveyTables {
  const builder = new TableBuilder(definition);
  for (const answers of responses) builder.add(answers);
  return builder.tables();
}
