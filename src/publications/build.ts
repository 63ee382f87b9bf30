import { analyseSurvey, compareWaves, TableBuilder, type SurveyAnalysis, type TextVariableAnalysis, type WorkforceProfile } from '../analysis/index.js';
import { publishedWeighting } from '../analysis/weighting.js';
import type { TDefinition } from '../instrument/definition.js';
import type { Answers } from '../instrument/question-types/index.js';
import type { TPublishedFindings } from '../instrument/published-findings.js';
import { coarsenSegments } from '../reporting/exports/coarsen.js';
import { quotableTexts, themeFreeText, type FreeTextTheme } from '../reporting/free-text.js';
import type { StoredAnswersRow } from '../storage/publications.js';
import { PUBLICATION_FORMAT, type PublicationDocument } from './document.js';
import { AnswerPatterns } from './respondent-file.js';

export interface PublicationInput {
  survey: { id: string; title: string; threshold: number; definition: TDefinition; instrumentVersionId: string; closedOn: string | null };
  /** The wave's response rows in pages, answers as stored (JSON text): read once, each decoded when counted. */
  rows: AsyncIterable<readonly StoredAnswersRow[]>;
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
 * of answered / not asked / skipped questions.
 */
export async function buildPublication(input: PublicationInput): Promise<PublicationDocument> {
  const { survey } = input;
  const builder = new TableBuilder(survey.definition);
  const patterns = new AnswerPatterns(survey.definition);
  const comments = new CommentSample(survey.definition.sections.flatMap((s) => s.questions.filter((q) => q.type === 'text').map((q) => q.code)));
  // One response at a time: decoded, counted, its skip pattern and comments taken, then
  // dropped. Only a page of stored text is alive at once, and each response's decoded answers
  // die before the next is decoded, young, where collecting them costs next to nothing.
  let paperResponses = 0;
  for await (const page of input.rows) {
    for (const row of page) {
      if (row.source === 'paper') paperResponses++;
      const answers = JSON.parse(row.answers) as Answers;
      builder.addIn(row.role_group, row.directorate, answers);
      patterns.add({ roleGroup: row.role_group, directorate: row.directorate, answers });
      comments.add(row.role_group, answers);
    }
  }
  const tables = builder.tables();
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
  const freeText = analysis.variables.flatMap((v) => {
    if (v.kind !== 'text') return [];
    const quotable = comments.quotable(v);
    return [
      {
        question: v.question,
        comments: quotable.comments,
        themes: quotable.texts.length > 0 ? scaleThemes(themeFreeText(quotable.texts).themes, quotable.texts.length, quotable.comments) : [],
      },
    ];
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
    paperResponses,
    analysis,
    ...(input.profile ? { profile: input.profile } : {}),
    ...(previous ? { previous } : {}),
    freeText,
    respondentFile,
    respondentMasks: patterns.decide(respondentFile, survey.threshold, analysis),
  };
}

/**
 * At most this many comments per free-text question are themed. Theming reads every comment
 * with a language model (wink-nlp; 28,000 comments took about 1.8 s) and needs them all in
 * memory, so the 1.4 million comments of a wave of a million responses would take over a
 * minute and hundreds of megabytes; a random thousand finds the same main themes, each
 * theme's share within a few percentage points.
 */
export const THEMED_COMMENTS = 1000;

interface KeptComment {
  /** Random, seeded: the sample is the comments with the lowest keys. */
  key: number;
  /** Position in the order read (random id order), so the themed list keeps that order. */
  seq: number;
  text: string;
}

/**
 * The free-text comments of one pass over the responses, counted exactly and kept for theming
 * up to a bound. Each comment draws a key from a seeded generator (the same rows, read in the
 * same id order, give the same sample); for each question and role group the `limit` comments
 * with the lowest keys are kept (a max-heap). Which role groups may be quoted is known only
 * after analysis; the `limit` lowest keys of the comments of those groups together are among
 * each group's `limit` lowest, so they can still be picked then: a uniform random sample of
 * the quotable comments. With `limit` or fewer quotable comments, every one is kept, in the
 * order read, exactly as if none were dropped.
 */
export class CommentSample {
  private readonly kept = new Map<string, Map<string, KeptComment[]>>();
  private readonly counts = new Map<string, Map<string, number>>();
  private seq = 0;
  private state = 0x5eed;

  constructor(
    private readonly questions: readonly string[],
    private readonly limit = THEMED_COMMENTS,
  ) {
    for (const q of questions) {
      this.kept.set(q, new Map());
      this.counts.set(q, new Map());
    }
  }

  /** Uniform in [0, 1) (mulberry32). */
  private random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  add(roleGroup: string, answers: Answers): void {
    for (const question of this.questions) {
      const text = answers[question];
      if (typeof text !== 'string' || text.trim() === '') continue;
      const counts = this.counts.get(question)!;
      counts.set(roleGroup, (counts.get(roleGroup) ?? 0) + 1);
      const byGroup = this.kept.get(question)!;
      let heap = byGroup.get(roleGroup);
      if (!heap) byGroup.set(roleGroup, (heap = []));
      const comment = { key: this.random(), seq: this.seq++, text };
      if (heap.length < this.limit) pushHeap(heap, comment);
      else if (comment.key < heap[0]!.key) replaceTop(heap, comment);
    }
  }

  /**
   * The question's quotable comments (`quotableTexts` decides whose: only groups whose results
   * are shown): how many there are, and those to theme, in the order read.
   */
  quotable(variable: TextVariableAnalysis): { comments: number; texts: string[] } {
    const counts = this.counts.get(variable.question) ?? new Map<string, number>();
    // Asked with each role group's name as its one "comment", quotableTexts answers which groups may be quoted.
    const shown = new Set(
      quotableTexts(
        variable,
        [...counts.keys()].map((roleGroup) => ({ roleGroup, text: roleGroup })),
      ),
    );
    let comments = 0;
    const candidates: KeptComment[] = [];
    for (const [roleGroup, n] of counts) {
      if (!shown.has(roleGroup)) continue;
      comments += n;
      candidates.push(...this.kept.get(variable.question)!.get(roleGroup)!);
    }
    const sample = comments <= this.limit ? candidates : candidates.sort((a, b) => a.key - b.key).slice(0, this.limit);
    return { comments, texts: sample.sort((a, b) => a.seq - b.seq).map((c) => c.text) };
  }
}

function pushHeap(heap: KeptComment[], comment: KeptComment): void {
  let i = heap.push(comment) - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]!.key >= comment.key) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = comment;
}

function replaceTop(heap: KeptComment[], comment: KeptComment): void {
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    const larger = right < heap.length && heap[right]!.key > heap[left]!.key ? right : left;
    if (heap[larger]!.key <= comment.key) break;
    heap[i] = heap[larger]!;
    i = larger;
  }
  heap[i] = comment;
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
