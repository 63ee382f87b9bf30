import type { Kysely } from 'kysely';
import { benchmark, headlineMeasures, type BenchmarkResult, type SurveyAnalysis, type WaveComparison, type WorkforceProfile } from '../analysis/index.js';
import type { FreeTextThemes, PublicationDocument } from '../publications/document.js';
import { readPublication } from '../publications/read.js';
import { otherOrganisationsHeadlines } from '../storage/publications.js';
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
  organisation: Organisation;
  publication: PublicationDocument;
  analysis: SurveyAnalysis;
  /** The workforce profile the publication is weighted to, when one had been loaded. */
  profile?: WorkforceProfile;
  /** Completed responses (the whole-organisation figure is always at least the threshold when shown). */
  responses: number;
  previous?: { title: string; waves: WaveComparison[] };
  /** Organisations on the same instrument whose whole-organisation figures the benchmark uses (including this one). */
  benchmark: { organisations: number; results: BenchmarkResult[] };
  freeText: FreeTextThemes[];
  /** Changes whenever any publication behind these results does: a cache key for anything rendered from them. */
  fingerprint: string;
}

/**
 * A wave's results from its publication (undefined when the wave does not exist or has no
 * publication: results exist only for closed waves). The benchmark reads other
 * organisations' publications of the same instrument, never their responses.
 */
export async function loadSurveyResults(db: Kysely<Database>, surveyId: string): Promise<SurveyResults | undefined> {
  const [survey, publication] = await Promise.all([findSurveyById(db, surveyId), readPublication(db, surveyId)]);
  if (!survey || !publication) return undefined;
  const organisation = await db
    .selectFrom('survey')
    .innerJoin('organisation', 'organisation.id', 'survey.organisation_id')
    .select(['survey.organisation_id', 'organisation.name', 'organisation.type', 'organisation.nation', 'organisation.region'])
    .where('survey.id', '=', surveyId)
    .executeTakeFirstOrThrow();
  const others = await otherOrganisationsHeadlines(db, publication.analysis.definition.code, organisation.organisation_id);
  const participants = [
    { organisation: survey.id, type: organisation.type, nation: organisation.nation, region: organisation.region, measures: headlineMeasures(publication.analysis) },
    ...others.map((o) => ({ organisation: o.surveyId, type: o.type, nation: o.nation, region: o.region, measures: o.headline })),
  ];
  const results = benchmark({ organisation: survey.id, type: organisation.type, nation: organisation.nation, region: organisation.region }, participants);
  return {
    survey,
    organisation: { name: organisation.name, type: organisation.type, nation: organisation.nation, region: organisation.region },
    publication,
    analysis: publication.analysis,
    ...(publication.profile ? { profile: publication.profile } : {}),
    responses: publication.responses,
    ...(publication.previous ? { previous: { title: publication.previous.title, waves: publication.previous.waves } } : {}),
    benchmark: { organisations: participants.length, results },
    freeText: publication.freeText,
    fingerprint: [`${survey.id}:${publication.version}`, ...others.map((o) => `${o.surveyId}:${o.version}`)].join(','),
  };
}
