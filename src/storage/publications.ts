import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface StoredPublication {
  surveyId: string;
  version: number;
  /** The document as stored (JSON); parsed by publications/read.ts. */
  document: string;
}

export async function insertPublication(db: Kysely<Database>, row: Database['publication']): Promise<void> {
  await db.insertInto('publication').values(row).execute();
}

/** The newest version number of a wave's publication, without its document. */
export async function latestPublicationVersion(db: Kysely<Database>, surveyId: string): Promise<number | undefined> {
  const row = await db.selectFrom('publication').select('version').where('survey_id', '=', surveyId).orderBy('version', 'desc').limit(1).executeTakeFirst();
  return row ? Number(row.version) : undefined;
}

/** One version of a wave's publication. */
export async function publicationVersion(db: Kysely<Database>, surveyId: string, version: number): Promise<StoredPublication | undefined> {
  const row = await db.selectFrom('publication').select(['survey_id', 'version', 'document']).where('survey_id', '=', surveyId).where('version', '=', version).executeTakeFirst();
  return row ? { surveyId: row.survey_id, version: Number(row.version), document: row.document } : undefined;
}

/** Whether a wave has been published (it has, exactly when it is closed). */
export async function hasPublication(db: Kysely<Database>, surveyId: string): Promise<boolean> {
  const row = await db.selectFrom('publication').select('version').where('survey_id', '=', surveyId).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** The number the next version of a wave's publication gets. */
export async function nextPublicationVersion(db: Kysely<Database>, surveyId: string): Promise<number> {
  const row = await db
    .selectFrom('publication')
    .select((eb) => eb.fn.max<number>('version').as('latest'))
    .where('survey_id', '=', surveyId)
    .executeTakeFirst();
  return Number(row?.latest ?? 0) + 1;
}

/**
 * For benchmarks: the headline measures of the newest publication of every other
 * organisation's most recent published wave of an instrument (by code).
 */
export async function otherOrganisationsHeadlines(db: Kysely<Database>, instrumentCode: string, exceptOrganisationId: string) {
  const rows = await db
    .selectFrom('publication')
    .innerJoin('survey', 'survey.id', 'publication.survey_id')
    .innerJoin('instrument_version', 'instrument_version.id', 'survey.instrument_version_id')
    .innerJoin('organisation', 'organisation.id', 'survey.organisation_id')
    .select([
      'survey.id as surveyId',
      'survey.organisation_id as organisationId',
      'survey.opens_on as opensOn',
      'publication.version',
      'publication.headline',
      'organisation.type',
      'organisation.nation',
      'organisation.region',
    ])
    .where('instrument_version.code', '=', instrumentCode)
    .where('survey.organisation_id', '!=', exceptOrganisationId)
    .execute();
  const latest = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    const seen = latest.get(r.organisationId);
    const newer = !seen || (r.opensOn ?? '') > (seen.opensOn ?? '') || (r.surveyId === seen.surveyId && Number(r.version) > Number(seen.version));
    if (newer) latest.set(r.organisationId, r);
  }
  return [...latest.values()].map((r) => ({ ...r, version: Number(r.version), headline: JSON.parse(r.headline) as Record<string, number> }));
}

/**
 * Closed waves with no publication in the given document format (closed before publications
 * existed, or published in an older format). The document's JSON starts with its format.
 */
export async function closedWavesWithoutPublication(db: Kysely<Database>, format: number): Promise<string[]> {
  const rows = await db
    .selectFrom('survey')
    .select('id')
    .where('state', '=', 'closed')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('publication')
            .select('publication.survey_id')
            .whereRef('publication.survey_id', '=', 'survey.id')
            .where('publication.document', 'like', `{"format":${format},%`),
        ),
      ),
    )
    .orderBy('closes_on')
    .orderBy('opens_on')
    .execute();
  return rows.map((r) => r.id);
}
