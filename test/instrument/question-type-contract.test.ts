import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';
import type { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TableBuilder } from '../../src/analysis/aggregate.js';
import { analyseSurvey, type SurveyAnalysis } from '../../src/analysis/analyse.js';
import type { ClosedEstimate, MeanEstimate } from '../../src/analysis/index.js';
import type { GroupRef } from '../../src/analysis/segments.js';
import type { Suppressible } from '../../src/analysis/suppression.js';
import type { SurveyTables } from '../../src/analysis/tables.js';
import { seededRandom, syntheticSource } from '../../src/fieldwork/synthetic.js';
import type { TDefinition } from '../../src/instrument/definition.js';
import { moduleFor, questionTypes, type AnswerValue, type QuestionType, type TQuestion } from '../../src/instrument/question-types/index.js';
import { validateDefinitionText } from '../../src/instrument/validate.js';
import { coarsenSegments } from '../../src/reporting/exports/coarsen.js';
import { planExport, writeExport, type ExportPlan } from '../../src/reporting/exports/index.js';
import type { ExportedResponse } from '../../src/storage/exports.js';

/**
 * The contract every question type passes (after GOV.UK Forms' shared question-model spec).
 * For each type in the registry, a small survey (a role-group question and one question of
 * that type, asked of two of the three role groups) is answered by ~30 synthetic respondents,
 * through the type's own `synthetic`. The answers then go round every path an answer takes:
 * form values and back, the count tables, the suppressed analysis and every export format.
 * Each path must give the figures worked out here, by hand, from the answers and from the
 * definition as a person reads it: nothing expected is computed by the code under test.
 */

const THRESHOLD = 5;
/** Respondents per role group, and their export codes (option positions). */
const ROLES = { frontline: { n: 12, code: 1 }, manager: { n: 10, code: 2 }, head_of_service: { n: 8, code: 3 } } as const;
type Role = keyof typeof ROLES;
const ROLE_CODES = Object.keys(ROLES) as Role[];
/** The question is for staff: heads of service are not asked it. */
const ASKED: readonly Role[] = ['frontline', 'manager'];
/** Every fifth respondent asked skips the question. */
const skips = (i: number) => i % 5 === 4;

const NOT_ASKED = Symbol('not asked');
const NO_MASKS = { mergedRoleWithheld: [], segments: [], groups: [] };
type Decoded = unknown;

const AGREE_CODES = { strongly_agree: 5, agree: 4, neither: 3, disagree: 2, strongly_disagree: 1, dont_know: 9 };
const AGREE_SCORES: Record<string, number> = { strongly_agree: 100, agree: 75, neither: 50, disagree: 25, strongly_disagree: 0 };
const ENGAGEMENT_CODES = { very: 4, quite: 3, not_very: 2, not_at_all: 1 };
const ENGAGEMENT_SCORES: Record<string, number> = { very: 100, quite: 200 / 3, not_very: 100 / 3, not_at_all: 0 };

/** How a closed question's answers are read, by hand. */
interface ClosedMeasure {
  kind: 'closed';
  /** Matrix rows, or [''] for the question itself. */
  items: string[];
  /** Options reported as percentages, in order. */
  options: string[];
  /** "Don't know" left out of the base (agreement scales) or in it (a single choice's own option). */
  dontKnow: 'excluded' | 'in_base' | 'none';
  multiple: boolean;
  positive?: string[];
  /** The options an answer chose for an item (none: not answered). */
  chosen(answer: AnswerValue | undefined, item: string): string[] | undefined;
}
type Measure = ClosedMeasure | { kind: 'number'; value(answer: AnswerValue | undefined): number } | { kind: 'text'; text(answer: AnswerValue | undefined): string };

interface Sample {
  /** The question as a definition author writes it (code, wording and audience are added). */
  question: Record<string, unknown>;
  /** Seed of the synthetic answers, chosen so that everything in `mustSee` occurs. */
  seed: number;
  /** Options the generated answers must include, so that every path is exercised. */
  mustSee: string[];
  measure: Measure;
  /** The respondent-file columns, in order, after the role column. */
  columns: string[];
  /** Reads a respondent-file row back into an answer: undefined when not answered, NOT_ASKED for -1. */
  decode(row: Record<string, string>): Decoded;
  /** An index item on the question and an answer's 0-100 score, where an index can use the type. */
  index?: { item: Record<string, unknown>; score(answer: AnswerValue | undefined): number | null };
}

/** A coded choice back to its option: -1 not asked, -2 not answered. */
function decodeChoice(codes: Record<string, number>, value: string | undefined): Decoded {
  if (value === '-1') return NOT_ASKED;
  if (value === '-2') return undefined;
  const option = Object.keys(codes).find((code) => String(codes[code]) === value);
  if (option === undefined) throw new Error(`unexpected code ${value}`);
  return option;
}

const agreeScale = (chosen: ClosedMeasure['chosen'], items = ['']): ClosedMeasure => ({
  kind: 'closed',
  items,
  options: ['strongly_agree', 'agree', 'neither', 'disagree', 'strongly_disagree'],
  dontKnow: 'excluded',
  multiple: false,
  positive: ['strongly_agree', 'agree'],
  chosen,
});
const one = (answer: unknown) => (typeof answer === 'string' ? [answer] : undefined);
const meanOf = (scores: number[]) => (scores.length > 0 ? scores.reduce((a, b) => a + b, 0) / scores.length : null);

const MATRIX_ITEMS = ['laptop', 'wifi', 'systems'];
const MULTIPLE_OPTIONS = ['skills', 'money', 'time', 'none', 'other'];

const SAMPLES: { [K in QuestionType]: Sample } = {
  single: {
    question: {
      type: 'single',
      options: [
        { code: 'yes', label: 'Yes' },
        { code: 'no', label: 'No', value: 7 },
        { code: 'dont_know', label: "I don't know" },
      ],
    },
    seed: 2,
    mustSee: ['yes', 'no', 'dont_know'],
    measure: { kind: 'closed', items: [''], options: ['yes', 'no', 'dont_know'], dontKnow: 'in_base', multiple: false, chosen: one },
    columns: ['q'],
    decode: (row) => decodeChoice({ yes: 1, no: 7, dont_know: 3 }, row.q),
    index: { item: { scores: { yes: 100, no: 0 } }, score: (a: string) => ({ yes: 100, no: 0 })[a] ?? null },
  },
  multiple: {
    question: {
      type: 'multiple',
      options: [
        { code: 'skills', label: 'Skills' },
        { code: 'money', label: 'Money' },
        { code: 'time', label: 'Time' },
        { code: 'none', label: 'None of these', exclusive: true },
      ],
      other: { code: 'other', label: 'Something else' },
    },
    seed: 1,
    mustSee: ['skills', 'money', 'time', 'none', 'other'],
    measure: {
      kind: 'closed',
      items: [''],
      options: MULTIPLE_OPTIONS,
      dontKnow: 'none',
      multiple: true,
      chosen: (a: { selected: string[] } | undefined) => (a && a.selected.length > 0 ? a.selected : undefined),
    },
    columns: [...MULTIPLE_OPTIONS.map((o) => `q_${o}`), 'q_other_text'],
    decode(row) {
      const flags = MULTIPLE_OPTIONS.map((o) => row[`q_${o}`]);
      if (flags.every((f) => f === '-1')) return NOT_ASKED;
      if (flags.every((f) => f === '-2')) return undefined;
      if (!flags.every((f) => f === '0' || f === '1')) throw new Error(`unexpected flags ${flags.join(',')}`);
      const selected = MULTIPLE_OPTIONS.filter((_, k) => flags[k] === '1');
      return row.q_other_text === '' ? { selected } : { selected, other: row.q_other_text };
    },
    index: {
      item: { scores: { skills: 100, money: 50, time: 0 } },
      score: (a: { selected: string[] }) =>
        meanOf(a.selected.flatMap((o) => (o in { skills: 1, money: 1, time: 1 } ? [({ skills: 100, money: 50, time: 0 } as Record<string, number>)[o]!] : []))),
    },
  },
  agree: {
    question: { type: 'agree' },
    seed: 2,
    mustSee: ['strongly_agree', 'agree', 'disagree', 'dont_know'],
    measure: agreeScale(one),
    columns: ['q'],
    decode: (row) => decodeChoice(AGREE_CODES, row.q),
    index: { item: {}, score: (a: string) => AGREE_SCORES[a] ?? null },
  },
  engagement: {
    question: { type: 'engagement' },
    seed: 1,
    mustSee: ['very', 'quite', 'not_very'],
    measure: { kind: 'closed', items: [''], options: ['very', 'quite', 'not_very', 'not_at_all'], dontKnow: 'none', multiple: false, positive: ['very', 'quite'], chosen: one },
    columns: ['q'],
    decode: (row) => decodeChoice(ENGAGEMENT_CODES, row.q),
    index: { item: {}, score: (a: string) => ENGAGEMENT_SCORES[a] ?? null },
  },
  number: {
    question: { type: 'number', min: 0, max: 40 },
    seed: 1,
    mustSee: [],
    measure: { kind: 'number', value: (a: number) => a },
    columns: ['q'],
    decode: (row) => (row.q === '-1' ? NOT_ASKED : row.q === '-2' ? undefined : Number(row.q)),
  },
  text: {
    question: { type: 'text' },
    seed: 1,
    mustSee: [],
    measure: { kind: 'text', text: (a: string) => a },
    columns: ['q'],
    // Free text is blank whether not asked or not answered.
    decode: (row) => (row.q === '' ? undefined : row.q),
  },
  matrix: {
    question: {
      type: 'matrix',
      scale: 'agree',
      items: [
        { code: 'laptop', text: 'My laptop is good enough' },
        { code: 'wifi', text: 'The wifi often fails', polarity: 'negative' },
        { code: 'systems', text: 'Our systems talk to each other' },
      ],
    },
    seed: 1,
    mustSee: ['strongly_agree', 'agree', 'neither', 'disagree', 'dont_know'],
    measure: agreeScale((a: Record<string, string> | undefined, item) => one(a?.[item]), MATRIX_ITEMS),
    columns: MATRIX_ITEMS.map((item) => `q_${item}`),
    decode(row) {
      const cells = MATRIX_ITEMS.map((item) => decodeChoice(AGREE_CODES, row[`q_${item}`]));
      if (cells.every((c) => c === NOT_ASKED)) return NOT_ASKED;
      if (cells.every((c) => c === undefined)) return undefined;
      return Object.fromEntries(MATRIX_ITEMS.flatMap((item, k) => (typeof cells[k] === 'string' ? [[item, cells[k]]] : [])));
    },
    // The reversed second row: a negatively worded statement scores 100 − its scale score.
    index: { item: { item: 'wifi', reverse: true }, score: (a: Record<string, string>) => (a.wifi !== undefined && a.wifi in AGREE_SCORES ? 100 - AGREE_SCORES[a.wifi]! : null) },
  },
};

function sampleDefinition(type: QuestionType, sample: Sample): TDefinition {
  const text = JSON.stringify({
    code: 'contract',
    version: 1,
    title: `Contract test: ${type}`,
    estimatedMinutes: 1,
    segments: { roleGroup: 'role' },
    audiences: [
      { code: 'staff', label: 'Staff', roleGroups: ASKED },
      { code: 'leaders', label: 'Leaders', roleGroups: ROLE_CODES.filter((code) => !ASKED.includes(code)) },
    ],
    indices: sample.index ? [{ code: 'sample', label: 'Sample index', kind: 'maturity', items: [{ question: 'q', ...sample.index.item }] }] : [],
    sections: [
      { code: 'about', title: 'About you', questions: [{ code: 'role', type: 'single', text: 'Your role', options: ROLE_CODES.map((code) => ({ code, label: code })) }] },
      { code: 'views', title: 'Your views', questions: [{ code: 'q', text: 'The question', required: false, audiences: ['staff'], ...sample.question }] },
    ],
  });
  const result = validateDefinitionText(text);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.definition;
}

interface Respondent {
  role: Role;
  /** The stored answer; undefined when skipped or not asked. */
  answer: AnswerValue | undefined;
  asked: boolean;
}

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** A minimal reader of our uncompressed .sav files: variable names (long names) and cases. */
function readSav(buf: Buffer): { names: string[]; rows: (number | string)[][] } {
  let at = 176;
  const int = () => {
    const v = buf.readInt32LE(at);
    at += 4;
    return v;
  };
  const variables: { short: string; width: number }[] = [];
  let longNames = '';
  for (let type = int(); type !== 999; type = int()) {
    if (type === 2) {
      const width = int();
      const hasLabel = int();
      const missing = int();
      at += 8;
      const short = buf.toString('latin1', at, at + 8).trim();
      at += 8;
      const labelLength = hasLabel ? int() : 0;
      at += Math.ceil(labelLength / 4) * 4;
      at += 8 * Math.abs(missing);
      if (width !== -1) variables.push({ short, width });
    } else if (type === 3) {
      const n = int();
      for (let k = 0; k < n; k++) at += 8 + Math.ceil((1 + buf[at + 8]!) / 8) * 8;
      if (int() !== 4) throw new Error('value labels without their variables');
      const count = int();
      at += 4 * count;
    } else if (type === 7) {
      const subtype = int();
      const size = int() * int();
      if (subtype === 13) longNames = buf.toString('utf8', at, at + size);
      at += size;
    } else throw new Error(`unexpected record type ${type}`);
  }
  at += 4;
  const long = new Map(longNames.split('\t').map((pair) => pair.split('=') as [string, string]));
  const rows: (number | string)[][] = [];
  while (at < buf.length) {
    rows.push(
      variables.map((v) => {
        if (v.width === 0) {
          const x = buf.readDoubleLE(at);
          at += 8;
          return x === -Number.MAX_VALUE ? '' : x;
        }
        const size = Math.ceil(v.width / 8) * 8;
        const s = buf.toString('utf8', at, at + size).trimEnd();
        at += size;
        return s;
      }),
    );
  }
  return { names: variables.map((v) => long.get(v.short) ?? v.short), rows };
}

const TYPES = Object.keys(questionTypes) as QuestionType[];

it('has a sample for every registered question type, and no other', () => {
  expect(Object.keys(SAMPLES).sort()).toEqual([...TYPES].sort());
});

describe.each(TYPES)('question type "%s"', (type) => {
  const sample = SAMPLES[type];
  let definition: TDefinition;
  let question: TQuestion;
  let respondents: Respondent[];
  let tables: SurveyTables;
  let analysis: SurveyAnalysis;
  let plan: ExportPlan;

  const groups: { label: string; ref: GroupRef; in: (r: Respondent) => boolean }[] = [
    { label: 'all respondents', ref: { kind: 'total' }, in: () => true },
    ...ROLE_CODES.map((code) => ({ label: code, ref: { kind: 'roleGroup' as const, code }, in: (r: Respondent) => r.role === code })),
  ];
  const sameGroup = (a: GroupRef, b: GroupRef) => JSON.stringify(a) === JSON.stringify(b);
  const answeredIn = (g: (typeof groups)[number]) => respondents.flatMap((r) => (g.in(r) && r.answer !== undefined ? [r.answer] : []));

  beforeAll(() => {
    if (!sample) throw new Error(`no sample for question type "${type}": add one to SAMPLES`);
    definition = sampleDefinition(type, sample);
    question = definition.sections[1]!.questions[0]!;
    const module = moduleFor(question);
    const random = seededRandom(sample.seed);
    respondents = ROLE_CODES.flatMap((role) =>
      Array.from({ length: ROLES[role].n }, (_, i): Respondent => {
        const asked = ASKED.includes(role);
        return { role, asked, answer: asked && !skips(i) ? module.synthetic(question, syntheticSource(role, random)) : undefined };
      }),
    );
    const builder = new TableBuilder(definition);
    for (const r of respondents) builder.add({ role: r.role, ...(r.answer === undefined ? {} : { q: r.answer }) });
    tables = builder.tables();
    analysis = analyseSurvey(definition, tables, { threshold: THRESHOLD });
    const exported: ExportedResponse[] = respondents.map((r) => ({
      roleGroup: r.role,
      directorate: '',
      submittedOn: '2026-11-15',
      answers: { role: r.role, ...(r.answer === undefined ? {} : { q: r.answer }) },
    }));
    const coarsening = coarsenSegments(tables.cells, analysis, THRESHOLD);
    // No respondent-file masks: what the file withholds beyond its segment columns is the
    // export's disclosure rule, tested with it; here every answer must come through coded.
    const published = { survey: { id: 'contract', title: `Contract ${type}` }, definition, threshold: THRESHOLD, analysis, coarsening, masks: NO_MASKS, responses: exported.length };
    plan = planExport(published, { freeText: true }, async function* () {
      // Two batches, as storage gives them.
      yield exported.slice(0, 13);
      yield exported.slice(13);
    });
  });

  it('generates answers that exercise the type (every option the sample needs, and skips)', () => {
    expect(respondents).toHaveLength(30);
    const answered = respondents.filter((r) => r.answer !== undefined);
    expect(answered.length).toBeGreaterThan(10);
    expect(answered.length).toBeLessThan(respondents.filter((r) => r.asked).length);
    const m = sample.measure;
    if (m.kind === 'closed') {
      const seen = new Set(answered.flatMap((r) => m.items.flatMap((item) => m.chosen(r.answer, item) ?? [])));
      for (const option of sample.mustSee) expect(seen, `no generated answer chose "${option}"`).toContain(option);
      for (const option of seen) expect([...m.options, ...(m.dontKnow === 'excluded' ? ['dont_know'] : [])]).toContain(option);
      if (m.multiple) {
        // The exclusive option is never combined, and "other" always carries its text.
        for (const r of answered) {
          const a = r.answer as { selected: string[]; other?: string };
          if (a.selected.includes('none')) expect(a.selected).toEqual(['none']);
          expect(a.other !== undefined && a.other.trim() !== '').toBe(a.selected.includes('other'));
        }
      }
    } else if (m.kind === 'number') {
      expect(new Set(answered.map((r) => r.answer)).size).toBeGreaterThan(3);
    } else {
      for (const r of answered) expect(m.text(r.answer).trim()).not.toBe('');
    }
  });

  it('reads back from its own form values the answer it stored, directly and through a urlencoded body', () => {
    const module = moduleFor(question);
    for (const r of respondents.filter((x) => x.answer !== undefined)) {
      const values = module.formValues(question, r.answer!);
      expect(module.read(question, values)).toEqual({ kind: 'answer', value: r.answer });
      const posted = parseQuery(stringifyQuery(values));
      expect(module.read(question, posted)).toEqual({ kind: 'answer', value: r.answer });
    }
    expect(module.read(question, {})).toEqual({ kind: 'empty' });
  });

  it('counts into the tables what was answered, per role group', () => {
    const m = sample.measure;
    for (const role of ROLE_CODES) {
      const given = answeredIn(groups.find((g) => g.label === role)!);
      const answeredRows = tables.answered.filter((t) => t.roleGroup === role && t.question === 'q');
      const optionRows = tables.options.filter((t) => t.roleGroup === role && t.question === 'q');
      if (m.kind === 'closed') {
        for (const item of m.items) {
          const chosen = given.map((a) => m.chosen(a, item)).filter((c) => c !== undefined);
          expect(answeredRows.find((t) => t.item === item)?.n ?? 0).toBe(chosen.length);
          for (const option of [...m.options, 'dont_know']) {
            const n = chosen.filter((c) => c.includes(option)).length;
            expect(optionRows.find((t) => t.item === item && t.option === option)?.n ?? 0, `${role} ${item} ${option}`).toBe(n);
          }
        }
      } else if (m.kind === 'number') {
        const values = given.map((a) => m.value(a));
        const moments = tables.numeric.find((t) => t.roleGroup === role && t.variable === 'q');
        expect(moments?.n ?? 0).toBe(values.length);
        expect(moments?.sum ?? 0).toBe(values.reduce((s, x) => s + x, 0));
        expect(moments?.sumSquares ?? 0).toBe(values.reduce((s, x) => s + x * x, 0));
      } else {
        const texts = given.map((a) => m.text(a)).filter((t) => t.trim() !== '');
        expect(answeredRows.find((t) => t.item === '')?.n ?? 0).toBe(texts.length);
      }
      expect(tables.cells.find((c) => c.roleGroup === role)?.responses).toBe(ROLES[role].n);
    }
  });

  it('analyses to the same figures, with the group not asked left out', () => {
    for (const g of groups) {
      const responses = analysis.responses.find((r) => sameGroup(r.group, g.ref))!.figure;
      expect(responses).toEqual({ shown: true, value: respondents.filter(g.in).length });
    }
    const asked = groups.filter((g) => g.label !== 'head_of_service');
    const m = sample.measure;
    const mine = analysis.variables.filter((v) => v.question === 'q');
    expect(mine.map((v) => v.kind)).toEqual(m.kind === 'closed' ? m.items.map(() => 'closed') : [m.kind]);
    for (const v of mine) {
      const figureOf = <T>(list: { group: GroupRef }[], g: (typeof groups)[number]) => list.find((x) => sameGroup(x.group, g.ref)) as T;
      if (v.kind === 'closed' && m.kind === 'closed') {
        expect(v.options).toEqual(m.options);
        expect(v.dontKnow).toBe(m.dontKnow);
        expect(v.multiple).toBe(m.multiple);
        for (const g of asked) {
          const chosen = answeredIn(g)
            .map((a) => m.chosen(a, v.item))
            .filter((c) => c !== undefined);
          const dontKnow = chosen.filter((c) => c.includes('dont_know')).length;
          const base = m.dontKnow === 'excluded' ? chosen.length - dontKnow : chosen.length;
          const { figure } = figureOf<{ figure: Suppressible<ClosedEstimate> }>(v.groups, g);
          if (!figure.shown) return expect.fail(`${g.label} ${v.item}: withheld`);
          const e = figure.value;
          expect([e.answered, e.base]).toEqual([chosen.length, base]);
          const askedHere = respondents.filter((r) => g.in(r) && r.asked).length;
          expect(e.notAnswered).toEqual({ shown: true, value: askedHere - chosen.length });
          expect(e.options.map((o) => o.option)).toEqual(m.options);
          for (const o of e.options) {
            const count = chosen.filter((c) => c.includes(o.option)).length;
            expect(o.count, `${g.label} ${v.item} ${o.option}`).toBe(count);
            expect(o.proportion.estimate).toBeCloseTo(count / base, 12);
          }
          if (m.dontKnow === 'excluded') {
            expect(e.dontKnow?.count).toBe(dontKnow);
            expect(e.dontKnow?.proportion.estimate).toBeCloseTo(dontKnow / chosen.length, 12);
          } else expect(e.dontKnow).toBeUndefined();
          if (m.positive) {
            expect(e.positive?.estimate).toBeCloseTo(chosen.filter((c) => c.some((o) => m.positive!.includes(o))).length / base, 12);
          } else expect(e.positive).toBeUndefined();
        }
      } else if (v.kind === 'number' && m.kind === 'number') {
        for (const g of asked) {
          const values = answeredIn(g).map((a) => m.value(a));
          const { figure } = figureOf<{ figure: Suppressible<MeanEstimate> }>(v.groups, g);
          if (!figure.shown) return expect.fail(`${g.label}: withheld`);
          expect(figure.value.n).toBe(values.length);
          expect(figure.value.mean).toBeCloseTo(values.reduce((s, x) => s + x, 0) / values.length, 10);
        }
      } else if (v.kind === 'text' && m.kind === 'text') {
        for (const g of asked) {
          const texts = answeredIn(g).filter((a) => m.text(a).trim() !== '');
          expect(figureOf<{ answered: unknown }>(v.groups, g).answered, g.label).toEqual({ shown: true, value: texts.length });
        }
      } else throw new Error(`analysed as ${v.kind}, expected ${m.kind}`);
      // Heads of service were not asked: none of them answered, so they have no figure.
      const theirs = figureOf<{ figure?: { shown: boolean }; answered?: { shown: boolean } }>(
        v.groups,
        groups.find((g) => g.label === 'head_of_service')!,
      );
      expect((theirs.figure ?? theirs.answered)!.shown).toBe(false);
    }
  });

  it('scores its index items as the definition says', () => {
    const index = analysis.indices.find((i) => i.code === 'sample');
    if (!sample.index) return expect(index).toBeUndefined();
    for (const g of groups.filter((x) => x.label !== 'head_of_service')) {
      const scores = answeredIn(g)
        .map((a) => sample.index!.score(a))
        .filter((s): s is number => s !== null);
      const figure = index!.groups.find((x) => sameGroup(x.group, g.ref))!.figure;
      expect(figure.shown, g.label).toBe(true);
      if (!figure.shown) continue;
      expect(figure.value.score.n).toBe(scores.length);
      expect(figure.value.score.mean).toBeCloseTo(meanOf(scores)!, 10);
    }
  });

  describe('exports', () => {
    let csv: Record<string, string>[];
    beforeAll(async () => {
      expect(plan.coarsening.mergedRoleGroups).toEqual([]);
      csv = parseCsv<Record<string, string>>(await bytes(writeExport(plan, 'respondents.csv')), { columns: true });
    });

    it('codes every answer in the respondent CSV so that it decodes back to the answer given', () => {
      expect(Object.keys(csv[0]!)).toEqual(['role', ...sample.columns, 'submitted_month']);
      const decoded = csv.map((row) => {
        const role = ROLE_CODES.find((code) => String(ROLES[code].code) === row.role);
        const answer = sample.decode(row);
        return JSON.stringify([role, answer === NOT_ASKED ? 'not asked' : (answer ?? null)]);
      });
      const given = respondents.map((r) => JSON.stringify([r.role, !r.asked && sample.measure.kind !== 'text' ? 'not asked' : (r.answer ?? null)]));
      expect(decoded.sort()).toEqual(given.sort());
    });

    it('holds the same rows in the XLSX and the SPSS .sav', async () => {
      const book = new ExcelJS.Workbook();
      await book.xlsx.load((await bytes(writeExport(plan, 'respondents.xlsx'))) as unknown as ArrayBuffer);
      const sheet = book.getWorksheet('Responses')!;
      const header = (sheet.getRow(1).values as string[]).slice(1);
      expect(header).toEqual(Object.keys(csv[0]!));
      const xlsx: Record<string, string>[] = [];
      sheet.eachRow((row, n) => {
        if (n === 1) return;
        const values = (row.values as (string | number | null | undefined)[]).slice(1);
        xlsx.push(Object.fromEntries(header.map((h, k) => [h, values[k] === undefined || values[k] === null ? '' : String(values[k])])));
      });
      expect(xlsx).toEqual(csv);

      const sav = readSav(await bytes(writeExport(plan, 'respondents.sav')));
      expect(sav.names).toEqual(Object.keys(csv[0]!));
      expect(sav.rows.map((row) => Object.fromEntries(sav.names.map((name, k) => [name, String(row[k])])))).toEqual(csv);
    });

    it('publishes in the aggregates CSV the counts worked out by hand, and none for the group not asked', async () => {
      const rows = parseCsv<Record<string, string>>(await bytes(writeExport(plan, 'aggregates.csv')), { columns: true });
      const row = (item: string, group: string, measure: string) => rows.find((r) => r.question === 'q' && r.item === item && r.group === group && r.measure === measure);
      for (const g of groups) expect(rows.find((r) => r.measure === 'responses' && r.group === g.label)?.count).toBe(String(respondents.filter(g.in).length));
      const m = sample.measure;
      const asked = groups.filter((g) => g.label !== 'head_of_service');
      for (const g of asked) {
        if (m.kind === 'closed') {
          for (const item of m.items) {
            const chosen = answeredIn(g)
              .map((a) => m.chosen(a, item))
              .filter((c) => c !== undefined);
            const base = m.dontKnow === 'excluded' ? chosen.filter((c) => !c.includes('dont_know')).length : chosen.length;
            for (const option of m.options) {
              const count = chosen.filter((c) => c.includes(option)).length;
              const r = row(item, g.label, `option:${option}`);
              expect(r, `${g.label} ${item} ${option}`).toMatchObject({ count: String(count), base: String(base), status: 'shown' });
              expect(Math.abs(Number(r!.estimate) - (100 * count) / base)).toBeLessThanOrEqual(0.05 + 1e-9);
            }
            if (m.dontKnow === 'excluded') {
              expect(row(item, g.label, 'dont_know')).toMatchObject({ count: String(chosen.length - base), base: String(chosen.length) });
            }
          }
        } else if (m.kind === 'number') {
          const values = answeredIn(g).map((a) => m.value(a));
          const r = row('', g.label, 'mean');
          expect(r).toMatchObject({ base: String(values.length), status: 'shown' });
          expect(Math.abs(Number(r!.estimate) - values.reduce((s, x) => s + x, 0) / values.length)).toBeLessThanOrEqual(0.005 + 1e-9);
        } else {
          const texts = answeredIn(g).filter((a) => m.text(a).trim() !== '');
          expect(row('', g.label, 'answered')).toMatchObject({ count: String(texts.length), status: 'shown' });
        }
      }
      // The group not asked has rows, withheld, with no numbers.
      const theirs = rows.filter((x) => x.question === 'q' && x.group === 'head_of_service');
      expect(theirs.length).toBeGreaterThan(0);
      for (const r of theirs) expect([r.count, r.estimate, r.base, r.status?.startsWith('withheld')]).toEqual(['', '', '', true]);
    });
  });
});
