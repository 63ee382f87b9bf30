import { allQuestions, segmentCellOf, type TDefinition } from '../instrument/definition.js';
import { moduleFor, type Answers, type AnswerValue, type TQuestion } from '../instrument/question-types/index.js';
import type { AnswerCounter, QuestionTypeModule } from '../instrument/question-types/contract.js';
import { itemScorer, OVERALL_MATURITY } from './indices.js';
import { indexVariable, type CellKey, type SurveyTables } from './tables.js';

/*
 * Counting is the hot loop of a publication build (a million responses × some fifty
 * variables), so the tallies are kept in typed arrays indexed by slot numbers rather than
 * in maps keyed by strings built for every answer. Every variable and option the definition
 * declares gets its slot when the builder is made (from the question-type modules'
 * `closedVariables`), and each question its own counter, bound to its slots: counting an
 * answer is a lookup by the option code the answer already holds, then an array increment.
 * A code the definition does not declare (stored under an older definition) gets a slot the
 * first time it is met. Each cell also remembers the order in which its slots were first
 * used, so `tables()` lists rows exactly as the earlier string-keyed maps did (same rows, same
 * order, same sums in the same order): slot numbers themselves never show.
 */

/** Where one question's counts go: its slots, found by item and option. */
interface QuestionSlots {
  question: TQuestion;
  code: string;
  module: QuestionTypeModule<TQuestion, AnswerValue>;
  /** Answered slot by item ('' unless a matrix row). */
  answered: Map<string, number>;
  /** The answered slot of item '' (every question but a matrix). */
  blankAnswered: number;
  /** Option slots by item, then option. */
  options: Map<string, Map<string, number>>;
  /** The option slots of item '' (every question but a matrix). */
  blankOptions: Map<string, number>;
  /** The numeric slot of the question's own variable (number questions), -1 until first used. */
  numeric: number;
  /** Receives this question's answers' counts (the module's `count`) into the cell being counted. */
  counter: AnswerCounter;
}

/** How one index is scored for a respondent, precomputed from the definition (see indexScores in indices.ts). */
interface IndexPlan {
  slot: number;
  maturity: boolean;
  /** Each item's scorer (indices.ts). */
  items: ((answers: Answers) => number | null)[];
}

/** A growable array of tallies, one per slot. */
function grown(array: Float64Array<ArrayBuffer>, slot: number): Float64Array<ArrayBuffer> {
  const next = new Float64Array(Math.max(slot + 1, array.length * 2, 16));
  next.set(array);
  return next;
}

/** The counts of one segment cell (role group × directorate). */
class CellCounts {
  responses = 0;
  answered: Float64Array<ArrayBuffer> = new Float64Array(0);
  /** Slots in the order this cell first counted them. */
  readonly answeredOrder: number[] = [];
  options: Float64Array<ArrayBuffer> = new Float64Array(0);
  readonly optionsOrder: number[] = [];
  n: Float64Array<ArrayBuffer> = new Float64Array(0);
  sum: Float64Array<ArrayBuffer> = new Float64Array(0);
  sumSquares: Float64Array<ArrayBuffer> = new Float64Array(0);
  readonly numericOrder: number[] = [];
  /** Sized for the slots known when the cell is first met, so the arrays seldom grow. */
  constructor(
    readonly key: CellKey,
    answered: number,
    options: number,
    numeric: number,
  ) {
    this.answered = new Float64Array(answered);
    this.options = new Float64Array(options);
    this.n = new Float64Array(numeric);
    this.sum = new Float64Array(numeric);
    this.sumSquares = new Float64Array(numeric);
  }

  countAnswered(slot: number): void {
    if (slot >= this.answered.length) this.answered = grown(this.answered, slot);
    if (this.answered[slot]!++ === 0) this.answeredOrder.push(slot);
  }

  countOption(slot: number): void {
    if (slot >= this.options.length) this.options = grown(this.options, slot);
    if (this.options[slot]!++ === 0) this.optionsOrder.push(slot);
  }

  addNumeric(slot: number, value: number): void {
    if (slot >= this.n.length) {
      this.n = grown(this.n, slot);
      this.sum = grown(this.sum, slot);
      this.sumSquares = grown(this.sumSquares, slot);
    }
    if (this.n[slot]!++ === 0) this.numericOrder.push(slot);
    this.sum[slot]! += value;
    this.sumSquares[slot]! += value * value;
  }
}

/**
 * Counts completed responses into the tables analysis reads: the one counting path. How an
 * answer counts is decided by its question-type module (`count`); this only keeps the tallies
 * per segment cell, plus each respondent's index scores. Publications are built through it,
 * and tests feed it the same way.
 */
export class TableBuilder {
  /** Cells by role group, then directorate, in the order first seen. */
  private readonly cellsByRole = new Map<string, Map<string, CellCounts>>();
  private readonly cells: CellCounts[] = [];
  private readonly questions: QuestionSlots[];
  private readonly indices: IndexPlan[];
  private readonly overallSlot: number;
  private readonly anyMaturity: boolean;
  /** What each slot stands for. */
  private readonly answeredSlots: { question: string; item: string }[] = [];
  private readonly optionSlots: { question: string; item: string; option: string }[] = [];
  private readonly numericSlots: string[] = [];
  private readonly numericSlotOf = new Map<string, number>();
  /** The cell being counted, read by the questions' counters. */
  private cell!: CellCounts;
  /** Position in `questions` by question code. */
  private readonly position = new Map<string, number>();
  /** The answers of the response being counted, by position in `questions` (cleared as counted). */
  private readonly given: (AnswerValue | undefined)[] = [];

  constructor(private readonly definition: TDefinition) {
    // The segment questions define the cells; their counts are the responses by cell.
    const segments = new Set([definition.segments.roleGroup, definition.segments.directorate]);
    this.questions = allQuestions(definition)
      .map((p) => p.question)
      .filter((q) => !segments.has(q.code))
      .map((question) => this.slotsFor(question));
    this.questions.forEach((q, i) => {
      this.position.set(q.code, i);
      this.given.push(undefined);
    });
    // As indexScores (indices.ts) scores them: the same items, in the same order, summed the same way.
    const byCode = new Map(definition.sections.flatMap((s) => s.questions.map((q) => [q.code, q] as const)));
    this.indices = definition.indices.map((index) => ({
      slot: this.numericSlot(indexVariable(index.code)),
      maturity: index.kind === 'maturity',
      items: index.items.map((item) => itemScorer(byCode.get(item.question), item)),
    }));
    this.anyMaturity = definition.indices.some((i) => i.kind === 'maturity');
    this.overallSlot = this.anyMaturity ? this.numericSlot(indexVariable(OVERALL_MATURITY)) : -1;
  }

  /** A question's slots: one per variable and option its module declares (more are added as answers need them), and its counter. */
  private slotsFor(question: TQuestion): QuestionSlots {
    const module = moduleFor(question);
    const blankOptions = new Map<string, number>();
    const q: QuestionSlots = {
      question,
      code: question.code,
      module,
      answered: new Map(),
      blankAnswered: -1,
      options: new Map([['', blankOptions]]),
      blankOptions,
      numeric: -1,
      counter: {
        answered: (item) => this.cell.countAnswered(item === '' ? q.blankAnswered : (q.answered.get(item) ?? this.answeredSlot(q, item))),
        option: (item, option) => {
          const slot = (item === '' ? q.blankOptions : q.options.get(item))?.get(option);
          this.cell.countOption(slot ?? this.optionSlot(q, item, option));
        },
        numeric: (value) => {
          if (q.numeric < 0) q.numeric = this.numericSlot(q.code);
          this.cell.addNumeric(q.numeric, value);
        },
      },
    };
    q.blankAnswered = this.answeredSlot(q, '');
    for (const variable of module.closedVariables(question)) {
      this.answeredSlot(q, variable.item);
      for (const option of variable.options) this.optionSlot(q, variable.item, option.code);
    }
    return q;
  }

  private numericSlot(variable: string): number {
    let slot = this.numericSlotOf.get(variable);
    if (slot === undefined) {
      slot = this.numericSlots.push(variable) - 1;
      this.numericSlotOf.set(variable, slot);
    }
    return slot;
  }

  private answeredSlot(q: QuestionSlots, item: string): number {
    let slot = q.answered.get(item);
    if (slot === undefined) {
      slot = this.answeredSlots.push({ question: q.code, item }) - 1;
      q.answered.set(item, slot);
    }
    return slot;
  }

  private optionSlot(q: QuestionSlots, item: string, option: string): number {
    let byOption = q.options.get(item);
    if (!byOption) q.options.set(item, (byOption = new Map<string, number>()));
    let slot = byOption.get(option);
    if (slot === undefined) {
      slot = this.optionSlots.push({ question: q.code, item, option }) - 1;
      byOption.set(option, slot);
    }
    return slot;
  }

  private cellFor(roleGroup: string, directorate: string): CellCounts {
    let byDirectorate = this.cellsByRole.get(roleGroup);
    if (!byDirectorate) this.cellsByRole.set(roleGroup, (byDirectorate = new Map<string, CellCounts>()));
    let cell = byDirectorate.get(directorate);
    if (!cell) {
      byDirectorate.set(directorate, (cell = new CellCounts({ roleGroup, directorate }, this.answeredSlots.length, this.optionSlots.length, this.numericSlots.length)));
      this.cells.push(cell);
    }
    return cell;
  }

  /** The segment cell a response belongs to, from its answers. */
  cellOf(answers: Answers): CellKey {
    return segmentCellOf(this.definition, answers);
  }

  /** Adds one completed response (in the cell its answers give, unless the stored cell is passed). */
  add(answers: Answers, key: CellKey = this.cellOf(answers)): void {
    this.addIn(key.roleGroup, key.directorate, answers);
  }

  /** Adds one completed response in the given cell (as `add`, without a key object per response). */
  addIn(roleGroup: string, directorate: string, answers: Answers): void {
    const cell = this.cellFor(roleGroup, directorate);
    this.cell = cell;
    cell.responses++;
    // The answers are read in the order they are stored (a for-in over a decoded object reads
    // its properties in place, where looking up some fifty codes one by one in objects of
    // ever-different shapes costs a slow search each), then counted in the definition's order.
    const given = this.given;
    for (const code in answers) {
      const position = this.position.get(code);
      if (position !== undefined) given[position] = answers[code];
    }
    const questions = this.questions;
    for (let i = 0; i < questions.length; i++) {
      const answer = given[i];
      if (answer === undefined) continue;
      given[i] = undefined;
      const q = questions[i]!;
      q.module.count(q.question, answer, q.counter);
    }
    // Each index's 0-100 score: the mean of its scored items; overall maturity, the mean of the dimension scores.
    let dimensions = 0;
    let dimensionSum = 0;
    for (const index of this.indices) {
      let sum = 0;
      let n = 0;
      for (const score of index.items) {
        const s = score(answers);
        if (s !== null) {
          sum += s;
          n++;
        }
      }
      if (n === 0) continue;
      const score = sum / n;
      cell.addNumeric(index.slot, score);
      if (index.maturity) {
        dimensionSum += score;
        dimensions++;
      }
    }
    if (this.anyMaturity && dimensions > 0) cell.addNumeric(this.overallSlot, dimensionSum / dimensions);
  }

  /** Completed responses so far. */
  get responses(): number {
    let n = 0;
    for (const c of this.cells) n += c.responses;
    return n;
  }

  tables(): SurveyTables {
    const out: SurveyTables = { cells: [], answered: [], options: [], numeric: [] };
    for (const c of this.cells) {
      const { roleGroup, directorate } = c.key;
      out.cells.push({ roleGroup, directorate, responses: c.responses });
      for (const slot of c.answeredOrder) {
        const { question, item } = this.answeredSlots[slot]!;
        out.answered.push({ roleGroup, directorate, question, item, n: c.answered[slot]! });
      }
      for (const slot of c.optionsOrder) {
        const { question, item, option } = this.optionSlots[slot]!;
        out.options.push({ roleGroup, directorate, question, item, option, n: c.options[slot]! });
      }
      for (const slot of c.numericOrder) {
        out.numeric.push({ roleGroup, directorate, variable: this.numericSlots[slot]!, n: c.n[slot]!, sum: c.sum[slot]!, sumSquares: c.sumSquares[slot]! });
      }
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
