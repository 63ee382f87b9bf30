import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { TDefinition } from '../instrument/definition.js';
import { validateDefinitionText } from '../instrument/validate.js';
import { seededRandom, syntheticAnswers } from '../fieldwork/synthetic.js';
import { tally } from '../fieldwork/tally.js';
import { today } from '../fieldwork/respondent.js';
import { storeResponse } from '../storage/responses.js';
import type { Database } from '../storage/schema.js';
import { createOrganisation, createSurvey, publishInstrument, setSurveyState } from '../storage/surveys.js';
import { randomUUID } from 'node:crypto';
import { setWavePlan } from '../storage/waves.js';

export const STANDARD_INSTRUMENT_PATH = new URL('../../instruments/digital-readiness.yaml', import.meta.url);

export function loadInstrumentFile(path: string | URL): TDefinition {
  const result = validateDefinitionText(readFileSync(path, 'utf8'));
  if (!result.ok) {
    throw new Error(`${String(path)} is not a valid definition:\n${result.problems.map((p) => `  line ${p.line ?? '?'}: ${p.path}: ${p.message}`).join('\n')}`);
  }
  return result.definition;
}

/**
 * Adds synthetic completed responses through the same storage code as real ones; `batch`
 * responses share a transaction (1: each its own, as a real submission).
 */
export async function generateResponses(
  db: Kysely<Database>,
  survey: { id: string; instrumentVersionId: string; definition: TDefinition },
  count: number,
  seed = 1,
  batch = 1,
): Promise<void> {
  const random = seededRandom(seed);
  const { roleGroup, directorate } = survey.definition.segments;
  for (let done = 0; done < count; done += batch) {
    await db.transaction().execute(async (trx) => {
      for (let i = done; i < Math.min(done + batch, count); i++) {
        const answers = syntheticAnswers(survey.definition, random);
        await storeResponse(trx, `synthetic:${randomUUID()}`, {
          surveyId: survey.id,
          instrumentVersionId: survey.instrumentVersionId,
          roleGroup: String(answers[roleGroup]),
          directorate: directorate && typeof answers[directorate] === 'string' ? String(answers[directorate]) : '',
          submittedOn: today(),
          answers,
          tally: tally(survey.definition, answers),
        });
      }
    });
  }
}

/**
 * On a new, empty database: a demo council with last year's wave closed (600 realistic
 * answers, so its results, report and exports show at once; results are only published once
 * a survey closes) and this year's wave open for answering, following on from it.
 */
export async function seedDemoIfEmpty(db: Kysely<Database>, responses = 600): Promise<{ slug: string; id: string; resultsOf: string } | undefined> {
  if ((await db.selectFrom('organisation').select('id').limit(1).execute()).length > 0) return undefined;
  const definition = loadInstrumentFile(STANDARD_INSTRUMENT_PATH);
  const organisationId = await createOrganisation(db, { name: 'Demo Borough Council', type: 'unitary', nation: 'England', region: 'North West' });
  const instrumentVersionId = await publishInstrument(db, definition);
  const lastYear = await createSurvey(db, { organisationId, instrumentVersionId, title: 'Digital readiness 2025' });
  await setSurveyState(db, lastYear.id, 'open', '2025-10-06');
  // One transaction: a half-seeded demo would look like real, thin results.
  await generateResponses(db, { id: lastYear.id, instrumentVersionId, definition }, responses, 1, responses);
  await setSurveyState(db, lastYear.id, 'closed', '2025-11-07');
  const thisYear = await createSurvey(db, { organisationId, instrumentVersionId, title: 'Digital readiness 2026' });
  await setWavePlan(db, thisYear.id, { opensOn: null, closesOn: null, previousSurveyId: lastYear.id });
  await setSurveyState(db, thisYear.id, 'open', today());
  await generateResponses(db, { id: thisYear.id, instrumentVersionId, definition }, Math.round(responses / 5), 2, responses);
  return { ...thisYear, resultsOf: lastYear.id };
}
