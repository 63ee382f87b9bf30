import type { Kysely } from 'kysely';
import { benchmark, type BenchmarkResult, type SurveyAnalysis, type WaveComparison, type WorkforceProfile } from '../analysis/index.js';
import type { FreeTextThemes, PublicationDocument } from '../publications/document.js';
import { readPublication } from '../publications/read.js';
import { findRound, roundHeadlines, roundOfSurvey } from '../storage/rounds.js';
import type { Database } from '../storage/schema.js';
import { findSurveyById, type SurveyWithDefinition } from '../storage/surveys.js';

export type { FreeTextThemes } from '../publications/document.js';

export interface Organisation {
  name: string;
  type: string;
  nation: string;
  region: string;
}

/** Everything a page, report or API answer about one wave is built from: its publication, and other organisations' for the benchmark. */
export interface SurveyResults {
  survey: SurveyWithDefinition;
  /** The day the wave opened for answers (YYYY-MM-DD), when known. */
  openedOn: string | null;
  organisation: Organisation;
  publication: PublicationDocument;
  analysis: SurveyAnalysis;
  /** The workforce profile the publication is weighted to, when one had been loaded. */
  profile?: WorkforceProfile;
  /** Completed responses (the whole-organisation figure is always at least the threshold when shown). */
  responses: number;
  previous?: { title: string; waves: WaveComparison[] };
  /**
   * The wave's benchmark round, when it is in one: the organisations contributing a
   * publication (including this one), and the comparisons, given only once the round has closed.
   */
  benchmark: { round?: { title: string; state: 'open' | 'closed'; hostName: string }; organisations: number; results: BenchmarkResult[] };
  freeText: FreeTextThemes[];
  /** Changes whenever any publication behind these results does: a cache key for anything rendered from them. */
  fingerprint: string;
}

/**
 * A wave's results from its publication (undefined when the wave does not exist or has no
 * publication: results exist only for closed waves). The benchmark comes only from the
 * wave's benchmark round, once closed: one publication per organisation (the version the
 * round took at its close), never responses, and never the organisation's other waves.
 */
export async function loadSurveyResults(db: Kysely<Database>, surveyId: string): Promise<SurveyResults | undefined> {
  const [survey, publication] = await Promise.all([findSurveyById(db, surveyId), readPublication(db, surveyId)]);
  if (!survey || !publication) return undefined;
  const organisation = await db
    .selectFrom('survey')
    .innerJoin('organisation', 'organisation.id', 'survey.organisation_id')
    .select(['survey.organisation_id', 'survey.opens_on', 'organisation.name', 'organisation.type', 'organisation.nation', 'organisation.region'])
    .where('survey.id', '=', surveyId)
    .executeTakeFirstOrThrow();
  const { round, contributions } = await benchmarkRound(db, surveyId);
  const participants = contributions.map((c) => ({ organisation: c.organisationId, type: c.type, nation: c.nation, region: c.region, measures: c.headline }));
  // Compared as it contributed: its own figures are those of the publication version the round took.
  const results =
    participants.length > 0 ? benchmark({ organisation: organisation.organisation_id, type: organisation.type, nation: organisation.nation, region: organisation.region }, participants) : [];
  return {
    survey,
    openedOn: organisation.opens_on,
    organisation: { name: organisation.name, type: organisation.type, nation: organisation.nation, region: organisation.region },
    publication,
    analysis: publication.analysis,
    ...(publication.profile ? { profile: publication.profile } : {}),
    responses: publication.responses,
    ...(publication.previous ? { previous: { title: publication.previous.title, waves: publication.previous.waves } } : {}),
    benchmark: { ...(round ? { round: { title: round.title, state: round.state, hostName: round.hostName } } : {}), organisations: participants.length, results },
    freeText: publication.freeText,
    fingerprint: [`${survey.id}:${publication.version}`, ...(round ? [`${round.id}:${round.state}`] : []), ...contributions.map((c) => `${c.surveyId}:${c.version}`)].join(','),
  };
}

/** A wave's benchmark round and, once the round has closed, what each organisation contributed to it. */
async function benchmarkRound(db: Kysely<Database>, surveyId: string) {
  const link = await roundOfSurvey(db, surveyId);
  const round = link ? await findRound(db, link.roundId) : undefined;
  return { round, contributions: round?.state === 'closed' ? await roundHeadlines(db, round.id) : [] };
}
