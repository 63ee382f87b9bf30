import { analyseSurvey, compareWaves, TableBuilder, type SurveyAnalysis, type WorkforceProfile } from '../analysis/index.js';
import type { TDefinition } from '../instrument/definition.js';
import type { TPublishedFindings } from '../instrument/published-findings.js';
import { coarsenSegments } from '../reporting/exports/coarsen.js';
import { quotableTexts, themeFreeText, type GroupedText } from '../reporting/free-text.js';
import type { ExportedResponse } from '../storage/exports.js';
import { PUBLICATION_FORMAT, type PublicationDocument } from './document.js';
import { AnswerPatterns } from './respondent-file.js';

export interface PublicationInput {
  survey: { id: string; title: string; threshold: number; definition: TDefinition; instrumentVersionId: string; closedOn: string | null };
  /** The wave's responses, in batches: read once. */
  batches: AsyncIterable<ExportedResponse[]>;
  profile?: WorkforceProfile;
  /** The publication of the wave this one follows, for the trend. */
  previous?: { surveyId: string; title: string; version: number; analysis: SurveyAnalysis };
  findings: TPublishedFindings;
  version: number;
  builtOn: string;
}

/**
 * Builds a wave's publication in one pass over its responses: every answer is counted through
 * the question-type modules (TableBuilder), then analysed (weighting, estimates, tests,
 * indices, comparisons, disclosure control), compared with the previous wave's publication,
 * free text themed from the groups whose results are shown, and the respondent-level file's
 * coarsening and withheld answers decided from the same suppressed figures and the patterns
 * of skipped questions.
 */
export async function buildPublication(input: PublicationInput): Promise<PublicationDocument> {
  const { survey } = input;
  const builder = new TableBuilder(survey.definition);
  const patterns = new AnswerPatterns(survey.definition);
  const texts = new Map<string, GroupedText[]>(
    survey.definition.sections.flatMap((s) => s.questions.filter((q) => q.type === 'text').map((q) => [q.code, []] as [string, GroupedText[]])),
  );
  for await (const batch of input.batches) {
    for (const r of batch) {
      builder.add(r.answers, { roleGroup: r.roleGroup, directorate: r.directorate });
      patterns.add(r);
      for (const [question, list] of texts) {
        const text = r.answers[question];
        if (typeof text === 'string' && text.trim() !== '') list.push({ roleGroup: r.roleGroup, text });
      }
    }
  }
  const tables = builder.tables();
  const analysis = analyseSurvey(survey.definition, tables, {
    threshold: survey.threshold,
    findings: input.findings,
    ...(input.profile ? { profile: input.profile } : {}),
  });
  const freeText = analysis.variables.flatMap((v) => {
    if (v.kind !== 'text') return [];
    const quotable = quotableTexts(v, texts.get(v.question) ?? []);
    return [{ question: v.question, comments: quotable.length, themes: quotable.length > 0 ? themeFreeText(quotable).themes : [] }];
  });
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
    responses: builder.responses,
    analysis,
    ...(input.profile ? { profile: input.profile } : {}),
    ...(previous ? { previous } : {}),
    freeText,
    respondentFile,
    respondentMasks: patterns.decide(respondentFile, survey.threshold, analysis),
  };
}
