import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SurveyTables } from '../../src/analysis/tables.js';
import type { TextVariableAnalysis } from '../../src/analysis/index.js';
import { seededRandom, syntheticAnswers } from '../../src/fieldwork/synthetic.js';
import { segmentCellOf } from '../../src/instrument/definition.js';
import { TALLY_PARTS, tallyResponses, THEMED_COMMENTS, type Tallied } from '../../src/publications/tally.js';
import { publicationResponseRows, type IdRange } from '../../src/storage/publications.js';
import { openSurveyDatabase, standardInstrument, testDatabases } from '../support/app.js';

const definition = standardInstrument();

/** Every count of the tables by what it counts; numeric sums apart (added in another order, they may differ in the last bits). */
function byKey(tables: SurveyTables) {
  const counts = new Map<string, number>();
  const sums = new Map<string, [number, number]>();
  for (const c of tables.cells) counts.set(`cell|${c.roleGroup}|${c.directorate}`, c.responses);
  for (const a of tables.answered) counts.set(`answered|${a.roleGroup}|${a.directorate}|${a.question}|${a.item}`, a.n);
  for (const o of tables.options) counts.set(`option|${o.roleGroup}|${o.directorate}|${o.question}|${o.item}|${o.option}`, o.n);
  for (const m of tables.numeric) {
    counts.set(`numeric|${m.roleGroup}|${m.directorate}|${m.variable}`, m.n);
    sums.set(`${m.roleGroup}|${m.directorate}|${m.variable}`, [m.sum, m.sumSquares]);
  }
  return { counts, sums };
}

/** The comments of every role group counted, as quotable: the sample is then over all of a question's comments. */
function quotable(t: Tallied) {
  const roleGroups = [...new Set(t.tables.cells.map((c) => c.roleGroup))];
  const variable = {
    kind: 'text',
    question: 'one_change',
    groups: [{ group: { kind: 'total' }, showText: true }, ...roleGroups.map((code) => ({ group: { kind: 'roleGroup', code }, showText: true }))],
  } as unknown as TextVariableAnalysis;
  return t.comments.quotable(variable);
}

function same(split: Tallied, whole: Tallied) {
  expect(split.responses).toBe(whole.responses);
  const a = byKey(split.tables);
  const b = byKey(whole.tables);
  expect(a.counts).toEqual(b.counts);
  expect([...a.sums.keys()].sort()).toEqual([...b.sums.keys()].sort());
  for (const [key, [sum, squares]] of b.sums) {
    expect(a.sums.get(key)![0]).toBeCloseTo(sum, 6);
    expect(a.sums.get(key)![1]).toBeCloseTo(squares, 4);
  }
  const patterns = (t: Tallied) => [...t.patterns.counted()].map(([cell, byPattern]) => [cell, [...byPattern].sort()] as const).sort();
  expect(patterns(split)).toEqual(patterns(whole));
  expect(quotable(split)).toEqual(quotable(whole));
}

/**
 * A large wave's rows are read and counted in worker threads, a share each (tally.ts). However
 * the pass is split, it must count exactly what one thread counts: every count the same, the
 * same answer patterns, and the same sample of comments to theme.
 */
for (const database of testDatabases) {
  describe.skipIf(database.skip)(`one pass over a wave's responses, split between threads ${database.title}`, () => {
    it('counts what one thread counts, and samples the same comments', { timeout: 120_000 }, async () => {
      const target = await database.fresh();
      const { storage, survey } = await openSurveyDatabase(definition, target);
      try {
        const random = seededRandom(11);
        const rows = Array.from({ length: 2400 }, () => {
          const answers = syntheticAnswers(definition, random);
          const cell = segmentCellOf(definition, answers);
          return {
            id: randomUUID(),
            survey_id: survey.id,
            instrument_version_id: survey.instrumentVersionId,
            role_group: cell.roleGroup,
            directorate: cell.directorate,
            submitted_on: '2026-03-01',
            answers: JSON.stringify(answers),
          };
        });
        for (let i = 0; i < rows.length; i += 400)
          await storage.db
            .insertInto('response')
            .values(rows.slice(i, i + 400))
            .execute();
        const source = () => ({
          responses: rows.length,
          pages: (share?: IdRange) => publicationResponseRows(storage.db, survey.id, share ? { share } : {}),
          shared: { target, surveyId: survey.id },
        });

        const whole = await tallyResponses(definition, source(), { workers: 1, parallelFrom: 0 });
        expect(whole.responses).toBe(rows.length);
        // More comments than are themed, so the sample is a sample.
        expect(quotable(whole).comments).toBeGreaterThan(THEMED_COMMENTS);
        expect(quotable(whole).texts).toHaveLength(THEMED_COMMENTS);
        for (const workers of [2, 3]) same(await tallyResponses(definition, source(), { workers, parallelFrom: 0 }), whole);
        // Below `parallelFrom` the pass stays in this thread, rows read from the pages.
        same(
          await tallyResponses(
            definition,
            { ...source(), shared: { target: { kind: 'sqlite', file: '/nonexistent/never-opened.sqlite' }, surveyId: survey.id } },
            { workers: 2, parallelFrom: 10_000 },
          ),
          whole,
        );
      } finally {
        await storage.close();
      }
    });
  });
}

describe('a thread that cannot read its part', () => {
  it('fails the pass with its error, and this thread stops taking parts: nothing hangs', { timeout: 60_000 }, async () => {
    // A database file with no tables: a worker's read fails. This thread's own reads are slow
    // (a second a part, of 16), so the worker is sure to take a part before they are all taken.
    const target = { kind: 'sqlite' as const, file: join(mkdtempSync(join(tmpdir(), 'sounding-tally-')), 'empty.sqlite') };
    let partsHere = 0;
    const pages = async function* () {
      partsHere++;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      yield [];
    };
    await expect(tallyResponses(definition, { responses: 50_000, pages, shared: { target, surveyId: randomUUID() } }, { workers: 2, parallelFrom: 0 })).rejects.toThrow(
      /no such table: response/,
    );
    expect(partsHere).toBeLessThan(TALLY_PARTS);
  });
});
