import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';

/**
 * Every output of a closed wave as a signed-in analyst downloads it over HTTP: the results
 * API, the aggregate tables, the codebook and the respondent-level file with and without
 * free text, plus the report page (which carries the trend against the previous wave).
 */
export interface WaveOutputs {
  surveyId: string;
  /** /api/surveys/:id/results, parsed. */
  api: ApiResults;
  /** /surveys/:id/exports/aggregates.csv, one record per row. */
  aggregates: Record<string, string>[];
  /** /surveys/:id/exports/codebook.csv. */
  codebook: Record<string, string>[];
  /** /surveys/:id/exports/respondents.csv; undefined when the file is refused. */
  respondents?: Record<string, string>[];
  /** /surveys/:id/exports/respondents.csv?freeText=1. */
  respondentsWithText?: Record<string, string>[];
  /** /surveys/:id/report (HTML). */
  report?: string;
}

/** The parts of the API's answer the attack reads (see src/reporting/api.ts). */
export type ApiGroup =
  | { kind: 'total' }
  | { kind: 'roleGroup'; code: string }
  | { kind: 'directorate'; code: string }
  | { kind: 'cell'; roleGroup: string; directorate: string }
  | { kind: 'leaders' }
  | { kind: 'frontline' }
  | { kind: 'rest'; roleGroup: string };
export type ApiHidden = { shown: false; reason: string };
export type ApiFigure<T> = { shown: true; value: T } | ApiHidden;
export interface ApiProportion {
  estimate: number;
  lower: number;
  upper: number;
}
export interface ApiOption {
  option: string;
  count?: number;
  proportion: ApiProportion;
}
export interface ApiClosed {
  answered: number;
  base: number;
  effectiveBase: number;
  options: ApiOption[];
  dontKnow?: ApiOption;
  positive?: ApiProportion;
}
export interface ApiMean {
  mean: number;
  lower: number;
  upper: number;
  n: number;
  effectiveN: number;
}
export interface ApiChange {
  previous: number;
  current: number;
}
export interface ApiResults {
  threshold: number;
  /** 'weighted': percentages are weighted estimates (not count over base) and counts are left out; 'unweighted' or 'refused': every response counts the same. */
  weighting: 'unweighted' | 'weighted' | 'refused';
  responses: { group: ApiGroup; figure: ApiFigure<number> }[];
  questions: { question: string; item: string; type: string; multiple: boolean; options: { code: string }[]; groups: { group: ApiGroup; figure: ApiFigure<ApiClosed> }[] }[];
  numbers: { question: string; groups: { group: ApiGroup; figure: ApiFigure<ApiMean> }[] }[];
  indices: { code: string; kind: string; groups: { group: ApiGroup; figure: ApiFigure<{ score: ApiMean; positive?: ApiFigure<ApiProportion> }> }[] }[];
  /** How many wrote an answer to each free-text question (the comments are not given). */
  freeText?: { question: string; groups: { group: ApiGroup; figure: ApiFigure<number> }[] }[];
  /** This wave against the previous one (null for a first wave). */
  previous?: {
    surveyId: string;
    changes: { question?: string; item?: string; index?: string; measure: string; group: ApiGroup; change: ApiFigure<ApiChange> }[];
  } | null;
}

/** The parts of the API's answer the attack reads or knows carry no count (any other key is reported as unread). */
export const API_KEYS: ReadonlySet<string> = new Set([
  'survey',
  'threshold',
  'confidence',
  'alpha',
  'weighting',
  'responses',
  'questions',
  'numbers',
  'indices',
  'freeText',
  'previous',
  // No count of their own: the design effect as aggregates.csv's first row gives it (and the shown total over it); the leaders'
  // and frontline's proportions and index scores, and the whole organisation's, as the questions and indices give them.
  'weightingDesign',
  'perceptionGap',
  'published',
]);

const csv = (body: string) => parse<Record<string, string>>(body, { columns: true, bom: true });

export async function collectOutputs(app: FastifyInstance, cookie: string, surveyId: string, options: { report?: boolean } = {}): Promise<WaveOutputs> {
  const get = async (url: string, allowRefusal = false) => {
    const response = await app.inject({ method: 'GET', url, headers: { cookie } });
    if (allowRefusal && response.statusCode === 409) return undefined;
    if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
    return response.body;
  };
  const exports = `/surveys/${surveyId}/exports`;
  const respondents = await get(`${exports}/respondents.csv`, true);
  const respondentsWithText = await get(`${exports}/respondents.csv?freeText=1`, true);
  return {
    surveyId,
    api: JSON.parse((await get(`/api/surveys/${surveyId}/results`))!) as ApiResults,
    aggregates: csv((await get(`${exports}/aggregates.csv`))!),
    codebook: csv((await get(`${exports}/codebook.csv`))!),
    respondents: respondents === undefined ? undefined : csv(respondents),
    respondentsWithText: respondentsWithText === undefined ? undefined : csv(respondentsWithText),
    report: options.report ? await get(`/surveys/${surveyId}/report`) : undefined,
  };
}
