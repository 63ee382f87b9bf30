import type { Kysely } from 'kysely';
import { headlineMeasures, type SurveyAnalysis } from '../analysis/index.js';
import { auditBy, recordAudit, type Actor } from '../admin/audit.js';
import { today } from '../fieldwork/respondent.js';
import { loadPublishedFindings } from '../instrument/published-findings.js';
import { closedWavesWithoutPublication, insertPublication, nextPublicationVersion, publicationResponseRows, responseCount } from '../storage/publications.js';
import type { DatabaseTarget } from '../config.js';
import { shareableTarget } from '../storage/db.js';
import { lockSurveyRow } from '../storage/responses.js';
import type { Database } from '../storage/schema.js';
import { findSurveyById } from '../storage/surveys.js';
import { loadWorkforceProfile } from '../storage/workforce-profiles.js';
import { buildPublication } from './build.js';
import { readPublication } from './read.js';
import { PUBLICATION_FORMAT } from './document.js';

/** A rule of the domain said no; every entry point shows `message` in its own way (page, CLI line, JSON problem). */
export class Refusal extends Error {
  constructor(
    message: string,
    /** 404: no such thing; 409: not in a state that allows it. */
    readonly status: 404 | 409 = 409,
  ) {
    super(message);
  }
}

type Reason = Database['publication']['reason'];

/** Builds and stores the next version of a wave's publication inside the caller's transaction. */
/**
 * `target`, when given, is the database the transaction is on: a large wave's rows are then
 * read and counted in threads of their own, each on its own connection (publications/tally.ts).
 */
async function publish(trx: Kysely<Database>, surveyId: string, reason: Reason, target?: DatabaseTarget): Promise<{ version: number; organisationId: string; title: string }> {
  const survey = await findSurveyById(trx, surveyId);
  const row = await trx.selectFrom('survey').select(['organisation_id', 'previous_survey_id', 'closes_on']).where('id', '=', surveyId).executeTakeFirst();
  if (!survey || !row) throw new Refusal(`No survey with id ${surveyId}`, 404);
  const previous = row.previous_survey_id ? await previousPublication(trx, row.previous_survey_id, survey.definition.code) : undefined;
  const profile = await loadWorkforceProfile(trx, surveyId);
  const version = await nextPublicationVersion(trx, surveyId);
  const builtOn = today();
  const document = await buildPublication({
    survey: {
      id: survey.id,
      title: survey.title,
      threshold: survey.suppressionThreshold,
      definition: survey.definition,
      instrumentVersionId: survey.instrumentVersionId,
      closedOn: row.closes_on,
    },
    rows: {
      responses: await responseCount(trx, surveyId),
      pages: (share) => publicationResponseRows(trx, surveyId, share ? { share } : {}),
      ...(target ? { shared: { target, surveyId } } : {}),
    },
    ...(profile ? { profile } : {}),
    ...(previous ? { previous } : {}),
    findings: loadPublishedFindings(),
    version,
    builtOn,
  });
  await insertPublication(trx, {
    survey_id: surveyId,
    version,
    built_on: builtOn,
    reason,
    document: JSON.stringify(document),
    headline: JSON.stringify(headlineMeasures(document.analysis)),
  });
  return { version, organisationId: row.organisation_id, title: survey.title };
}

/** The trend compares with the previous wave's publication only: a wave without one has nothing to offer. */
async function previousPublication(db: Kysely<Database>, surveyId: string, code: string): Promise<{ surveyId: string; title: string; version: number; analysis: SurveyAnalysis } | undefined> {
  const document = await readPublication(db, surveyId);
  if (!document || document.analysis.definition.code !== code) return undefined;
  return { surveyId, title: document.title, version: document.version, analysis: document.analysis };
}

/**
 * Closes an open wave and publishes its results, all or nothing: the state change, the
 * publication built from every response, and the audit entry are one transaction. Killed
 * part-way, the wave is still open with no publication. The state is changed first so that
 * a submission racing the close waits for it, then finds the wave closed (storage/responses.ts).
 */
export async function closeAndPublish(db: Kysely<Database>, actor: Actor, surveyId: string): Promise<{ version: number }> {
  return db.transaction().execute(async (trx) => {
    await lockSurveyRow(trx, surveyId);
    const closed = await trx.updateTable('survey').set({ state: 'closed', closes_on: today() }).where('id', '=', surveyId).where('state', '=', 'open').executeTakeFirst();
    if (Number(closed.numUpdatedRows) === 0) {
      const found = await trx.selectFrom('survey').select('state').where('id', '=', surveyId).executeTakeFirst();
      throw found ? new Refusal(`This survey is ${found.state}, so it cannot be closed`) : new Refusal(`No survey with id ${surveyId}`, 404);
    }
    const { version, organisationId, title } = await publish(trx, surveyId, 'close', shareableTarget(db));
    await recordAudit(trx, auditBy(actor, { organisationId, action: 'wave.close', target: `survey ${surveyId} (${title}); publication version ${version}` }));
    return { version };
  });
}

/**
 * Builds a new version of a closed wave's publication (after its workforce profile changed):
 * explicit and audited, never done behind anyone's back.
 */
export async function republish(db: Kysely<Database>, actor: Actor, surveyId: string): Promise<{ version: number }> {
  return db.transaction().execute((trx) => republishWithin(trx, actor, surveyId, shareableTarget(db)));
}

/** `republish` inside the caller's transaction (a new workforce profile and the publication it changes are stored together). */
export async function republishWithin(trx: Kysely<Database>, actor: Actor, surveyId: string, target?: DatabaseTarget): Promise<{ version: number }> {
  const found = await trx.selectFrom('survey').select('state').where('id', '=', surveyId).executeTakeFirst();
  if (!found) throw new Refusal(`No survey with id ${surveyId}`, 404);
  if (found.state !== 'closed') throw new Refusal(`This survey is ${found.state}: results are published when it closes`);
  const { version, organisationId, title } = await publish(trx, surveyId, 'republish', target);
  await recordAudit(trx, auditBy(actor, { organisationId, action: 'publication.republish', target: `survey ${surveyId} (${title}); publication version ${version}` }));
  return { version };
}

/**
 * Gives every closed wave a publication in the current document format: its first (waves
 * closed before publications existed) or a new version (an older format). Run when the
 * database is brought up to date, before anything reads them; audited as the migration.
 */
export async function publishClosedWaves(db: Kysely<Database>): Promise<number> {
  const waves = await closedWavesWithoutPublication(db, PUBLICATION_FORMAT);
  // Oldest first, so a later wave's trend finds the publication of the wave it follows.
  for (const surveyId of waves) {
    await db.transaction().execute(async (trx) => {
      const { version, organisationId, title } = await publish(trx, surveyId, 'migration', shareableTarget(db));
      await recordAudit(trx, {
        actorId: null,
        actorLabel: 'database migration',
        organisationId,
        action: 'publication.build',
        target: `survey ${surveyId} (${title}); publication version ${version}`,
      });
    });
  }
  return waves.length;
}
