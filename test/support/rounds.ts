import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { keepShownAnswers } from '../../src/fieldwork/journey.js';
import { seededRandom, syntheticAnswers } from '../../src/fieldwork/synthetic.js';
import { segmentCellOf, type TDefinition } from '../../src/instrument/definition.js';
import type { Answers } from '../../src/instrument/question-types/index.js';
import type { Database } from '../../src/storage/schema.js';

/**
 * Response rows for a real (not synthetic) wave, as a submission stores them: one row each,
 * answers drawn from a seed and changed by `tweak` (to plant a council's leaning).
 */
export async function insertAnswers(
  db: Kysely<Database>,
  survey: { id: string; instrumentVersionId: string },
  definition: TDefinition,
  count: number,
  seed: number,
  tweak: (answers: Answers) => Answers = (a) => a,
): Promise<void> {
  const random = seededRandom(seed);
  const rows = Array.from({ length: count }, () => {
    const answers = keepShownAnswers(definition, tweak(syntheticAnswers(definition, random)));
    const cell = segmentCellOf(definition, answers);
    return {
      id: randomUUID(),
      survey_id: survey.id,
      instrument_version_id: survey.instrumentVersionId,
      role_group: cell.roleGroup,
      directorate: cell.directorate,
      submitted_on: '2026-10-20',
      answers: JSON.stringify(answers),
    };
  });
  for (let from = 0; from < rows.length; from += 200)
    await db
      .insertInto('response')
      .values(rows.slice(from, from + 200))
      .execute();
}
