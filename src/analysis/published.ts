import type { TDefinition, TSegmentGroup } from '../instrument/definition.js';
import { DONT_KNOW } from '../instrument/scales.js';
import { findFinding, type TPublishedFindings } from '../instrument/published-findings.js';
import { normalCdf } from './distributions.js';
import { closedCounts, proportionFrom, type Proportion } from './estimates.js';
import type { Group, GroupRef, Segments } from './segments.js';
import { oneSampleProportionZ } from './proportions.js';
import { reveal, type Suppressible } from './suppression.js';
import type { ClosedVariable } from './variables.js';

/** The organisation (or the like-for-like group of it) against a published figure, for an item that references one. */
export interface PublishedComparison {
  question: string;
  item: string;
  /** The answers that make up the percentage (as the reference lists them). */
  counts: string[];
  study: { id: string; title: string; year: number | null; population: string; respondents: number; organisations?: number };
  finding: { statement: string; theme: string; percent: number; segment?: string; population?: string; bound?: 'lower' | 'upper' };
  /**
   * 'respondents': the respondents of the compared group answering for themselves;
   * 'rating': everyone's rating of the group the finding is about (a matrix item such as
   * "how engaged are councillors?").
   */
  basis: 'respondents' | 'rating';
  /** Who the published figure describes, in words: the study, its year, sample and population. */
  describes: string;
  /** The group of this survey compared: the one the finding's segment maps to, or everyone. Absent when no group of this survey matches. */
  group?: GroupRef;
  /** Why there is no like-for-like group to compare (then `result` is withheld and says nothing). */
  unavailable?: PublishedUnavailable;
  result: Suppressible<PublishedTest>;
}

/**
 * not_surveyed: the finding is about a population this survey does not ask (e.g. private
 * sector staff); segment_not_mapped: the definition does not say which group the finding's
 * segment is; answer_subgroup: the segment is a group defined by an answer, within which the
 * survey does not tabulate other answers; not_asked: the question is not asked of that group.
 */
export type PublishedUnavailable = 'not_surveyed' | 'segment_not_mapped' | 'answer_subgroup' | 'not_asked';

export interface PublishedTest {
  proportion: Proportion;
  base: number;
  effectiveBase: number;
  /** Here minus published, as a proportion (0-1); for a bound, minus the bound. */
  difference: number;
  /**
   * One-sample score test against the published percentage (treated as fixed): two-sided for
   * an exact figure; one-sided for a bound ("more than 40%"), where only a figure here
   * significantly below the bound (or above an upper bound) shows a difference.
   */
  test: 'one-sample z';
  alternative: 'two-sided' | 'less' | 'greater';
  statistic: number;
  p: number;
  pAdjusted: number;
  significant: boolean;
}

/** The group of this survey a finding's segment maps to (`publishedSegments`) with the role groups it is made of, or why there is none. */
function groupFor(seg: Segments, definition: TDefinition, mapping: TSegmentGroup | undefined): { group: Group; roleGroups: readonly string[] } | { unavailable: PublishedUnavailable } {
  if (!mapping) return { unavailable: 'segment_not_mapped' };
  if ('question' in mapping) return { unavailable: 'answer_subgroup' };
  if ('group' in mapping) {
    const group = mapping.group === 'leaders' ? seg.leaders : seg.frontline;
    const roleGroups = definition.perceptionGap?.[mapping.group];
    return group && roleGroups ? { group, roleGroups } : { unavailable: 'segment_not_mapped' };
  }
  const group = seg.byRole.find((g) => g.ref.kind === 'roleGroup' && g.ref.code === mapping.roleGroup);
  return group ? { group, roleGroups: [mapping.roleGroup] } : { unavailable: 'segment_not_mapped' };
}

/** The study, its year, sample and population in words, e.g. "iGov survey of public servants (2017): 235 public servants at councils and central government, at 180 organisations". */
export function describeStudy(study: PublishedComparison['study'], finding: PublishedComparison['finding']): string {
  const population = finding.population ?? study.population;
  const year = study.year === null ? 'year not published' : String(study.year);
  const organisations = study.organisations ? `, at ${study.organisations} organisations` : '';
  return `${study.title} (${year}): ${study.respondents} respondents, ${population}${organisations}`;
}

/**
 * For every reference in the definition: the percentage choosing the listed answers (on the
 * question's usual base; when an agreement item's reference counts "don't know", everyone
 * answering is the base), with its interval and a test against the published figure.
 *
 * Like for like: a finding about a group (its `segment`: senior staff, procurement staff,
 * councillors …) is compared with that group of this survey, as the definition's
 * `publishedSegments` maps it, never with everyone; a finding about another population, or a
 * group the survey has no figures for, is listed as not comparable with the reason. The
 * figure compared is the same one the group's own results show, under the same disclosure
 * decision, so a hidden group is never compared.
 */
export function comparePublished(seg: Segments, definition: TDefinition, variables: readonly ClosedVariable[], findings: TPublishedFindings): PublishedComparison[] {
  const out: PublishedComparison[] = [];
  for (const variable of variables) {
    const references = (variable.question.references ?? []).filter((r) => (r.item ?? '') === variable.item);
    if (references.length === 0) continue;
    const counts = closedCounts(seg, variable);
    const pattern = seg.suppress(counts.base, variable.roleGroups);
    for (const reference of references) {
      const found = findFinding(findings, reference.study, reference.statement);
      if (!found) continue;
      const { study, finding } = found;
      const basis = reference.basis ?? 'respondents';
      const useAnswered = variable.dontKnow === 'excluded' && reference.counts.includes(DONT_KNOW.code);
      const base = useAnswered ? counts.answered : counts.base;
      const numerator = new Float64Array(seg.tables.size);
      for (const code of reference.counts) {
        const arr = code === DONT_KNOW.code && counts.dontKnow ? counts.dontKnow : seg.tables.option(variable.code, variable.item, code);
        for (let i = 0; i < numerator.length; i++) numerator[i]! += arr[i] ?? 0;
      }
      const studyOut: PublishedComparison['study'] = {
        id: study.id,
        title: study.title,
        year: study.year,
        population: study.population,
        respondents: study.respondents,
        ...(study.organisations === undefined ? {} : { organisations: study.organisations }),
      };
      const findingOut: PublishedComparison['finding'] = {
        statement: finding.statement,
        theme: finding.theme,
        percent: finding.percent,
        ...(finding.segment === undefined ? {} : { segment: finding.segment }),
        ...(finding.population === undefined ? {} : { population: finding.population }),
        ...(finding.bound === undefined ? {} : { bound: finding.bound }),
      };
      const entry = {
        question: variable.code,
        item: variable.item,
        counts: [...reference.counts],
        study: studyOut,
        finding: findingOut,
        basis,
        describes: describeStudy(studyOut, findingOut),
      };

      let target: { group: Group; roleGroups?: readonly string[] } | { unavailable: PublishedUnavailable };
      if (finding.population !== undefined) target = { unavailable: 'not_surveyed' };
      else if (basis === 'rating' || finding.segment === undefined) target = { group: seg.total };
      else target = groupFor(seg, definition, definition.publishedSegments[finding.segment]);
      if ('group' in target && target.roleGroups && variable.roleGroups && !target.roleGroups.some((r) => variable.roleGroups!.has(r))) target = { unavailable: 'not_asked' };
      if (!('group' in target)) {
        out.push({ ...entry, unavailable: target.unavailable, result: { shown: false, reason: 'withheld' } });
        continue;
      }
      const group = target.group;
      out.push({
        ...entry,
        group: group.ref,
        result: reveal(seg.status(pattern, group.ref), () => {
          const r = proportionFrom(group.cells, numerator, base, seg.weights);
          const p0 = finding.percent / 100;
          const test = oneSampleProportionZ(r.proportion.estimate, r.effectiveBase, p0);
          // "More than p0" published: only a figure here below p0 can be shown to differ (and the reverse for an upper bound).
          const alternative = finding.bound === 'lower' ? 'less' : finding.bound === 'upper' ? 'greater' : 'two-sided';
          const p = alternative === 'two-sided' ? test.p : Number.isNaN(test.statistic) ? test.p : alternative === 'less' ? normalCdf(test.statistic) : normalCdf(-test.statistic);
          return {
            proportion: r.proportion,
            base: r.base,
            effectiveBase: r.effectiveBase,
            difference: r.proportion.estimate - p0,
            test: 'one-sample z',
            alternative,
            statistic: test.statistic,
            p,
            pAdjusted: Number.NaN,
            significant: false,
          };
        }),
      });
    }
  }
  return out;
}
