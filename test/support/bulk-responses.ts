import { randomUUID } from 'node:crypto';
import SQLite from 'better-sqlite3';
import { keepShownAnswers } from '../../src/fieldwork/journey.js';
import { seededRandom, syntheticAnswers } from '../../src/fieldwork/synthetic.js';
import { segmentCellOf, type TDefinition } from '../../src/instrument/definition.js';

/**
 * Puts many synthetic responses straight into a SQLite file, for memory tests and
 * benchmarks of reading them back: a few hundred distinct answer sets reused, one
 * transaction per 10,000 rows. Response rows are all a submission stores, so the wave can
 * then be closed and published as usual.
 */
export function bulkInsertResponses(file: string, survey: { id: string; instrumentVersionId: string; definition: TDefinition }, count: number, seed = 1): void {
  const random = seededRandom(seed);
  const pool = Array.from({ length: 500 }, () => {
    const answers = keepShownAnswers(survey.definition, syntheticAnswers(survey.definition, random));
    return { ...segmentCellOf(survey.definition, answers), json: JSON.stringify(answers) };
  });
  const db = new SQLite(file);
  // Setup data, not answers anyone gave: no need to wait for the disk after each transaction.
  db.pragma('synchronous = OFF');
  try {
    const insert = db.prepare('insert into response (id, survey_id, instrument_version_id, role_group, directorate, submitted_on, answers) values (?, ?, ?, ?, ?, ?, ?)');
    const batch = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const r = pool[i % pool.length]!;
        insert.run(randomUUID(), survey.id, survey.instrumentVersionId, r.roleGroup, r.directorate, `2026-${String(1 + (i % 12)).padStart(2, '0')}-15`, r.json);
      }
    });
    for (let from = 0; from < count; from += 10_000) batch(from, Math.min(count, from + 10_000));
  } finally {
    db.close();
  }
}
