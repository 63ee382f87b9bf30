import { analyseSurvey, compareWaves, type SurveyAnalysis, type WorkforceProfile } from '../analysis/index.js';
import { publishedWeighting } from '../analysis/weighting.js';
import type { TDefinition } from '../instrument/definition.js';
import type { TPublishedFindings } from '../instrument/published-findings.js';
import { coarsenSegments } from '../reporting/exports/coarsen.js';
import type { FreeTextTheme } from '../reporting/free-text.js';
import { PUBLICATION_FORMAT, type PublicationDocument } from './document.js';
import { DEFAULT_TALLY, tallyResponses, type ResponseSource, type TallyOptions } from './tally.js';
import { themerFor } from './themes.js';

export interface PublicationInput {
  survey: { id: string; title: string; threshold: number; definition: TDefinition; instrumentVersionId: string; closedOn: string | null };
  /** The wave's response rows, answers as stored (JSON text): read once, each decoded when counted. */
  rows: ResponseSource;
  /** How the pass over the rows is split between threads (tally.ts); the default suits the machine. */
  tally?: TallyOptions;
  profile?: WorkforceProfile;
  /** The publication of the wave this one follows, for the trend. */
  previous?: { surveyId: string; title: string; version: number; analysis: SurveyAnalysis };
  findings: TPublishedFindings;
  version: number;
  builtOn: string;
}

/**
 * Builds a wave's publication in one pass over its responses (tally.ts: every answer counted
 * through the question-type modules, in worker threads for a large wave), then analysed (weighting, estimates, tests,
 * indices, comparisons, disclosure control), compared with the previous wave's publication,
 * free text themed from the groups whose results are shown (in a thread of its own for a
 * large wave: themes.ts), and the respondent-level file's
 * coarsening and withheld answers decided from the same suppressed figures and the patterns
 * of answered / not asked / skipped questions.
 */
export async function buildPublication(input: PublicationInput): Promise<PublicationDocument> {
  const { survey } = input;
  // Started first, so that a large wave's theming thread loads its language model while the responses are counted.
  const themer = themerFor(input.rows.responses);
  try {
    const { tables, responses, paperResponses, patterns, comments } = await tallyResponses(survey.definition, input.rows, input.tally ?? DEFAULT_TALLY);
    const analysis = analyseSurvey(survey.definition, tables, {
      threshold: survey.threshold,
      findings: input.findings,
      ...(input.profile ? { profile: input.profile } : {}),
    });
    // The weighting summary as published (two-decimal design effect), never its exact diagnostics.
    analysis.weighting = publishedWeighting(
      analysis.weighting,
      analysis.responses.some((r) => r.group.kind === 'total' && r.figure.shown),
    );
    // Themes come from a bounded random sample of the quotable comments (CommentSample: at most
    // THEMED_COMMENTS per question, all of them below that), their counts scaled to every
    // comment; the number of comments, like every count in the tables, is exact.
    const freeText = await Promise.all(
      analysis.variables.flatMap((v) => {
        if (v.kind !== 'text') return [];
        const quotable = comments.quotable(v);
        const themes = async () =>
          // A theme needs as many comments as a group needs responses to be shown.
          quotable.texts.length > 0 ? scaleThemes((await themer.theme(quotable.texts, { minThemeSize: survey.threshold })).themes, quotable.texts.length, quotable.comments) : [];
        return [themes().then((found) => ({ question: v.question, comments: quotable.comments, themes: found }))];
      }),
    );
    const respondentFile = coarsenSegments(tables.cells, analysis, survey.threshold);
    const previous = input.previous
      ? { surveyId: input.previous.surveyId, title: input.previous.title, version: input.previous.version, waves: compareWaves(analysis, input.previous.analysis) }
      : undefined;
    return {
      format: PUBLICATION_FORMAT,
      surveyId: survey.id,
      version: input.version,
      builtOn: input.builtOn,
      title: survey.title,
      closedOn: survey.closedOn,
      instrumentVersionId: survey.instrumentVersionId,
      threshold: survey.threshold,
      responses,
      paperResponses,
      analysis,
      ...(input.profile ? { profile: input.profile } : {}),
      ...(previous ? { previous } : {}),
      freeText,
      respondentFile,
      respondentMasks: patterns.decide(respondentFile, survey.threshold, analysis),
    };
  } finally {
    themer.close();
  }
}

/**
 * Themes found in a sample of `themed` comments, their counts scaled to all `comments` (largest
 * remainders, so they add up as the sample's did): with no sampling, unchanged.
 */
export function scaleThemes(themes: FreeTextTheme[], themed: number, comments: number): FreeTextTheme[] {
  if (themed >= comments) return themes;
  const exact = themes.map((t) => (t.count * comments) / themed);
  const counts = exact.map(Math.floor);
  const target = Math.round(exact.reduce((s, x) => s + x, 0));
  const order = exact.map((x, i) => ({ i, remainder: x - counts[i]! })).sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  const missing = target - counts.reduce((s, x) => s + x, 0);
  for (let k = 0; k < missing; k++) counts[order[k % order.length]!.i]!++;
  return themes.map((t, i) => ({ ...t, count: counts[i]! }));
}
