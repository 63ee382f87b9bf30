import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export type RoundState = Database['benchmark_round']['state'];
export type ParticipantState = Database['round_participant']['state'];

export interface Round {
  id: string;
  hostOrganisationId: string;
  hostName: string;
  title: string;
  instrumentVersionId: string;
  opensOn: string;
  closesOn: string;
  state: RoundState;
  synthetic: boolean;
}

export interface Participant {
  organisationId: string;
  name: string;
  type: string;
  nation: string;
  region: string;
  state: ParticipantState;
  surveyId: string | null;
  /** The linked wave's state, when one is linked. */
  waveState: 'draft' | 'open' | 'closed' | null;
  publicationVersion: number | null;
}

export async function insertRound(
  db: Kysely<Database>,
  round: { hostOrganisationId: string; title: string; instrumentVersionId: string; opensOn: string; closesOn: string; synthetic: boolean },
  now: Date,
): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('benchmark_round')
    .values({
      host_organisation_id: round.hostOrganisationId,
      id,
      title: round.title,
      instrument_version_id: round.instrumentVersionId,
      opens_on: round.opensOn,
      closes_on: round.closesOn,
      state: 'open',
      synthetic: round.synthetic ? 1 : 0,
      created_at: now.toISOString(),
    })
    .execute();
  return id;
}

const roundColumns = [
  'benchmark_round.id',
  'benchmark_round.host_organisation_id',
  'organisation.name as host_name',
  'benchmark_round.title',
  'benchmark_round.instrument_version_id',
  'benchmark_round.opens_on',
  'benchmark_round.closes_on',
  'benchmark_round.state',
  'benchmark_round.synthetic',
] as const;

function toRound(r: {
  id: string;
  host_organisation_id: string;
  host_name: string;
  title: string;
  instrument_version_id: string;
  opens_on: string;
  closes_on: string;
  state: RoundState;
  synthetic: number;
}): Round {
  return {
    id: r.id,
    hostOrganisationId: r.host_organisation_id,
    hostName: r.host_name,
    title: r.title,
    instrumentVersionId: r.instrument_version_id,
    opensOn: r.opens_on,
    closesOn: r.closes_on,
    state: r.state,
    synthetic: Number(r.synthetic) === 1,
  };
}

const rounds = (db: Kysely<Database>) => db.selectFrom('benchmark_round').innerJoin('organisation', 'organisation.id', 'benchmark_round.host_organisation_id').select(roundColumns);

export async function findRound(db: Kysely<Database>, id: string): Promise<Round | undefined> {
  const row = await rounds(db).where('benchmark_round.id', '=', id).executeTakeFirst();
  return row && toRound(row);
}

/** The rounds a host runs, newest first. */
export async function hostRounds(db: Kysely<Database>, hostOrganisationId: string): Promise<Round[]> {
  const rows = await rounds(db).where('benchmark_round.host_organisation_id', '=', hostOrganisationId).orderBy('benchmark_round.opens_on', 'desc').orderBy('benchmark_round.title').execute();
  return rows.map(toRound);
}

/** The rounds a council has been invited to, with its own place in each. */
export async function organisationRounds(db: Kysely<Database>, organisationId: string): Promise<(Round & { participation: ParticipantState; surveyId: string | null })[]> {
  const rows = await rounds(db)
    .innerJoin('round_participant', 'round_participant.round_id', 'benchmark_round.id')
    .select(['round_participant.state as participation', 'round_participant.survey_id'])
    .where('round_participant.organisation_id', '=', organisationId)
    .orderBy('benchmark_round.opens_on', 'desc')
    .execute();
  return rows.map((r) => ({ ...toRound(r), participation: r.participation, surveyId: r.survey_id }));
}

export async function setRoundState(db: Kysely<Database>, id: string, state: RoundState): Promise<void> {
  await db.updateTable('benchmark_round').set({ state }).where('id', '=', id).execute();
}

/** Every organisation invited to a round, with its wave's state: the host's view of participation, and the close's check. */
export async function roundParticipants(db: Kysely<Database>, roundId: string): Promise<Participant[]> {
  const rows = await db
    .selectFrom('round_participant')
    .innerJoin('organisation', 'organisation.id', 'round_participant.organisation_id')
    .leftJoin('survey', 'survey.id', 'round_participant.survey_id')
    .select([
      'round_participant.organisation_id',
      'organisation.name',
      'organisation.type',
      'organisation.nation',
      'organisation.region',
      'round_participant.state',
      'round_participant.survey_id',
      'survey.state as wave_state',
      'round_participant.publication_version',
    ])
    .where('round_participant.round_id', '=', roundId)
    .orderBy('organisation.name')
    .execute();
  return rows.map((r) => ({
    organisationId: r.organisation_id,
    name: r.name,
    type: r.type,
    nation: r.nation,
    region: r.region,
    state: r.state,
    surveyId: r.survey_id,
    waveState: r.wave_state,
    publicationVersion: r.publication_version === null ? null : Number(r.publication_version),
  }));
}

export async function findParticipant(db: Kysely<Database>, roundId: string, organisationId: string) {
  return db.selectFrom('round_participant').selectAll().where('round_id', '=', roundId).where('organisation_id', '=', organisationId).executeTakeFirst();
}

export async function insertParticipant(db: Kysely<Database>, roundId: string, organisationId: string, invitedOn: string): Promise<void> {
  await db
    .insertInto('round_participant')
    .values({ round_id: roundId, organisation_id: organisationId, state: 'invited', survey_id: null, invited_on: invitedOn, joined_on: null, publication_version: null })
    .execute();
}

export async function updateParticipant(
  db: Kysely<Database>,
  roundId: string,
  organisationId: string,
  change: Partial<Pick<Database['round_participant'], 'state' | 'survey_id' | 'joined_on' | 'publication_version'>>,
): Promise<void> {
  await db.updateTable('round_participant').set(change).where('round_id', '=', roundId).where('organisation_id', '=', organisationId).execute();
}

/** The round a wave is in (as a joined participant), if any. */
export async function roundOfSurvey(db: Kysely<Database>, surveyId: string): Promise<{ roundId: string; organisationId: string } | undefined> {
  const row = await db.selectFrom('round_participant').select(['round_id', 'organisation_id']).where('survey_id', '=', surveyId).where('state', '=', 'joined').executeTakeFirst();
  return row && { roundId: row.round_id, organisationId: row.organisation_id };
}

/**
 * A closed round's contributions: for each joined organisation, the headline measures of the
 * publication version recorded at the round's close. Read from publications only.
 */
export async function roundHeadlines(db: Kysely<Database>, roundId: string) {
  const rows = await db
    .selectFrom('round_participant')
    .innerJoin('organisation', 'organisation.id', 'round_participant.organisation_id')
    .innerJoin('publication', (join) => join.onRef('publication.survey_id', '=', 'round_participant.survey_id').onRef('publication.version', '=', 'round_participant.publication_version'))
    .select([
      'round_participant.organisation_id',
      'round_participant.survey_id',
      'publication.version',
      'publication.headline',
      'organisation.type',
      'organisation.nation',
      'organisation.region',
    ])
    .where('round_participant.round_id', '=', roundId)
    .where('round_participant.state', '=', 'joined')
    .orderBy('round_participant.organisation_id')
    .execute();
  return rows.map((r) => ({
    organisationId: r.organisation_id,
    surveyId: r.survey_id!,
    version: Number(r.version),
    type: r.type,
    nation: r.nation,
    region: r.region,
    headline: JSON.parse(r.headline) as Record<string, number>,
  }));
}

export async function findOrganisation(db: Kysely<Database>, id: string) {
  const row = await db.selectFrom('organisation').select(['id', 'name', 'type', 'nation', 'region', 'synthetic']).where('id', '=', id).executeTakeFirst();
  return row && { ...row, synthetic: Number(row.synthetic) === 1 };
}
