import type { Kysely } from 'kysely';
import {
  analyseSurvey,
  benchmark,
  compareWaves,
  headlineMeasures,
  type BenchmarkResult,
  type SurveyAnalysis,
  type WaveComparison,
  type WorkforceProfile,
} from '../analysis/index.js';
import { loadPublishedFindings } from '../instrument/published-findings.js';
import type { Database } from '../storage/schema.js';
import { findSurveyById, type SurveyWithDefinition } from '../storage/surveys.js';
import { responseBatches } from '../storage/exports.js';
import { loadCountTables } from '../storage/tables.js';
import { loadWorkforceProfile } from '../storage/workforce-profiles.js';
import { quotableTexts, themeFreeText, type FreeTextTheme, type GroupedText } from './free-text.js';

export interface Organisation {
  name: string;
  type: string;
  nation: string;
  region: string;
}

/** Everything a page, report or API answer about one survey is built from: suppressed analyses only. */
export interface SurveyResults {
  survey: SurveyWithDefinition;
  organisation: Organisation;
  analysis: SurveyAnalysis;
  /** The survey's workforce profile (headcounts), when one has been loaded: analysis is weighted to it. */
  profile?: WorkforceProfile;
  /** Completed responses, as stored (the whole-organisation figure is always at least the threshold when shown). */
  responses: number;
  previous?: { title: string; analysis: SurveyAnalysis; waves: WaveComparison[] };
  /** Organisations on the same instrument whose whole-organisation figures the benchmark uses (including this one). */
  benchmark: { organisations: number; results: BenchmarkResult[] };
  /** Changes whenever any figure behind these results can: a cache key for anything rendered from them. */
  fingerprint: string;
}

interface CachedAnalysis {
  key: string;
  analysis: SurveyAnalysis;
}

/**
 * Analyses are cached per survey, number of responses and workforce profile: counts only
 * grow with responses, so the same number means the same counts.
 */
const analyses = new Map<string, CachedAnalysis>();

/** How many surveys' analyses (and reports) are kept in memory; the least recently built go first. */
const CACHE_SURVEYS = 50;

/** Sets a cache entry as the newest, dropping the oldest beyond `CACHE_SURVEYS`. */
export function remember<T>(cache: Map<string, T>, key: string, value: T): void {
  cache.delete(key);
  cache.set(key, value);
  for (const oldest of cache.keys()) {
    if (cache.size <= CACHE_SURVEYS) break;
    cache.delete(oldest);
  }
}

async function responseCounts(db: Kysely<Database>, surveyIds: string[]): Promise<Map<string, number>> {
  if (surveyIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('cell_count')
    .select((eb) => ['survey_id', eb.fn.sum<number>('responses').as('responses')])
    .where('survey_id', 'in', surveyIds)
    .groupBy('survey_id')
    .execute();
  return new Map(rows.map((r) => [r.survey_id, Number(r.responses)]));
}

async function analysisOf(db: Kysely<Database>, survey: SurveyWithDefinition, responses: number): Promise<{ analysis: SurveyAnalysis; profile?: WorkforceProfile; key: string }> {
  const profile = await loadWorkforceProfile(db, survey.id);
  const key = `${responses}:${profile ? JSON.stringify(profile.cells) : ''}`;
  const hit = analyses.get(survey.id);
  if (hit && hit.key === key) return { analysis: hit.analysis, profile, key };
  const analysis = analyseSurvey(survey.definition, await loadCountTables(db, survey.id), {
    threshold: survey.suppressionThreshold,
    findings: loadPublishedFindings(),
    ...(profile ? { profile } : {}),
  });
  remember(analyses, survey.id, { key, analysis });
  return { analysis, profile, key };
}

/** The latest survey of every organisation on the same instrument (by code), this survey standing for its own organisation. */
async function benchmarkSurveys(db: Kysely<Database>, survey: SurveyWithDefinition, organisationId: string) {
  const rows = await db
    .selectFrom('survey')
    .innerJoin('instrument_version', 'instrument_version.id', 'survey.instrument_version_id')
    .innerJoin('organisation', 'organisation.id', 'survey.organisation_id')
    .select(['survey.id', 'survey.organisation_id', 'survey.opens_on', 'organisation.type', 'organisation.nation', 'organisation.region'])
    .where('instrument_version.code', '=', survey.definition.code)
    .where('survey.organisation_id', '!=', organisationId)
    // Only closed surveys: an open one's figures would move the benchmark with each response.
    .where('survey.state', '=', 'closed')
    .execute();
  const latest = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    const seen = latest.get(r.organisation_id);
    if (!seen || (r.opens_on ?? '') > (seen.opens_on ?? '')) latest.set(r.organisation_id, r);
  }
  return [...latest.values()];
}

export async function loadSurveyResults(db: Kysely<Database>, surveyId: string): Promise<SurveyResults | undefined> {
  const survey = await findSurveyById(db, surveyId);
  if (!survey) return undefined;
  const row = await db
    .selectFrom('survey')
    .innerJoin('organisation', 'organisation.id', 'survey.organisation_id')
    .select(['survey.previous_survey_id', 'survey.organisation_id', 'organisation.name', 'organisation.type', 'organisation.nation', 'organisation.region'])
    .where('survey.id', '=', surveyId)
    .executeTakeFirstOrThrow();
  const others = await benchmarkSurveys(db, survey, row.organisation_id);
  const ids = [survey.id, ...(row.previous_survey_id ? [row.previous_survey_id] : []), ...others.map((o) => o.id)];
  const counts = await responseCounts(db, ids);
  const responses = counts.get(survey.id) ?? 0;
  const own = await analysisOf(db, survey, responses);
  const analysis = own.analysis;
  const keys = [`${survey.id}:${own.key}`];

  let previous: SurveyResults['previous'];
  if (row.previous_survey_id) {
    const before = await findSurveyById(db, row.previous_survey_id);
    if (before && before.definition.code === survey.definition.code) {
      const { analysis: beforeAnalysis, key } = await analysisOf(db, before, counts.get(before.id) ?? 0);
      keys.push(`${before.id}:${key}`);
      previous = { title: before.title, analysis: beforeAnalysis, waves: compareWaves(analysis, beforeAnalysis) };
    }
  }

  const participants = [{ organisation: survey.id, type: row.type, nation: row.nation, region: row.region, measures: headlineMeasures(analysis) }];
  for (const o of others) {
    const other = await findSurveyById(db, o.id);
    if (!other) continue;
    const theirs = await analysisOf(db, other, counts.get(o.id) ?? 0);
    keys.push(`${o.id}:${theirs.key}`);
    participants.push({ organisation: o.id, type: o.type, nation: o.nation, region: o.region, measures: headlineMeasures(theirs.analysis) });
  }
  const results = benchmark({ organisation: survey.id, type: row.type, nation: row.nation, region: row.region }, participants);

  return {
    survey,
    organisation: { name: row.name, type: row.type, nation: row.nation, region: row.region },
    analysis,
    ...(own.profile ? { profile: own.profile } : {}),
    responses,
    previous,
    benchmark: { organisations: participants.length, results },
    fingerprint: keys.join(','),
  };
}

export interface FreeTextThemes {
  question: string;
  /** Comments themed: only from groups whose results are shown. */
  comments: number;
  themes: FreeTextTheme[];
}

/**
 * Themes of each free-text question's answers, read from the stored responses in batches.
 * Only answers that `quotableTexts` lets through (groups whose results are shown) are themed
 * and quoted; every quote is redacted by `themeFreeText`.
 */
export async function loadFreeTextThemes(db: Kysely<Database>, results: SurveyResults): Promise<FreeTextThemes[]> {
  const variables = results.analysis.variables.filter((v) => v.kind === 'text');
  if (variables.length === 0) return [];
  const answers = new Map<string, GroupedText[]>(variables.map((v) => [v.question, []]));
  for await (const batch of responseBatches(db, results.survey.id)) {
    for (const r of batch) {
      for (const [question, list] of answers) {
        const text = r.answers[question];
        if (typeof text === 'string' && text.trim() !== '') list.push({ roleGroup: r.roleGroup, text });
      }
    }
  }
  return variables.map((v) => {
    const texts = quotableTexts(v, answers.get(v.question) ?? []);
    return { question: v.question, comments: texts.length, themes: texts.length > 0 ? themeFreeText(texts).themes : [] };
  });
}
