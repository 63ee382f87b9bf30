import type { TDefinition } from '../instrument/definition.js';
import type { QuestionType } from '../instrument/question-types/index.js';
import type { TPublishedFindings } from '../instrument/published-findings.js';
import { adjustPValues, type AdjustMethod } from './adjust.js';
import {
  closedComparisons,
  closedCounts,
  closedEstimate,
  closedOverallTest,
  meanResults,
  type ClosedEstimate,
  type Comparison,
  type DifferenceEstimate,
  type OverallTest,
} from './estimates.js';
import { analyseIndices, type IndexAnalysis } from './indices.js';
import type { MeanEstimate } from './means.js';
import { perceptionGap, type PerceptionGapItem } from './perception-gap.js';
import { comparePublished, type PublishedComparison } from './published.js';
import { Segments, type GroupFigure } from './segments.js';
import { checkThreshold, DEFAULT_THRESHOLD, freeTextAllowed, reveal, type Suppressible } from './suppression.js';
import { IndexedTables, type SurveyTables } from './tables.js';
import { variablesOf, type ClosedVariable, type DontKnowRule } from './variables.js';
import { kishDesignEffect, profileMargins, rakeWeights, type CellWeight, type WeightingProblem, type WorkforceProfile } from './weighting.js';

export interface AnalysisOptions {
  /** Suppression threshold: default 10, never below 5. */
  threshold?: number;
  /** Multiple-comparison adjustment: Holm (default) or Benjamini-Hochberg. */
  adjust?: AdjustMethod;
  /**
   * Which comparisons are adjusted together: those of one variable (default: every pair of role
   * groups and every group-vs-rest for that question or matrix item) or all of the survey's.
   */
  family?: 'variable' | 'survey';
  /** Significance level applied to adjusted p-values (default 0.05). */
  alpha?: number;
  /** Weight to this workforce profile by raking. */
  profile?: WorkforceProfile;
  /** Or use weights already computed (e.g. by `rakeWeights`). */
  weights?: readonly CellWeight[];
  /** Also report every role group × directorate cell (the suppression is the same either way). */
  crossTab?: boolean;
  /** Compare items that reference published findings with them. */
  findings?: TPublishedFindings;
}

export type WeightingSummary =
  | { status: 'unweighted' }
  | {
      status: 'weighted';
      method: string;
      designEffect: number;
      effectiveN: number;
      n: number;
      population: number;
      iterations?: number;
      note?: string;
    }
  /** Weighting was asked for but is impossible; estimates are unweighted. */
  | { status: 'refused'; problems: WeightingProblem[] };

export interface ClosedVariableAnalysis {
  kind: 'closed';
  question: string;
  /** Matrix item code, '' otherwise. */
  item: string;
  questionType: QuestionType;
  multiple: boolean;
  /** Option codes reported, in order. */
  options: string[];
  dontKnow: DontKnowRule;
  /** Options making up "% positive" (scales only): agreeing, or being engaged. */
  positive?: string[];
  /** Scales: 'negative' when agreeing is unfavourable, so a higher "% positive" (share agreeing) is worse. Absent in older publications: positive. */
  polarity?: 'positive' | 'negative';
  /** What the percentages are percentages of. */
  base: string;
  groups: GroupFigure<ClosedEstimate>[];
  /** Every pair of role groups and each role group vs everyone else: "% positive" for scales, each option otherwise. */
  comparisons: Comparison[];
  /** Chi-square test of the whole role group × option table (single-answer variables, shown groups only). */
  overall?: OverallTest;
}

export interface NumberVariableAnalysis {
  kind: 'number';
  question: string;
  groups: GroupFigure<MeanEstimate>[];
  comparisons: Comparison[];
}

export interface TextVariableAnalysis {
  kind: 'text';
  question: string;
  groups: { group: GroupFigure<number>['group']; answered: Suppressible<number>; showText: boolean }[];
}

export type VariableAnalysis = ClosedVariableAnalysis | NumberVariableAnalysis | TextVariableAnalysis;

/** Groups hidden whatever their responses, because of what the workforce profile says about them. */
export interface ProfileHidden {
  kind: 'roleGroup' | 'directorate';
  code: string;
  /** headcount_below_threshold: too few staff to report on; responses_exceed_headcount: more answers than staff (the lead should check the link or the profile). */
  reason: 'headcount_below_threshold' | 'responses_exceed_headcount';
}

export interface SurveyAnalysis {
  definition: { code: string; version: number };
  threshold: number;
  /** Disclosure control decided once for the whole analysis: groups the profile rules out. */
  disclosure: { profileHidden: ProfileHidden[] };
  confidence: 0.95;
  adjust: AdjustMethod;
  family: 'variable' | 'survey';
  alpha: number;
  weighting: WeightingSummary;
  /** The role groups reported on: none for a survey without a role question. */
  roleGroups: string[];
  directorates: string[];
  /** Completed responses per group. */
  responses: GroupFigure<number>[];
  variables: VariableAnalysis[];
  indices: IndexAnalysis[];
  perceptionGap: PerceptionGapItem[];
  published: PublishedComparison[];
  methods: Methods;
}

export interface Methods {
  proportions: string;
  differences: string;
  overall: string;
  means: string;
  adjustment: string;
  indices: string;
  weighting: string;
  suppression: string;
}

function methods(threshold: number, adjust: AdjustMethod, family: 'variable' | 'survey', alpha: number, weighted: 'unweighted' | 'kish' | 'design'): Methods {
  const design = weighted === 'design';
  return {
    proportions: design
      ? '95% Wilson score intervals on the effective base p(1 − p)/V, with V the design-based variance of the raked estimate (Taylor linearisation on the raking margins, as R’s survey package)'
      : weighted === 'kish'
        ? '95% Wilson score intervals; weighted estimates use Kish’s effective base (some groups are withheld, and design-based variances would depend on their counts)'
        : '95% Wilson score intervals',
    differences: design
      ? 'differences between groups with their design-based standard errors (linearised on the raking margins, counting the covariance raking brings between groups): Wald intervals, z tests for proportions and t tests on the design’s degrees of freedom for means'
      : 'differences between groups with Newcombe’s hybrid score interval (method 10) and a pooled two-proportion z test; groups are independent samples',
    overall: design
      ? 'Rao-Scott second-order corrected F test of role group × answer for single-answer questions, over the role groups shown'
      : 'Pearson chi-square test of role group × answer for single-answer questions, over the role groups shown',
    means: design ? 'means with t intervals from design-based standard errors' : 'means with t intervals; differences with Welch’s t test',
    adjustment: `p-values adjusted by ${adjust === 'holm' ? 'Holm’s step-down method' : 'the Benjamini-Hochberg procedure'} across ${
      family === 'variable' ? 'the comparisons of each question (or matrix item)' : 'all the survey’s comparisons'
    }; chi-square tests across all questions; a difference is called significant only when its adjusted p-value is below ${alpha}`,
    indices: 'index scores are means of respondents’ 0-100 scores with analytic t intervals from per-cell sums and sums of squares (delta method / normal theory, not bootstrap)',
    weighting:
      'raking (iterative proportional fitting) of one weight per role group × directorate cell to the workforce profile’s margins, with the groups whose figures are withheld raked together as one (so the weights cannot tell their sizes apart); design effect by Kish’s formula 1 + CV² of the weights',
    suppression: `no figure for a group of fewer than ${threshold} respondents (within a group that is shown, every answer is shown whatever its count); secondary suppression so that no hidden figure can be worked out from shown ones (checked exactly), and hidden groups under a shown total together cover at least ${threshold}`,
  };
}

/**
 * The whole analysis of one survey wave, with suppression applied: every group figure and
 * comparison is either shown with its numbers or hidden with only a reason.
 */
export function analyseSurvey(definition: TDefinition, tables: SurveyTables, options: AnalysisOptions = {}): SurveyAnalysis {
  const threshold = checkThreshold(options.threshold ?? DEFAULT_THRESHOLD);
  const adjust = options.adjust ?? 'holm';
  const family = options.family ?? 'variable';
  const alpha = options.alpha ?? 0.05;
  const indexed = new IndexedTables(tables);

  // Disclosure is decided from the responses alone, before weighting, so that the groups it
  // withholds are weighted as one: weights raked per withheld group would make the design
  // effect and every weighted total a function of how responses split between them.
  const seg = new Segments(definition, indexed, threshold);
  const groups = seg.reportGroups(options.crossTab ?? false);
  const responsesBase = Float64Array.from(indexed.responses);
  const disclosure = decideDisclosure(seg, responsesBase, options.profile);

  let weighting: WeightingSummary = { status: 'unweighted' };
  let weights = options.weights;
  let calibration: string[][] | undefined;
  if (!weights && options.profile) {
    const raked = rakeWeights(tables.cells, profileMargins(options.profile), { pooled: seg.withheld() });
    if (raked.ok) {
      weights = raked.weights;
      calibration = raked.calibration;
      weighting = {
        status: 'weighted',
        method: raked.pooled
          ? 'raking to role group and directorate headcounts, with the groups the results withhold raked together as one'
          : 'raking to role group and directorate headcounts',
        designEffect: raked.designEffect,
        effectiveN: raked.effectiveN,
        n: raked.n,
        population: raked.population,
        iterations: raked.iterations,
        note: raked.unstatedDirectorate,
      };
    } else {
      weighting = { status: 'refused', problems: raked.problems };
    }
  } else if (weights) {
    const { designEffect, effectiveN, n } = kishDesignEffect(weights.map((c) => ({ n: c.responses, weight: c.weight })));
    const population = weights.reduce((s, c) => s + c.responses * c.weight, 0);
    weighting = { status: 'weighted', method: 'weights supplied', designEffect, effectiveN, n, population };
  }
  if (weights) seg.weightBy(weights, calibration);

  const responsesPattern = seg.suppress(responsesBase);
  const responses: GroupFigure<number>[] = groups.map((g) => ({
    group: g.ref,
    figure: reveal(seg.status(responsesPattern, g.ref), () => g.cells.reduce((s, i) => s + (indexed.responses[i] ?? 0), 0)),
  }));

  const variables: VariableAnalysis[] = [];
  const closed: ClosedVariable[] = [];
  for (const variable of variablesOf(definition)) {
    if (variable.kind === 'closed') {
      closed.push(variable);
      const counts = closedCounts(seg, variable);
      const pattern = seg.suppress(counts.base, variable.roleGroups);
      variables.push({
        kind: 'closed',
        question: variable.code,
        item: variable.item,
        questionType: variable.type,
        multiple: variable.multiple,
        options: variable.options.map((o) => o.code),
        dontKnow: variable.dontKnow,
        positive: variable.positive ? [...variable.positive] : undefined,
        ...(variable.polarity ? { polarity: variable.polarity } : {}),
        base: variable.baseNote,
        groups: groups.map((g) => {
          // "Not answered" is responses less answers, so it is shown only where the group's responses are.
          const notAnswered = seg.status(responsesPattern, g.ref);
          return { group: g.ref, figure: reveal(seg.status(pattern, g.ref), () => closedEstimate(seg, counts, g, notAnswered)) };
        }),
        comparisons: closedComparisons(seg, counts, pattern),
        overall: closedOverallTest(seg, counts, pattern),
      });
    } else if (variable.kind === 'number') {
      const m = indexed.numeric(variable.code) ?? { n: new Float64Array(indexed.size), sum: new Float64Array(indexed.size), sumSquares: new Float64Array(indexed.size) };
      const { groups: figures, comparisons } = meanResults(seg, m, groups, variable.roleGroups);
      variables.push({ kind: 'number', question: variable.code, groups: figures, comparisons });
    } else {
      const answered = indexed.answered(variable.code, '');
      const pattern = seg.suppress(answered, variable.roleGroups);
      variables.push({
        kind: 'text',
        question: variable.code,
        groups: groups.map((g) => ({
          group: g.ref,
          answered: reveal(seg.status(pattern, g.ref), () => g.cells.reduce((s, i) => s + (answered[i] ?? 0), 0)),
          showText: freeTextAllowed(seg.status(responsesPattern, g.ref)),
        })),
      });
    }
  }
  const indices = analyseIndices(seg, definition, groups);
  const gap = perceptionGap(seg, definition, closed);
  const published = options.findings ? comparePublished(seg, definition, closed, options.findings) : [];

  // Adjust p-values for multiple comparisons, then call significance.
  const shownDiffs = (list: readonly Comparison[]) => list.flatMap((c) => (c.result.shown ? [c.result.value] : []));
  const families: DifferenceEstimate[][] = [];
  const pairwise = [...variables.flatMap((v) => (v.kind === 'text' ? [] : [v.comparisons])), ...indices.map((i) => i.comparisons)];
  if (family === 'variable') families.push(...pairwise.map(shownDiffs));
  else families.push(pairwise.flatMap(shownDiffs));
  families.push(gap.flatMap((g) => (g.gap.shown ? [g.gap.value] : [])));
  for (const f of families) adjustFamily(f, adjust, alpha);
  adjustFamily(
    variables.flatMap((v) => (v.kind === 'closed' && v.overall ? [v.overall] : [])),
    adjust,
    alpha,
  );
  adjustFamily(
    published.flatMap((p) => (p.result.shown ? [p.result.value] : [])),
    adjust,
    alpha,
  );

  return {
    definition: { code: definition.code, version: definition.version },
    threshold,
    confidence: 0.95,
    adjust,
    family,
    alpha,
    weighting,
    disclosure,
    roleGroups: seg.byRole.map((g) => (g.ref as { code: string }).code),
    directorates: seg.directorates,
    responses,
    variables,
    indices,
    perceptionGap: gap,
    published,
    methods: methods(threshold, adjust, family, alpha, !weights ? 'unweighted' : seg.weights.design ? 'design' : 'kish'),
  };
}

/**
 * Decides which groups the whole analysis may show (Segments.decide). With a workforce
 * profile, a group of fewer staff than the threshold is never shown, whatever its responses
 * (padding it through the open link cannot lift it over), nor one with more responses than
 * staff (flagged, so the lead can check the link or the profile).
 */
function decideDisclosure(seg: Segments, responses: Float64Array, profile: WorkforceProfile | undefined): SurveyAnalysis['disclosure'] {
  const cells = seg.tables.cells.map((c, i) => ({ ...c, responses: responses[i] ?? 0 }));
  const profileHidden = profile ? profileHiddenGroups(cells, seg, profile) : [];
  seg.decide(responses, hiddenSets(profileHidden));
  return { profileHidden };
}

/**
 * The groups a workforce profile rules out, whatever their responses: fewer staff than the
 * threshold, or more responses than staff. One rule for the publication and the lead's live
 * response rates (admin/waves.ts), so neither shows a group the other hides.
 */
export function profileHiddenGroups(
  cells: readonly { roleGroup: string; directorate: string; responses: number }[],
  segments: { roleGroups: readonly string[]; directorates: readonly string[]; threshold: number },
  profile: WorkforceProfile,
): ProfileHidden[] {
  const profileHidden: ProfileHidden[] = [];
  const check = (kind: ProfileHidden['kind'], code: string, headcount: number, answered: number) => {
    if (answered > headcount) profileHidden.push({ kind, code, reason: 'responses_exceed_headcount' });
    else if (headcount < segments.threshold) profileHidden.push({ kind, code, reason: 'headcount_below_threshold' });
  };
  const answeredBy = (match: (c: { roleGroup: string; directorate: string }) => boolean) => cells.reduce((s, c) => s + (match(c) ? c.responses : 0), 0);
  const headcountOf = (match: (c: { roleGroup: string; directorate: string }) => boolean) => profile.cells.reduce((s, c) => s + (match(c) ? c.headcount : 0), 0);
  for (const code of segments.roleGroups)
    check(
      'roleGroup',
      code,
      headcountOf((c) => c.roleGroup === code),
      answeredBy((c) => c.roleGroup === code),
    );
  if (profile.cells.some((c) => c.directorate !== '')) {
    for (const code of segments.directorates) {
      if (code !== '')
        check(
          'directorate',
          code,
          headcountOf((c) => c.directorate === code),
          answeredBy((c) => c.directorate === code),
        );
    }
  }
  return profileHidden;
}

/** Profile-hidden groups as the sets segment suppression takes. */
export function hiddenSets(profileHidden: readonly ProfileHidden[]): { roleGroups: Set<string>; directorates: Set<string> } {
  return {
    roleGroups: new Set(profileHidden.filter((h) => h.kind === 'roleGroup').map((h) => h.code)),
    directorates: new Set(profileHidden.filter((h) => h.kind === 'directorate').map((h) => h.code)),
  };
}

/** Sets adjusted p-values and significance on a family of tests. */
export function adjustFamily(tests: { p: number; pAdjusted: number; significant: boolean }[], method: AdjustMethod, alpha: number): void {
  const adjusted = adjustPValues(
    tests.map((t) => t.p),
    method,
  );
  tests.forEach((t, i) => {
    t.pAdjusted = adjusted[i]!;
    t.significant = adjusted[i]! < alpha;
  });
}
