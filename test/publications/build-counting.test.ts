import { describe, expect, it } from 'vitest';
import { TableBuilder } from '../../src/analysis/aggregate.js';
import { indexScores } from '../../src/analysis/indices.js';
import { cellId, indexVariable, variableId, type CellKey, type SurveyTables } from '../../src/analysis/tables.js';
import type { TextVariableAnalysis } from '../../src/analysis/index.js';
import { seededRandom, syntheticAnswers } from '../../src/fieldwork/synthetic.js';
import { allQuestions, segmentCellOf, type TDefinition } from '../../src/instrument/definition.js';
import { moduleFor, type Answers } from '../../src/instrument/question-types/index.js';
import { scaleThemes } from '../../src/publications/build.js';
import { CommentSample } from '../../src/publications/tally.js';
import { quotableTexts, type FreeTextTheme } from '../../src/reporting/free-text.js';
import { standardInstrument } from '../support/app.js';

/**
 * The counting in TableBuilder keeps its tallies in typed arrays by slot, for speed. This is
 * the plain version it replaced (string-keyed maps per cell, indexScores per response): the
 * two must give the same tables, row for row, in the same order, with the same sums.
 */
function referenceTables(definition: TDefinition, responses: { answers: Answers; key?: CellKey }[]): SurveyTables {
  const segments = new Set([definition.segments.roleGroup, definition.segments.directorate]);
  const questions = allQuestions(definition)
    .map((p) => p.question)
    .filter((q) => !segments.has(q.code));
  const cells = new Map<
    string,
    { key: CellKey; responses: number; answered: Map<string, number>; options: Map<string, number>; numeric: Map<string, { n: number; sum: number; sumSquares: number }> }
  >();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const { answers, key: given } of responses) {
    const key = given ?? segmentCellOf(definition, answers);
    let cell = cells.get(cellId(key));
    if (!cell) cells.set(cellId(key), (cell = { key, responses: 0, answered: new Map(), options: new Map(), numeric: new Map() }));
    cell.responses++;
    const c = cell;
    const addNumeric = (variable: string, value: number) => {
      const m = c.numeric.get(variable);
      if (m) {
        m.n++;
        m.sum += value;
        m.sumSquares += value * value;
      } else c.numeric.set(variable, { n: 1, sum: value, sumSquares: value * value });
    };
    for (const q of questions) {
      const answer = answers[q.code];
      if (answer === undefined) continue;
      moduleFor(q).count(q, answer, {
        answered: (item) => bump(c.answered, variableId(q.code, item)),
        option: (item, option) => bump(c.options, `${variableId(q.code, item)}\u0000${option}`),
        numeric: (value) => addNumeric(q.code, value),
      });
    }
    for (const [code, score] of Object.entries(indexScores(definition, answers))) if (score !== null) addNumeric(indexVariable(code), score);
  }
  const out: SurveyTables = { cells: [], answered: [], options: [], numeric: [] };
  for (const c of cells.values()) {
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

const definition = standardInstrument();

/** Answers of every odd shape stored JSON can hold: wrong types, unknown codes, empty and partial answers. */
function oddAnswers(random: () => number): Answers[] {
  const base = syntheticAnswers(definition, random);
  const odd = (patch: Record<string, unknown>) => ({ ...base, ...patch }) as Answers;
  return [
    odd({ engaged: 42 }),
    odd({ engaged: 'not_an_option' }),
    odd({ leadership: 'strongly_agree' }),
    odd({ leadership: null }),
    odd({ leadership: { understand: 'agree', not_an_item: 'agree', invest: 7 } }),
    odd({ barriers: { selected: [] } }),
    odd({ barriers: { selected: ['budget', 'budget', 3] } }),
    odd({ barriers: 'budget' }),
    odd({ years_lg: 'seven' }),
    odd({ years_lg: Number.NaN }),
    odd({ years_lg: 0 }),
    odd({ one_change: '   ' }),
    odd({ one_change: 12 }),
    odd({ directorate: undefined }),
    odd({ directorate: 3 }),
    odd({ role: undefined }),
    { role: 'manager' },
    {},
  ];
}

describe('TableBuilder', () => {
  it('counts exactly as the string-keyed tallies did: same rows, order and sums, odd answers included', () => {
    const random = seededRandom(7);
    const responses: { answers: Answers; key?: CellKey }[] = [];
    for (let i = 0; i < 3000; i++) {
      responses.push({ answers: syntheticAnswers(definition, random) });
      if (i % 300 === 0) for (const answers of oddAnswers(random)) responses.push({ answers });
      // Stored cells, as publications pass them, sometimes differing from the answers.
      if (i % 7 === 0) {
        const answers = syntheticAnswers(definition, random);
        responses.push({ answers, key: { roleGroup: segmentCellOf(definition, answers).roleGroup, directorate: i % 14 === 0 ? '' : 'elsewhere' } });
      }
    }
    const builder = new TableBuilder(definition);
    for (const r of responses) builder.add(r.answers, r.key);
    const expected = referenceTables(definition, responses);
    expect(builder.responses).toBe(responses.length);
    // toStrictEqual compares arrays in order, and numbers exactly.
    expect(builder.tables()).toStrictEqual(expected);
    expect(expected.options.length).toBeGreaterThan(500);
    expect(expected.numeric.some((m) => m.variable === indexVariable('_overall'))).toBe(true);
  });

  it('gives the same tables when asked twice, and counts on after being asked', () => {
    const random = seededRandom(3);
    const answers = Array.from({ length: 200 }, () => syntheticAnswers(definition, random));
    const builder = new TableBuilder(definition);
    for (const a of answers.slice(0, 100)) builder.add(a);
    expect(builder.tables()).toStrictEqual(builder.tables());
    for (const a of answers.slice(100)) builder.add(a);
    expect(builder.tables()).toStrictEqual(
      referenceTables(
        definition,
        answers.map((a) => ({ answers: a })),
      ),
    );
  });
});

/** A text variable as analysis gives it: the total and these role groups may be quoted. */
function textVariable(question: string, shownGroups: string[]): TextVariableAnalysis {
  return {
    kind: 'text',
    question,
    groups: [
      { group: { kind: 'total' }, showText: true },
      ...shownGroups.map((code) => ({ group: { kind: 'roleGroup', code }, showText: true })),
      { group: { kind: 'roleGroup', code: 'hidden' }, showText: false },
    ],
  } as unknown as TextVariableAnalysis;
}

describe('CommentSample', () => {
  const roles = ['manager', 'frontline', 'hidden', 'it_digital'];
  const comments = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      // Random ids, numbered in their order, as the rows are read.
      id: `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`,
      roleGroup: roles[i % roles.length]!,
      answers: { one_change: i % 11 === 0 ? '  ' : `comment ${i}`, holds_back: `other ${i}` },
    }));

  it('keeps every quotable comment, in the order read, when there are no more than the limit', () => {
    const sample = new CommentSample(['one_change', 'holds_back'], 100);
    const rows = comments(120);
    for (const r of rows) sample.add(r.id, r.roleGroup, r.answers);
    const variable = textVariable('one_change', ['manager', 'frontline', 'it_digital']);
    const expected = quotableTexts(
      variable,
      rows.filter((r) => r.answers.one_change.trim() !== '').map((r) => ({ roleGroup: r.roleGroup, text: r.answers.one_change })),
    );
    expect(expected.length).toBeLessThanOrEqual(100);
    expect(sample.quotable(variable)).toEqual({ comments: expected.length, texts: expected });
  });

  it('themes a repeatable uniform sample of the limit beyond it, with the number of comments exact', () => {
    const rows = comments(20_000);
    const take = () => {
      const sample = new CommentSample(['one_change', 'holds_back'], 500);
      for (const r of rows) sample.add(r.id, r.roleGroup, r.answers);
      return sample.quotable(textVariable('one_change', ['manager', 'frontline']));
    };
    const first = take();
    const quotable = rows.filter((r) => ['manager', 'frontline'].includes(r.roleGroup) && r.answers.one_change.trim() !== '');
    expect(first.comments).toBe(quotable.length);
    expect(first.texts).toHaveLength(500);
    expect(take()).toEqual(first);
    // Only quotable comments, in the order read, drawn from across the wave.
    const position = new Map(quotable.map((r, i) => [r.answers.one_change, i]));
    const positions = first.texts.map((t) => position.get(t)!);
    expect(positions.every((p) => p !== undefined)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(positions.filter((p) => p < quotable.length / 2).length).toBeGreaterThan(200);
    expect(positions.filter((p) => p >= quotable.length / 2).length).toBeGreaterThan(200);
  });

  it('scales theme counts from a sample to add up to every comment, and leaves them alone without one', () => {
    const theme = (label: string, count: number): FreeTextTheme => ({ label, count, quotes: [] });
    const themes = [theme('Training', 251), theme('Wifi', 149), theme('Other comments', 100)];
    expect(scaleThemes(themes, 500, 500)).toEqual(themes);
    const scaled = scaleThemes(themes, 500, 1_000_003);
    expect(scaled.map((t) => t.count).reduce((a, b) => a + b, 0)).toBe(1_000_003);
    // 502,001.5, 298,000.9 and 200,000.6: the two largest remainders round up.
    expect(scaled.map((t) => t.count)).toEqual([502_001, 298_001, 200_001]);
  });
});
