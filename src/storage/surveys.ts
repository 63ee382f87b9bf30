import { createHash, randomBytes, randomUUID } from 'node:crypto';
import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import { ZDefinition, type TDefinition } from '../instrument/definition.js';
import type { Answers } from '../instrument/question-types/index.js';
import type { AnswerSession } from './answer-sessions.js';
import type { Database } from './schema.js';

/** synthetic: a demonstration organisation, never in a real benchmark round (admin/demo.ts). */
export async function createOrganisation(db: Kysely<Database>, organisation: { name: string; type: string; nation: string; region: string; synthetic?: boolean }): Promise<string> {
  const id = randomUUID();
  const { synthetic, ...columns } = organisation;
  await db
    .insertInto('organisation')
    .values({ id, ...columns, synthetic: synthetic ? 1 : 0 })
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

/**
 * Points a draft survey at another instrument version (the builder's change), only if it still
 * has the version the change was made to: false when it is no longer a draft, or was changed
 * meanwhile (so two leads editing at once never silently undo each other's change).
 */
export async function replaceDraftInstrument(db: Kysely<Database>, surveyId: string, from: string, to: string): Promise<boolean> {
  const updated = await db
    .updateTable('survey')
    .set({ instrument_version_id: to })
    .where('id', '=', surveyId)
    .where('state', '=', 'draft')
    .where('instrument_version_id', '=', from)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
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
  /** The organisation running it: respondents are told whose survey they are answering. */
  organisationName: string;
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

type SurveyWithSession = { survey: SurveyWithDefinition; session?: AnswerSession };

/**
 * Respondents' reads of a survey and their answer session, per database, gathered over one
 * turn of the event loop (as submissions are, storage/responses.ts): the pages that reach the
 * server together are answered by one query per survey link rather than one each. On
 * PostgreSQL every query is a round trip and its system calls, which under load cost as much
 * as the rest of a respondent's request. Not cached: each read is of the moment.
 */
const respondentReads = new WeakMap<Kysely<Database>, DataLoader<string, SurveyWithSession | undefined>>();

/**
 * A survey by its public link, with the answer session (by its key) a respondent's cookie
 * names, if it is this survey's: one query, as every page of the journey needs both (shared
 * with the other requests of the moment).
 */
export function findSurveyBySlugWithSession(db: Kysely<Database>, slug: string, sessionKey: string): Promise<SurveyWithSession | undefined> {
  let reads = respondentReads.get(db);
  if (!reads) {
    const loader = new DataLoader<string, SurveyWithSession | undefined>((keys) => surveysWithSessions(db, keys), {
      cache: false,
      // After the event loop's I/O phase, so requests read in the same turn share the query (a microtask would run before the others are read).
      batchScheduleFn: (run) => setImmediate(run),
    });
    respondentReads.set(db, (reads = loader));
  }
  return reads.load(`${slug}\u0000${sessionKey}`);
}

/** Each `slug NUL sessionKey` request's survey and session: one query per survey link asked for. */
async function surveysWithSessions(db: Kysely<Database>, keys: readonly string[]): Promise<(SurveyWithSession | undefined)[]> {
  const requests = keys.map((key) => {
    const cut = key.indexOf('\u0000');
    return { slug: key.slice(0, cut), sessionKey: key.slice(cut + 1) };
  });
  const sessionKeysBySlug = new Map<string, Set<string>>();
  for (const { slug, sessionKey } of requests) {
    const set = sessionKeysBySlug.get(slug) ?? new Set<string>();
    sessionKeysBySlug.set(slug, set.add(sessionKey));
  }
  const found = new Map<string, { survey: SurveyWithDefinition; sessions: Map<string, string> }>();
  for (const [slug, sessionKeys] of sessionKeysBySlug) {
    const result = await findSurvey(db, 'slug', slug, [...sessionKeys]);
    if (result) found.set(slug, result);
  }
  return requests.map(({ slug, sessionKey }) => {
    const result = found.get(slug);
    if (!result) return undefined;
    const answers = result.sessions.get(sessionKey);
    // Parsed for each request: no two requests share (and could change) one answers object.
    return answers === undefined ? { survey: result.survey } : { survey: result.survey, session: { key: sessionKey, surveyId: result.survey.id, answers: JSON.parse(answers) as Answers } };
  });
}

/** A survey, and the stored answers of those of the given answer sessions that are its own. */
async function findSurvey(
  db: Kysely<Database>,
  by: 'slug' | 'id',
  value: string,
  sessionKeys: readonly string[] = [],
): Promise<{ survey: SurveyWithDefinition; sessions: Map<string, string> } | undefined> {
  const rows = await db
    .selectFrom('survey')
    .innerJoin('organisation', 'organisation.id', 'survey.organisation_id')
    .leftJoin('answer_session', (join) => join.onRef('answer_session.survey_id', '=', 'survey.id').on('answer_session.id', 'in', sessionKeys.length > 0 ? sessionKeys : ['']))
    .select([
      'survey.id',
      'survey.slug',
      'survey.title',
      'survey.state',
      'survey.suppression_threshold',
      'survey.instrument_version_id',
      'survey.closes_on',
      'survey.organisation_id',
      'organisation.name as organisation_name',
      'survey.previous_survey_id',
      'survey.synthetic',
      'survey.release_free_text',
      'answer_session.id as session_key',
      'answer_session.answers as session_answers',
    ])
    .where(`survey.${by}`, '=', value)
    .execute();
  const row = rows[0];
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
    organisationName: row.organisation_name,
    previousSurveyId: row.previous_survey_id,
    synthetic: Number(row.synthetic) === 1,
    releaseFreeText: Number(row.release_free_text) === 1,
  };
  const sessions = new Map<string, string>();
  for (const r of rows) if (r.session_key && r.session_answers !== null) sessions.set(r.session_key, r.session_answers);
  return { survey, sessions };
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
  // Through the schema, so a version stored before a field was added reads with that field's default.
  const definition = deepFreeze(ZDefinition.parse(JSON.parse(row.definition)));
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
