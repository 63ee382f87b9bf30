import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { seededRandom, syntheticAnswers } from '../fieldwork/synthetic.js';
import { today } from '../fieldwork/respondent.js';
import { segmentCellOf } from '../instrument/definition.js';
import { loadInstrumentFile, STANDARD_INSTRUMENT_PATH } from '../instrument/load.js';
import { Refusal } from '../publications/service.js';
import { waveOpen } from '../storage/responses.js';
import type { Database } from '../storage/schema.js';
import { createOrganisation, createSurvey, findSurveyById, publishInstrument } from '../storage/surveys.js';
import { findRound } from '../storage/rounds.js';
import { setWavePlan } from '../storage/waves.js';
import { auditBy, recordAudit, type Actor } from './audit.js';
import { answerInvitation, closeRound, createRound, HOST_TYPE, inviteToRound, linkWaveToRound, roundFormOfDays } from './rounds.js';
import { changeWaveState } from './waves.js';

/** Rolls a batch back when the wave stopped taking answers part-way. */
class WaveClosed extends Error {}

/** Rows per INSERT statement: seven values each, well within SQLite's and PostgreSQL's limits on bound values. */
const ROWS_PER_INSERT = 500;

/**
 * Adds synthetic completed responses to a demonstration or test wave; `batch` responses share a
 * transaction (1: each its own, as a real submission). A submission stores one response row
 * (storage/responses.ts), and so does this: the rows of a batch go in with multi-row INSERTs,
 * one commit per batch rather than one per response. Refused for a real wave (synthetic
 * answers would pass for staff's) and for a wave that is not open, checked in each batch's
 * transaction as a submission's (storage/responses.ts) checks it, so a batch racing a close either lands before it
 * (and is in the publication) or is rolled back.
 *
 * Audited once, in the last batch's transaction, so the entry is stored with the rows that
 * complete the count it states and never names rows that were not stored. When a batch fails
 * after earlier ones were committed (the wave closed part-way), those rows are audited as what
 * was added, straight after.
 */
export async function generateResponses(db: Kysely<Database>, actor: Actor, surveyId: string, count: number, seed = 1, batch = 1): Promise<void> {
  const survey = await findSurveyById(db, surveyId);
  if (!survey) throw new Refusal(`No survey with id ${surveyId}`, 404);
  if (!survey.synthetic) throw new Refusal(`${survey.title} is a real survey: synthetic answers can only be added to a wave created as a demonstration (survey create --synthetic)`);
  if (survey.state !== 'open') throw new Refusal(`${survey.title} is ${survey.state}: answers can only be added while it is open`);
  const random = seededRandom(seed);
  const audit = (trx: Kysely<Database>, added: number) =>
    recordAudit(
      trx,
      auditBy(actor, {
        organisationId: survey.organisationId,
        action: 'wave.generate',
        target: `survey ${surveyId} (${survey.title}): ${added === count ? `${count}` : `${added} of ${count}`} synthetic responses`,
      }),
    );
  const draw = (n: number, submittedOn: string) =>
    Array.from({ length: n }, () => {
      const answers = syntheticAnswers(survey.definition, random);
      const cell = segmentCellOf(survey.definition, answers);
      return {
        id: randomUUID(),
        survey_id: surveyId,
        instrument_version_id: survey.instrumentVersionId,
        role_group: cell.roleGroup,
        directorate: cell.directorate,
        submitted_on: submittedOn,
        answers: JSON.stringify(answers),
      };
    });
  for (let done = 0; done < count; done += batch) {
    const size = Math.min(batch, count - done);
    const submittedOn = today();
    await db
      .transaction()
      .execute(async (trx) => {
        // Drawn an INSERT's worth at a time, so memory stays small whatever the batch.
        for (let from = 0; from < size; from += ROWS_PER_INSERT) {
          await trx
            .insertInto('response')
            .values(draw(Math.min(ROWS_PER_INSERT, size - from), submittedOn))
            .execute();
        }
        // Read after the writes, as a real submission does (storage/responses.ts): a close in progress is waited for, then seen.
        if (!(await waveOpen(trx, surveyId))) throw new WaveClosed();
        if (done + size === count) await audit(trx, count);
      })
      .catch(async (error: unknown) => {
        // Batches committed before this one stay stored, so they are audited as what was added.
        if (done > 0) await audit(db, done).catch(() => undefined);
        throw error instanceof WaveClosed ? new Refusal(`${survey.title} was closed while answers were being added; ${done} were added`) : error;
      });
  }
}

const DEMO: Actor = { userId: null, label: 'demo set-up' };

/**
 * On a new, empty database: a demo council with last year's wave closed (600 realistic
 * answers, so its results, report and exports show at once; results are only published once
 * a wave closes) and this year's wave open for answering, following on from it. Last year's
 * wave took part in a small demo benchmark round with six other demonstration councils, so
 * its report shows a benchmark. The organisations, the round and every wave are marked
 * synthetic, so none of them ever enters a real round or benchmark; all go through the same
 * services as real ones.
 */
export async function seedDemoIfEmpty(db: Kysely<Database>, responses = 600): Promise<{ slug: string; id: string; resultsOf: string } | undefined> {
  if ((await db.selectFrom('organisation').select('id').limit(1).execute()).length > 0) return undefined;
  const definition = loadInstrumentFile(STANDARD_INSTRUMENT_PATH);
  const organisationId = await createOrganisation(db, { name: 'Demo Borough Council', type: 'unitary', nation: 'England', region: 'North West', synthetic: true });
  const instrumentVersionId = await publishInstrument(db, definition);
  const lastYear = await createSurvey(db, { organisationId, instrumentVersionId, title: 'Digital readiness 2025', synthetic: true });
  const round = await demoRound(db, organisationId, lastYear.id);
  await mustChange(db, lastYear.id, 'open');
  // One transaction: a half-seeded demo would look like real, thin results.
  await generateResponses(db, DEMO, lastYear.id, responses, 1, responses);
  await mustChange(db, lastYear.id, 'closed');
  await setWavePlan(db, lastYear.id, { opensOn: '2025-10-06', closesOn: '2025-11-07', previousSurveyId: null });
  await closeRound(db, DEMO, round);
  const thisYear = await createSurvey(db, { organisationId, instrumentVersionId, title: 'Digital readiness 2026', synthetic: true });
  await setWavePlan(db, thisYear.id, { opensOn: null, closesOn: null, previousSurveyId: lastYear.id });
  await mustChange(db, thisYear.id, 'open');
  await generateResponses(db, DEMO, thisYear.id, Math.round(responses / 5), 2, responses);
  return { ...thisYear, resultsOf: lastYear.id };
}

/** The demo round's other councils: enough of one type and nation for "similar councils" to show too. */
const DEMO_COUNCILS = [
  { name: 'Demo Northfield Council', type: 'unitary', nation: 'England', region: 'North West', responses: 60 },
  { name: 'Demo Eastmoor Council', type: 'unitary', nation: 'England', region: 'North East', responses: 45 },
  { name: 'Demo Riverside Council', type: 'unitary', nation: 'England', region: 'Yorkshire and the Humber', responses: 80 },
  { name: 'Demo Hillcrest Council', type: 'unitary', nation: 'England', region: 'North West', responses: 50 },
  { name: 'Demo Marshside District Council', type: 'district', nation: 'England', region: 'East of England', responses: 40 },
  { name: 'Demo Cwm Council', type: 'unitary', nation: 'Wales', region: 'Wales', responses: 55 },
] as const;

/**
 * The demo benchmark round: a demonstration host, the demo council (its wave given) and six
 * more demonstration councils, each with a small wave answered, closed and published through
 * the normal close. Small waves keep the seed quick; the round is left open for the caller to
 * close once the demo council's wave has closed.
 */
async function demoRound(db: Kysely<Database>, demoCouncilId: string, demoWaveId: string): Promise<string> {
  const host = await createOrganisation(db, { name: 'Demo Digital Partnership', type: HOST_TYPE, nation: 'England', region: 'North West', synthetic: true });
  const created = await createRound(db, DEMO, host, roundFormOfDays('Demo benchmark round 2025', '2025-10-06', '2025-11-07'), { synthetic: true });
  if (!created.ok) throw new Error(created.errors.map((e) => e.message).join('; '));
  const join = async (councilId: string, waveId: string) => {
    await inviteToRound(db, DEMO, created.id, councilId);
    await answerInvitation(db, DEMO, created.id, councilId, true);
    await linkWaveToRound(db, DEMO, created.id, councilId, waveId);
  };
  await join(demoCouncilId, demoWaveId);
  const { instrumentVersionId } = (await findRound(db, created.id))!;
  for (const [k, council] of DEMO_COUNCILS.entries()) {
    const { responses, ...organisation } = council;
    const councilId = await createOrganisation(db, { ...organisation, synthetic: true });
    const wave = await createSurvey(db, { organisationId: councilId, instrumentVersionId, title: 'Digital readiness 2025', synthetic: true });
    await join(councilId, wave.id);
    await mustChange(db, wave.id, 'open');
    await generateResponses(db, DEMO, wave.id, responses, 100 + k, responses);
    await mustChange(db, wave.id, 'closed');
  }
  return created.id;
}

async function mustChange(db: Kysely<Database>, surveyId: string, to: 'open' | 'closed'): Promise<void> {
  const result = await changeWaveState(db, DEMO, surveyId, to);
  if (!result.ok) throw new Error(result.message);
}
