import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { TDefinition } from '../instrument/definition.js';
import type { Answers } from '../instrument/question-types/index.js';
import type { AnswerSession } from './answer-sessions.js';
import type { Database } from './schema.js';

export async function createOrganisation(db: Kysely<Database>, organisation: { name: string; type: string; nation: string; region: string }): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('organisation')
    .values({ id, ...organisation })
    .execute();
  return id;
}

/** Publishing freezes a definition: the same definition always maps to the same immutable version. */
export async function publishInstrument(db: Kysely<Database>, definition: TDefinition): Promise<string> {
  const json = JSON.stringify(definition);
  const checksum = createHash('sha256').update(json).digest('hex');
  const existing = await db.selectFrom('instrument_version').select('id').where('checksum', '=', checksum).executeTakeFirst();
  if (existing) return existing.id;
  const id = randomUUID();
  await db
    .insertInto('instrument_version')
    .values({ id, code: definition.code, version: definition.version, checksum, definition: json })
    .onConflict((oc) => oc.column('checksum').doNothing())
    .execute();
  const stored = await db.selectFrom('instrument_version').select('id').where('checksum', '=', checksum).executeTakeFirstOrThrow();
  return stored.id;
}

export async function createSurvey(
  db: Kysely<Database>,
  survey: { organisationId: string; instrumentVersionId: string; title: string; suppressionThreshold?: number; synthetic?: boolean },
): Promise<{ id: string; slug: string }> {
  const id = randomUUID();
  // 10 random bytes, base32-like: short enough to type, too many to guess.
  const slug = randomBytes(10)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 12);
  await db
    .insertInto('survey')
    .values({
      id,
      organisation_id: survey.organisationId,
      instrument_version_id: survey.instrumentVersionId,
      title: survey.title,
      slug,
      state: 'draft',
      opens_on: null,
      closes_on: null,
      suppression_threshold: Math.max(5, survey.suppressionThreshold ?? 10),
      previous_survey_id: null,
      synthetic: survey.synthetic ? 1 : 0,
    })
    .execute();
  return { id, slug };
}

export interface SurveyWithDefinition {
  id: string;
  slug: string;
  title: string;
  state: 'draft' | 'open' | 'closed';
  suppressionThreshold: number;
  instrumentVersionId: string;
  /** The date (YYYY-MM-DD) it was closed, if it has been. */
  closesOn: string | null;
  definition: TDefinition;
  organisationId: string;
  previousSurveyId: string | null;
  /** A demonstration or test wave: the only kind synthetic answers may be added to. */
  synthetic: boolean;
  /** The lead has released free-text comments into respondent-level files. */
  releaseFreeText: boolean;
}

/** Loads a survey by its public link; the definition is the frozen version it was opened with. */
export async function findSurveyById(db: Kysely<Database>, id: string): Promise<SurveyWithDefinition | undefined> {
  return (await findSurvey(db, 'id', id))?.survey;
}

/**
 * A survey by its public link, with the answer session (by its key) a respondent's cookie
 * names, if it is this survey's: one query, as every page of the journey needs both.
 */
export async function findSurveyBySlugWithSession(db: Kysely<Database>, slug: string, sessionKey: string): Promise<{ survey: SurveyWithDefinition; session?: AnswerSession } | undefined> {
  return findSurvey(db, 'slug', slug, sessionKey);
}

async function findSurvey(db: Kysely<Database>, by: 'slug' | 'id', value: string, sessionKey?: string): Promise<{ survey: SurveyWithDefinition; session?: AnswerSession } | undefined> {
  const row = await db
    .selectFrom('survey')
    .leftJoin('answer_session', (join) => join.onRef('answer_session.survey_id', '=', 'survey.id').on('answer_session.id', '=', sessionKey ?? ''))
    .select([
      'survey.id',
      'survey.slug',
      'survey.title',
      'survey.state',
      'survey.suppression_threshold',
      'survey.instrument_version_id',
      'survey.closes_on',
      'survey.organisation_id',
      'survey.previous_survey_id',
      'survey.synthetic',
      'survey.release_free_text',
      'answer_session.id as session_key',
      'answer_session.answers as session_answers',
    ])
    .where(`survey.${by}`, '=', value)
    .executeTakeFirst();
  if (!row) return undefined;
  const definition = await frozenDefinition(db, row.instrument_version_id);
  const survey: SurveyWithDefinition = {
    id: row.id,
    slug: row.slug,
    title: row.title,
    state: row.state,
    suppressionThreshold: row.suppression_threshold,
    instrumentVersionId: row.instrument_version_id,
    closesOn: row.closes_on,
    definition,
    organisationId: row.organisation_id,
    previousSurveyId: row.previous_survey_id,
    synthetic: Number(row.synthetic) === 1,
    releaseFreeText: Number(row.release_free_text) === 1,
  };
  const session = row.session_key && row.session_answers !== null ? { key: row.session_key, surveyId: row.id, answers: JSON.parse(row.session_answers) as Answers } : undefined;
  return session ? { survey, session } : { survey };
}

/**
 * Parsed instrument versions, by id. A version never changes once published, so it is read
 * and parsed once, not on every request that looks a survey up (a respondent's every page and
 * submission do). Frozen, so no caller can change the copy every other caller shares.
 */
const definitions = new Map<string, TDefinition>();
const DEFINITIONS_KEPT = 64;

async function frozenDefinition(db: Kysely<Database>, instrumentVersionId: string): Promise<TDefinition> {
  const known = definitions.get(instrumentVersionId);
  if (known) return known;
  const row = await db.selectFrom('instrument_version').select('definition').where('id', '=', instrumentVersionId).executeTakeFirstOrThrow();
  const definition = deepFreeze(JSON.parse(row.definition) as TDefinition);
  if (definitions.size >= DEFINITIONS_KEPT) definitions.delete(definitions.keys().next().value!);
  definitions.set(instrumentVersionId, definition);
  return definition;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
