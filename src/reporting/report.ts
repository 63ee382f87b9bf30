import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  formatP,
  formatPercent,
  formatPercentInterval,
  formatPoints,
  roundHalfUp,
  suppressedText,
  type ClosedEstimate,
  type ClosedVariableAnalysis,
  type GroupRef,
  type IndexEstimate,
  type PublishedUnavailable,
  type Suppressible,
  type SurveyAnalysis,
  type TextVariableAnalysis,
} from '../analysis/index.js';
import { localise } from '../instrument/text.js';
import { AGREE_SCALE } from '../instrument/scales.js';
import { divergingChart, intervalBarChart, type IntervalChartOptions, type IntervalRow } from './charts.js';
import { dimensionsHeadline, gapHeadline, indexGapHeadline, lowerFirst, publishedHeadline, type Measured } from './headlines.js';
import { Labels } from './labels.js';
import { remember } from './cache.js';
import { withPrintLabelWidth } from './print-columns.js';
import type { FreeTextThemes, SurveyResults } from './survey-data.js';

/**
 * The published survey report as a view model: plain-English headlines generated from the
 * estimates, then sections of figures (an SVG chart and the GOV.UK table of the same
 * numbers), then the methodology. Built only from the suppressed analysis, so a hidden
 * figure reaches neither a sentence, a chart nor a table.
 */

export interface TableCell {
  text: string;
  format?: 'numeric';
  /** Classes for the cell (the printed column widths: print-columns.ts). */
  classes?: string;
}

export interface ReportTable {
  caption: string;
  /** Classes for the table (how it is printed: print-columns.ts). */
  classes?: string;
  head: TableCell[];
  rows: TableCell[][];
}

export interface ReportFigure {
  id: string;
  heading: string;
  /** Rendered SVG, absent when there is nothing shown to draw; the table of the same figures follows it. */
  chart?: string;
  table: ReportTable;
  notes: string[];
}

export interface ReportSection {
  id: string;
  heading: string;
  paragraphs: string[];
  figures: ReportFigure[];
}

export interface ReportView {
  title: string;
  organisation: string;
  surveyTitle: string;
  threshold: number;
  responses: number | undefined;
  headlines: string[];
  sections: ReportSection[];
  methodology: { heading: string; text: string }[];
}

/** Codes of the standard instrument's questions that get sections of their own; a definition without them simply has no such section. */
const STRATEGY_QUESTION = 'strategy';
const BARRIERS_QUESTION = 'barriers';
/** Answers that are not barriers: left out of the ranking. */
const NOT_BARRIERS = new Set(['none', 'other']);

const same = (a: GroupRef, b: GroupRef) => JSON.stringify(a) === JSON.stringify(b);
const TOTAL: GroupRef = { kind: 'total' };
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const num = (text: string): TableCell => ({ text, format: 'numeric' });
const score = (x: number) => roundHalfUp(x, 0).toFixed(0);
/** A score's interval: whole numbers, or one decimal where whole numbers would read "56 to 56". */
const scoreInterval = (lower: number, upper: number) =>
  score(lower) === score(upper) ? `${roundHalfUp(lower, 1).toFixed(1)} to ${roundHalfUp(upper, 1).toFixed(1)}` : `${score(lower)} to ${score(upper)}`;

/**
 * The two plain sentences that say what "Significant" means in a table, with the number of
 * comparisons adjusted for together (the family the table's tests belong to).
 */
function significanceNote(analysis: SurveyAnalysis, comparisons: number): string {
  const method = analysis.adjust === 'holm' ? 'Holm’s method' : 'the Benjamini-Hochberg procedure';
  return `“Significant: Yes” means the difference is unlikely to be chance: its p-value, adjusted with ${method} because ${comparisons} comparison${comparisons === 1 ? ' is' : 's are'} made together here, is below ${analysis.alpha}. The 95% intervals are not adjusted, so an interval that excludes zero can still be “No”; a difference that is not significant may be real, but these responses cannot show it.`;
}

/**
 * The axes of the report's interval charts. With the agreement chart's answers, they are all
 * that shapes a chart apart from its figures, so `warmUpReportCharts` can prepare each one.
 */
const AXES = {
  indices: { scale: 'score', axisTitle: 'Score out of 100' },
  gap: { scale: 'points', axisTitle: 'Leaders minus frontline (percentage points)' },
  barriers: { scale: 'percent', axisTitle: 'Percentage of respondents' },
  strategy: { scale: 'percent', axisTitle: 'Percentage answering yes' },
  national: { scale: 'percent', axisTitle: 'Percentage' },
} as const satisfies Record<string, IntervalChartOptions>;

/** The agreement scale's answers, from most negative to most positive: the diverging chart's order. */
const AGREE_ORDER = [...AGREE_SCALE].reverse().map((o) => o.code);
const AGREE_ANSWERS = AGREE_ORDER.map((code) => localise(AGREE_SCALE.find((a) => a.code === code)!.label, 'en'));

/**
 * Draws each chart the report can have once, with made-up figures, and discards it: the
 * chart specs get compiled and the chart code optimised, so that the first report a server
 * builds for a wave spends its time on that wave's figures only. For start-up, in the
 * background: a turn of the event loop between charts lets requests be answered meanwhile.
 * Done once per process, however many apps are built.
 */
export function warmUpReportCharts(): Promise<void> {
  chartsWarmedUp ??= drawEveryChart();
  return chartsWarmedUp;
}
let chartsWarmedUp: Promise<void> | undefined;

async function drawEveryChart(): Promise<void> {
  const text = { id: 'warm-up', title: 'Warm-up', description: 'Warm-up' };
  const rows: IntervalRow[] = [
    { label: 'First', value: 0.5, lower: 0.4, upper: 0.6, reference: 0.45 },
    { label: 'Second', value: 0.25, lower: 0.2, upper: 0.3, reference: 0.35 },
  ];
  for (const [name, axis] of Object.entries(AXES)) {
    // Only the national chart draws reference values (and always does).
    await intervalBarChart(text, name === 'national' ? rows : rows.map(({ reference: _, ...row }) => row), axis);
    await nextTurn();
  }
  await divergingChart(text, AGREE_ANSWERS, [{ label: 'First', shares: AGREE_ANSWERS.map(() => 1 / AGREE_ANSWERS.length) }]);
}

function figureOf<T>(groups: { group: GroupRef; figure: Suppressible<T> }[], ref: GroupRef): Suppressible<T> {
  return groups.find((g) => same(g.group, ref))?.figure ?? { shown: false, reason: 'withheld' };
}

/** Reports by survey, rebuilt only when a figure behind them can have changed (charts take most of the time); the most recently built are kept. */
const reports = new Map<string, { fingerprint: string; view: Promise<ReportView> }>();

export function reportFor(results: SurveyResults): Promise<ReportView> {
  const hit = reports.get(results.survey.id);
  if (hit && hit.fingerprint === results.fingerprint) return hit.view;
  const view = buildReport(results);
  remember(reports, results.survey.id, { fingerprint: results.fingerprint, view });
  view.catch(() => reports.delete(results.survey.id));
  return view;
}

export async function buildReport(results: SurveyResults): Promise<ReportView> {
  const { analysis, survey } = results;
  const labels = new Labels(survey.definition);
  const hidden = (f: Suppressible<unknown>) => (f.shown ? '' : suppressedText(f, analysis.threshold));
  const total = figureOf(analysis.responses, TOTAL);
  const closed = analysis.variables.filter((v): v is ClosedVariableAnalysis => v.kind === 'closed');
  const ctx: Context = { analysis, labels, hidden, closed };

  const sections: ReportSection[] = [];
  const headlines: string[] = [];
  if (total.shown) headlines.push(`${total.value} people responded to the survey.`);
  else headlines.push(`Fewer than ${analysis.threshold} people have responded, so no results can be published yet.`);

  for (const build of [indexSection, gapSection, barrierSection, strategySection, scaleSection, publishedSection, benchmarkSection, trendSection]) {
    const section = await build(ctx, results, headlines);
    if (section) sections.push(section);
  }
  sections.push(freeTextSection(results.freeText, analysis, labels));
  for (const figure of sections.flatMap((s) => s.figures)) figure.table = withPrintLabelWidth(figure.table);

  return {
    title: `${localise(survey.definition.title, 'en')}: ${results.organisation.name}`,
    organisation: results.organisation.name,
    surveyTitle: survey.title,
    threshold: analysis.threshold,
    responses: total.shown ? total.value : undefined,
    headlines,
    sections,
    methodology: methodology(analysis, results),
  };
}

interface Context {
  analysis: SurveyAnalysis;
  labels: Labels;
  hidden: (f: Suppressible<unknown>) => string;
  closed: ClosedVariableAnalysis[];
}

type SectionBuilder = (ctx: Context, results: SurveyResults, headlines: string[]) => Promise<ReportSection | undefined>;

// ---------------------------------------------------------------------------------------------

const indexSection: SectionBuilder = async ({ analysis, labels, hidden }, _results, headlines) => {
  const indices = analysis.indices.filter((i) => i.available);
  if (indices.length === 0) return undefined;
  const shown = indices.flatMap((i) => {
    const f = figureOf(i.groups, TOTAL);
    return f.shown ? [{ index: i, value: f.value }] : [];
  });
  const engagement = shown.find((s) => s.index.kind === 'engagement');
  if (engagement) {
    const s = engagement.value.score;
    const share = engagement.value.positive?.shown ? `; ${formatPercent(engagement.value.positive.value.estimate)} of respondents are very or quite engaged` : '';
    headlines.push(`${labels.index(engagement.index.code)} scores ${score(s.mean)} out of 100 (95% interval ${scoreInterval(s.lower, s.upper)})${share}.`);
  }
  const dimensions = shown.filter((s) => s.index.kind === 'maturity').sort((a, b) => b.value.score.mean - a.value.score.mean);
  if (dimensions.length >= 2) {
    headlines.push(dimensionsHeadline(dimensions.map((d) => ({ name: labels.index(d.index.code), score: score(d.value.score.mean), lower: d.value.score.lower, upper: d.value.score.upper }))));
  }
  const roles = analysis.responses.filter((r) => r.group.kind === 'roleGroup' && r.figure.shown).map((r) => r.group);
  const rows: IntervalRow[] = shown.map((s) => ({ label: labels.index(s.index.code), value: s.value.score.mean, lower: s.value.score.lower, upper: s.value.score.upper }));
  const figure: ReportFigure = {
    id: 'indices',
    heading: 'Engagement and digital maturity indices',
    chart: rows.length
      ? await intervalBarChart({ id: 'chart-indices', title: 'Index scores out of 100, with 95% intervals', description: describe(rows, 'score') }, rows, AXES.indices)
      : undefined,
    table: {
      caption: 'Index scores (0 to 100) for all respondents',
      head: [{ text: 'Index' }, num('Score'), num('95% interval'), num('Respondents')],
      rows: indices.map((i) => {
        const f = figureOf(i.groups, TOTAL);
        return f.shown
          ? [{ text: labels.index(i.code) }, num(score(f.value.score.mean)), num(scoreInterval(f.value.score.lower, f.value.score.upper)), num(String(f.value.score.n))]
          : [{ text: labels.index(i.code) }, num(hidden(f)), num(''), num('')];
      }),
    },
    notes: ['Each respondent’s score is the mean of the items they answered, from 0 (most negative) to 100 (most positive).'],
  };
  const byRole: ReportFigure = {
    id: 'indices-by-role',
    heading: 'Index scores by role',
    table: {
      caption: 'Index scores (0 to 100) by role group',
      head: [{ text: 'Index' }, ...roles.map((r) => num(labels.group(r)))],
      rows: indices.map((i) => [
        { text: labels.index(i.code) },
        ...roles.map((r) => {
          const f: Suppressible<IndexEstimate> = figureOf(i.groups, r);
          return num(f.shown ? `${score(f.value.score.mean)} (${scoreInterval(f.value.score.lower, f.value.score.upper)})` : hidden(f));
        }),
      ]),
    },
    notes: ['Scores with their 95% intervals in brackets. Only role groups whose number of responses can be published are shown.'],
  };
  return { id: 'indices', heading: 'Engagement and digital maturity', paragraphs: [], figures: roles.length > 0 ? [figure, byRole] : [figure] };
};

const gapSection: SectionBuilder = async ({ analysis, labels, closed }, _results, headlines) => {
  if (analysis.perceptionGap.length === 0) return undefined;
  type Gap = (typeof analysis.perceptionGap)[number];
  const variableOf = (g: Gap) => closed.find((v) => v.question === g.question && v.item === (g.item ?? ''));
  const unfavourable = (g: Gap) => g.measure === 'positive' && variableOf(g)?.polarity === 'negative';
  /** The row's name: the question and, for a matrix, the item, so a grid's row is never only "Frontline staff". */
  const name = (g: Gap) =>
    g.index
      ? `${labels.index(g.index)} (index)`
      : `${labels.variable(g.question!, g.item)}${unfavourable(g) ? ' (agreeing is unfavourable)' : ''}: ${labels.option(g.question!, g.item ?? '', g.measure)}`;
  const measured = (g: Gap): Measured => {
    const v = variableOf(g)!;
    const question = labels.variable(g.question!);
    if (g.measure !== 'positive') return { kind: 'answer', answer: labels.option(g.question!, g.item ?? '', g.measure), question };
    if (v.questionType === 'matrix' && labels.scaleOf(g.question!) === 'engagement') return { kind: 'rating', group: labels.short(g.question!, g.item) };
    if (labels.scaleOf(g.question!) === 'engagement') return { kind: 'own_engagement', text: question };
    return { kind: 'statement', text: labels.short(g.question!, g.item) };
  };
  const shown = analysis.perceptionGap.flatMap((g) => (g.gap.shown ? [{ item: g, gap: g.gap.value }] : []));
  const hiddenCount = analysis.perceptionGap.length - shown.length;
  const top = shown.slice(0, 12);
  const gapText = (item: (typeof shown)[number]) =>
    item.item.unit === 'percentage_points'
      ? {
          leaders: formatPercent(item.gap.leaders),
          frontline: formatPercent(item.gap.frontline),
          gap: formatPoints(item.gap.difference),
          ci: `${formatPoints(item.gap.lower)} to ${formatPoints(item.gap.upper)}`,
        }
      : {
          leaders: score(item.gap.leaders),
          frontline: score(item.gap.frontline),
          gap: `${item.gap.difference > 0 ? '+' : ''}${score(item.gap.difference)} index points`,
          ci: `${score(item.gap.lower)} to ${score(item.gap.upper)}`,
        };
  const leadersName = labels.group({ kind: 'leaders' });
  const frontlineName = labels.group({ kind: 'frontline' });
  const significant = shown.filter((s) => s.gap.significant);
  for (const s of significant.slice(0, 2)) {
    const t = gapText(s);
    const higher = s.gap.leaders > s.gap.frontline;
    headlines.push(
      s.item.index
        ? indexGapHeadline(leadersName, frontlineName, labels.index(s.item.index), t.leaders, t.frontline, higher)
        : gapHeadline(leadersName, frontlineName, measured(s.item), t.leaders, t.frontline, higher),
    );
  }
  if (shown.length > 0 && significant.length === 0) headlines.push(`No gap between ${lowerFirst(leadersName)} and ${lowerFirst(frontlineName)} is statistically significant.`);
  const rows = top.filter((s) => s.item.unit === 'percentage_points').map((s) => ({ label: name(s.item), value: s.gap.difference, lower: s.gap.lower, upper: s.gap.upper }));
  return {
    id: 'perception-gap',
    heading: 'The perception gap: where senior leaders and frontline staff differ most',
    paragraphs: [
      'Senior leaders (senior executives and heads of service) compared with frontline staff on every question, ranked by the size of the gap. The gap is the leaders’ figure minus the frontline figure: a positive gap means more leaders agreed with the statement, chose the answer, or scored higher on the index. Where agreeing is unfavourable (marked), a positive gap means leaders take the less favourable view.',
    ],
    figures: [
      {
        id: 'gap',
        heading: 'Largest gaps',
        chart: rows.length
          ? await intervalBarChart(
              { id: 'chart-gap', title: 'Gap between senior leaders and frontline staff, percentage points, with 95% intervals', description: describe(rows, 'points') },
              rows,
              AXES.gap,
            )
          : undefined,
        table: {
          caption: 'Perception gap, largest first',
          head: [{ text: 'Question and measure' }, num('Senior leaders'), num('Frontline staff'), num('Gap'), num('95% interval'), num('Significant')],
          rows: top.map((s) => {
            const t = gapText(s);
            return [{ text: name(s.item) }, num(t.leaders), num(t.frontline), num(t.gap), num(t.ci), num(s.gap.significant ? 'Yes' : 'No')];
          }),
        },
        notes: [
          significanceNote(analysis, shown.length),
          ...(hiddenCount > 0
            ? [`${hiddenCount} comparisons are not shown because senior leaders or frontline staff gave fewer than ${analysis.threshold} answers, or to protect a smaller group.`]
            : []),
        ],
      },
    ],
  };
};

const barrierSection: SectionBuilder = async ({ labels, closed, hidden }, _results, headlines) => {
  const v = closed.find((c) => c.question === BARRIERS_QUESTION && c.item === '');
  if (!v) return undefined;
  const f = figureOf(v.groups, TOTAL);
  const title = labels.variable(v.question);
  if (!f.shown) {
    return { id: 'barriers', heading: 'Barriers to digital change', paragraphs: [`${title}: ${hidden(f)}.`], figures: [] };
  }
  const ranked = f.value.options.filter((o) => !NOT_BARRIERS.has(o.option)).sort((a, b) => b.proportion.estimate - a.proportion.estimate);
  const top = ranked.slice(0, 3).map((o) => `${labels.option(v.question, '', o.option).toLowerCase()} (${formatPercent(o.proportion.estimate)})`);
  if (top.length) headlines.push(`The barriers named most often are ${top.slice(0, -1).join(', ')}${top.length > 1 ? ' and ' : ''}${top[top.length - 1]}.`);
  const rows = ranked.map((o) => ({ label: labels.option(v.question, '', o.option), value: o.proportion.estimate, lower: o.proportion.lower, upper: o.proportion.upper }));
  return {
    id: 'barriers',
    heading: 'Barriers to digital change',
    paragraphs: [`${title} Respondents could choose more than one, so percentages add up to more than 100.`],
    figures: [
      {
        id: 'barriers',
        heading: 'Barriers, most often named first',
        chart: await intervalBarChart(
          { id: 'chart-barriers', title: 'Barriers named, percentage of respondents, with 95% intervals', description: describe(rows, 'percent') },
          rows,
          AXES.barriers,
        ),
        table: {
          caption: `Barriers named (${f.value.base} respondents)`,
          head: [{ text: 'Barrier' }, num('Percentage'), num('95% interval'), num('Respondents')],
          rows: ranked.map((o) => [
            { text: labels.option(v.question, '', o.option) },
            num(formatPercent(o.proportion.estimate)),
            num(formatPercentInterval(o.proportion)),
            num(o.count === undefined ? '–' : String(o.count)),
          ]),
        },
        notes: [],
      },
    ],
  };
};

const strategySection: SectionBuilder = async ({ analysis, labels, closed, hidden }, _results, headlines) => {
  const v = closed.find((c) => c.question === STRATEGY_QUESTION && c.item === '');
  if (!v) return undefined;
  const yes = v.options.indexOf('yes');
  const groups: GroupRef[] = [TOTAL, ...analysis.roleGroups.map((code): GroupRef => ({ kind: 'roleGroup', code }))];
  const all = figureOf(v.groups, TOTAL);
  if (all.shown && yes >= 0) {
    const dk = v.options.indexOf('dont_know');
    headlines.push(
      `${formatPercent(all.value.options[yes]!.proportion.estimate)} say the organisation has a digital strategy${dk >= 0 ? `; ${formatPercent(all.value.options[dk]!.proportion.estimate)} do not know whether it has one` : ''}.`,
    );
  }
  const rows: IntervalRow[] = [];
  const tableRows: TableCell[][] = [];
  for (const ref of groups) {
    const f: Suppressible<ClosedEstimate> = figureOf(v.groups, ref);
    const respondents = figureOf(analysis.responses, ref);
    if (ref.kind === 'roleGroup' && !respondents.shown && !f.shown) {
      // Role groups whose responses are withheld are listed once, in the note below.
      continue;
    }
    if (f.shown) {
      if (yes >= 0) {
        const p = f.value.options[yes]!.proportion;
        rows.push({ label: labels.group(ref), value: p.estimate, lower: p.lower, upper: p.upper });
      }
      tableRows.push([{ text: labels.group(ref) }, ...f.value.options.map((o) => num(formatPercent(o.proportion.estimate))), num(String(f.value.base))]);
    } else {
      tableRows.push([{ text: labels.group(ref) }, ...v.options.map(() => num(hidden(f))), num('')]);
    }
  }
  const small = analysis.responses.filter((r) => r.group.kind === 'roleGroup' && !r.figure.shown).map((r) => labels.group(r.group));
  return {
    id: 'strategy',
    heading: 'Awareness of the digital strategy, by role',
    paragraphs: [labels.variable(v.question)],
    figures: [
      {
        id: 'strategy',
        heading: 'Say the organisation has a digital strategy',
        chart: rows.length
          ? await intervalBarChart(
              { id: 'chart-strategy', title: 'Percentage saying the organisation has a digital strategy, by role, with 95% intervals', description: describe(rows, 'percent') },
              rows,
              AXES.strategy,
            )
          : undefined,
        table: {
          caption: 'Answers by role group',
          head: [{ text: 'Group' }, ...v.options.map((o) => num(labels.option(v.question, '', o))), num('Respondents')],
          rows: tableRows,
        },
        notes: small.length
          ? [
              `Not shown separately, because fewer than ${analysis.threshold} people in the group answered or to protect a smaller group: ${small.join(', ')}. Their answers are counted in ‘All’.`,
            ]
          : [],
      },
    ],
  };
};

const scaleSection: SectionBuilder = async ({ labels, closed, hidden }) => {
  const agree = closed.filter((v) => v.positive && v.options.length === AGREE_SCALE.length && v.options.every((o) => AGREE_SCALE.some((a) => a.code === o)));
  if (agree.length === 0) return undefined;
  const order = AGREE_ORDER;
  const answers = AGREE_ANSWERS;
  const shown = agree.flatMap((v) => {
    const f = figureOf(v.groups, TOTAL);
    return f.shown ? [{ v, e: f.value }] : [];
  });
  const shareOf = (e: ClosedEstimate, code: string) => e.options.find((o) => o.option === code)?.proportion.estimate ?? 0;
  const negative = (v: ClosedVariableAnalysis) => v.polarity === 'negative';
  /** The favourable share: agreeing, or for a statement agreeing with which is unfavourable, disagreeing. */
  const favourable = (v: ClosedVariableAnalysis, e: ClosedEstimate) => (negative(v) ? shareOf(e, 'disagree') + shareOf(e, 'strongly_disagree') : (e.positive?.estimate ?? Number.NaN));
  const statement = (v: ClosedVariableAnalysis) => `${labels.variable(v.question, v.item)}${negative(v) ? ' (agreeing is unfavourable)' : ''}`;
  const rows = shown.map(({ v, e }) => ({ label: `${labels.short(v.question, v.item)}${negative(v) ? ' (agreeing is unfavourable)' : ''}`, shares: order.map((code) => shareOf(e, code)) }));
  const anyNegative = agree.some(negative);
  return {
    id: 'agreement',
    heading: 'Agreement with statements about digital change',
    paragraphs: [
      `Percentages are of respondents who gave an answer other than “don’t know”. “% favourable” is agree plus strongly agree${
        anyNegative ? ', except for statements marked “agreeing is unfavourable” (such as missing opportunities), where it is disagree plus strongly disagree' : ''
      }.`,
    ],
    figures: [
      {
        id: 'agreement',
        heading: 'How far respondents agree',
        chart: rows.length
          ? await divergingChart(
              {
                id: 'chart-agreement',
                title: 'Agreement with each statement, from strongly disagree to strongly agree',
                description: shown.map(({ v, e }) => `${statement(v)}: ${formatPercent(e.positive?.estimate ?? Number.NaN)} agree, ${formatPercent(favourable(v, e))} favourable`).join('; '),
              },
              answers,
              rows,
            )
          : undefined,
        table: {
          caption: 'Agreement with each statement (all respondents)',
          head: [{ text: 'Statement' }, ...answers.map((a) => num(a)), num('% favourable'), num('Respondents')],
          rows: agree.map((v) => {
            const f = figureOf(v.groups, TOTAL);
            const label = { text: statement(v) };
            if (!f.shown) return [label, ...answers.map(() => num(hidden(f))), num(''), num('')];
            return [label, ...order.map((code) => num(formatPercent(shareOf(f.value, code)))), num(formatPercent(favourable(v, f.value))), num(String(f.value.base))];
          }),
        },
        notes: [],
      },
    ],
  };
};

/** Why a published finding has no group here to compare with, in words. */
const UNAVAILABLE: Record<PublishedUnavailable, string> = {
  not_surveyed: 'not compared: the finding is about a population this survey does not ask',
  segment_not_mapped: 'not compared: this survey has no group matching the one the finding describes',
  answer_subgroup: 'not compared: the finding is about a group defined by an answer, within which this survey does not count answers',
  not_asked: 'not compared: this question is not asked of the group the finding describes',
};

const publishedSection: SectionBuilder = async ({ analysis, labels, hidden }, _results, headlines) => {
  if (analysis.published.length === 0) return undefined;
  type Published = (typeof analysis.published)[number];
  const shown = analysis.published.flatMap((p) => (p.result.shown ? [{ p, r: p.result.value }] : []));
  const groupName = (p: Published) => (p.group ? labels.group(p.group) : '–');
  const comparedWith = (p: Published) =>
    p.basis === 'rating'
      ? `All respondents’ rating: “${labels.variable(p.question, p.item)}”`
      : `${p.group?.kind === 'total' ? 'All respondents' : groupName(p)}, answering “${labels.variable(p.question, p.item)}”`;
  const publishedFigure = (p: Published) =>
    p.finding.bound === 'lower' ? `more than ${p.finding.percent}%` : p.finding.bound === 'upper' ? `less than ${p.finding.percent}%` : `${p.finding.percent}%`;
  const source = (p: Published) => `${p.study.title} (${p.study.year ?? 'year not published'})`;
  const notable = shown.filter((s) => s.r.significant).sort((a, b) => Math.abs(b.r.difference) - Math.abs(a.r.difference));
  for (const { p, r } of notable.slice(0, 2)) {
    const who = p.basis === 'rating' ? 'Rated by all respondents' : p.group?.kind === 'total' ? 'All respondents' : groupName(p);
    const published = p.finding.bound ? `published ${p.finding.bound} bound of ${p.finding.percent}%` : `${p.finding.percent}%`;
    headlines.push(publishedHeadline(who, formatPercent(r.proportion.estimate), p.finding, published, source(p), r.difference > 0));
  }
  const withheldGroups = (list: Published[]) => [...new Set(list.flatMap((p) => (!p.result.shown && !p.unavailable && p.group && p.group.kind !== 'total' ? [groupName(p)] : [])))];
  const studies = [...new Map(analysis.published.map((p) => [p.study.id, p])).values()];
  const family = shown.length;
  const figure = async (id: string, heading: string, list: Published[]): Promise<ReportFigure> => {
    const drawn = list.flatMap((p) => (p.result.shown ? [{ p, r: p.result.value }] : []));
    const rows: IntervalRow[] = drawn.map(({ p, r }) => ({
      label: `${cap(p.finding.statement)} (${p.basis === 'rating' ? 'rated by all' : p.group?.kind === 'total' ? 'all' : groupName(p)})`,
      value: r.proportion.estimate,
      lower: r.proportion.lower,
      upper: r.proportion.upper,
      reference: p.finding.percent / 100,
    }));
    return {
      id,
      heading,
      chart: rows.length
        ? await intervalBarChart(
            {
              id: `chart-${id}`,
              title: `${heading}: this organisation (bars, with 95% intervals) against the published figures (diamonds)`,
              description: drawn.map(({ p, r }) => `${p.finding.statement}: here ${formatPercent(r.proportion.estimate)}, published ${publishedFigure(p)}`).join('; '),
            },
            rows,
            AXES.national,
          )
        : undefined,
      table: {
        caption: heading,
        head: [{ text: 'Published finding' }, { text: 'Compared with here' }, num('Here'), num('95% interval'), num('Published'), { text: 'Source' }, num('Difference'), num('Significant')],
        rows: list.map((p) => {
          const first = [{ text: cap(p.finding.statement) }, { text: comparedWith(p) }];
          const sourceCell = { text: p.describes };
          if (p.unavailable) return [{ text: cap(p.finding.statement) }, { text: cap(UNAVAILABLE[p.unavailable]) }, num(''), num(''), num(publishedFigure(p)), sourceCell, num(''), num('')];
          // The group is named only in the note below, as everywhere a withheld group is.
          if (!p.result.shown)
            return [
              { text: cap(p.finding.statement) },
              { text: p.group?.kind === 'total' ? 'All respondents' : 'The matching group here (named in the note below)' },
              num(hidden(p.result)),
              num(''),
              num(publishedFigure(p)),
              sourceCell,
              num(''),
              num(''),
            ];
          const r = p.result.value;
          return [
            ...first,
            num(formatPercent(r.proportion.estimate)),
            num(formatPercentInterval(r.proportion)),
            num(publishedFigure(p)),
            sourceCell,
            num(formatPoints(r.difference)),
            num(r.significant ? 'Yes' : 'No'),
          ];
        }),
      },
      notes: [
        ...(withheldGroups(list).length > 0
          ? [
              `Not shown separately, because fewer than ${analysis.threshold} people in the group answered or to protect a smaller group: ${withheldGroups(list).join(', ')}. Findings about ${withheldGroups(list).length === 1 ? 'this group are' : 'these groups are'} not compared.`,
            ]
          : []),
        significanceNote(analysis, family),
        ...(list.some((p) => p.finding.bound)
          ? [
              'Where the study published only a bound (“more than 40%”), the test is one-sided: only a figure here significantly below the bound shows a difference, since the published figure could be anywhere above it.',
            ]
          : []),
      ],
    };
  };
  const own = analysis.published.filter((p) => p.basis === 'respondents');
  const ratings = analysis.published.filter((p) => p.basis === 'rating');
  const figures = [await figure('national', 'This organisation against the published findings', own)];
  if (ratings.length > 0) figures.push(await figure('national-ratings', 'How engaged respondents here think each group is, against the published figures for that group', ratings));
  return {
    id: 'national',
    heading: 'Comparison with published national findings',
    paragraphs: [
      'Where a question matches one asked in a published study, the matching group here is compared with the published figure: senior leaders with findings about senior staff, procurement staff with findings about procurement staff, councillors with findings about councillors, everyone with findings about all staff. A group whose results are withheld here is not compared. The published figure is treated as fixed; the test asks whether the group here differs from it by more than chance.',
      'Engagement is compared twice, in separate tables: each role’s own answer about how engaged they are, and how engaged all respondents think each group is.',
      `Sources: ${studies.map(({ study }) => `${study.title} (${study.year ?? 'year not published'}): ${study.respondents} respondents${study.organisations ? ` at ${study.organisations} organisations` : ''}, ${study.population}`).join('; ')}.`,
    ],
    figures,
  };
};

const benchmarkSection: SectionBuilder = async ({ labels }, results) => {
  const { benchmark } = results;
  const measures = benchmark.results.filter((b) => b.measure.startsWith('index:') || b.measure.endsWith(':positive'));
  const anyShown = measures.some((m) => m.comparators.some((c) => c.figure.shown));
  const measureName = (key: string) => {
    if (key.startsWith('index:')) return labels.index(key.slice('index:'.length));
    const [variable, measure] = key.split(':') as [string, string];
    const [question, item] = variable.split('.') as [string, string];
    return question.startsWith('index_') ? `${labels.index(question.slice(6))}: % very or quite engaged` : `${labels.short(question, item)} (${labels.option(question, item, measure)})`;
  };
  const format = (key: string, x: number) => (key.startsWith('index:') ? score(x) : formatPercent(x));
  const setName = (set: string, value?: string) => (set === 'all' ? 'All organisations' : `Same ${set}${value ? ` (${value.replace(/_/g, ' ')})` : ''}`);
  const positions = { below_lower_quartile: 'Bottom quarter', middle_half: 'Middle half', upper_quartile: 'Top quarter (high performers)' } as const;
  const round = benchmark.round;
  if (!round) {
    const paragraphs = [
      'This wave is not part of a benchmark round, so it is not compared with other organisations. A benchmark comes only from a round a host runs, in which each council contributes one wave.',
    ];
    return { id: 'benchmark', heading: 'Comparison with other organisations', paragraphs, figures: [] };
  }
  if (round.state === 'open') {
    const paragraphs = [`This wave is part of ${round.title}, hosted by ${round.hostName}. The benchmark is given once the round has closed, from every council’s published results at once.`];
    return { id: 'benchmark', heading: 'Comparison with other organisations', paragraphs, figures: [] };
  }
  const paragraphs = [
    `The benchmark comes from ${round.title}, hosted by ${round.hostName}: ${benchmark.organisations} organisation${benchmark.organisations === 1 ? '' : 's'} including this one, each contributing the published results of its one wave in the round; no organisation’s other waves count, and no other organisation is named or its results shown. It is the median of the organisations whose own figure can be published, with the middle half of them (lower to upper quartile), given only from at least 5 organisations.`,
    'No benchmark figure is ever one organisation’s own figure: how the median and quartiles are found is under “How the figures were produced”.',
  ];
  if (!anyShown) {
    paragraphs.push('There are not enough organisations with published figures in the round (at least 5 are needed) to give a benchmark.');
    return { id: 'benchmark', heading: 'Comparison with other organisations', paragraphs, figures: [] };
  }
  const rows: TableCell[][] = [];
  for (const m of measures) {
    for (const c of m.comparators) {
      if (!c.figure.shown) continue;
      const f = c.figure.value;
      rows.push([
        { text: measureName(m.measure) },
        { text: setName(c.set, c.value) },
        num(m.own === undefined ? '–' : format(m.measure, m.own)),
        num(format(m.measure, f.median)),
        num(`${format(m.measure, f.lowerQuartile)} to ${format(m.measure, f.upperQuartile)}`),
        num(String(f.organisations)),
        { text: f.position ? positions[f.position] : '–' },
      ]);
    }
  }
  return {
    id: 'benchmark',
    heading: 'Comparison with other organisations',
    paragraphs,
    figures: [
      {
        id: 'benchmark',
        heading: 'Benchmark',
        table: {
          caption: 'This organisation against the benchmark',
          head: [{ text: 'Measure' }, { text: 'Compared with' }, num('Here'), num('Median'), num('Middle half'), num('Organisations'), { text: 'Where this organisation sits' }],
          rows,
        },
        notes: [],
      },
    ],
  };
};

const trendSection: SectionBuilder = async ({ analysis, labels }, results, headlines) => {
  if (!results.previous) {
    return { id: 'trend', heading: 'Change since the previous survey', paragraphs: ['This is the first wave of the survey, so there is no earlier wave to compare with.'], figures: [] };
  }
  const { waves, title } = results.previous;
  const whole = waves.filter((w) => w.group.kind === 'total' && w.change.shown);
  const name = (w: (typeof waves)[number]) =>
    w.index ? labels.index(w.index) : `${labels.variable(w.question!, w.item)}${w.measure === 'mean' ? ' (mean)' : `: ${labels.option(w.question!, w.item ?? '', w.measure)}`}`;
  const isIndex = (w: (typeof waves)[number]) => w.index !== undefined || w.measure === 'mean';
  const ranked = whole
    .map((w) => ({ w, c: (w.change as { shown: true; value: NonNullable<Extract<(typeof w)['change'], { shown: true }>['value']> }).value }))
    .sort((a, b) => Number(b.c.significant) - Number(a.c.significant) || a.c.p - b.c.p);
  const significant = ranked.filter((r) => r.c.significant);
  headlines.push(
    significant.length === 0
      ? `No figure for the whole organisation has changed significantly since ${title}.`
      : `${significant.length} figure${significant.length === 1 ? ' has' : 's have'} changed significantly since ${title}, the largest being ${name(significant[0]!.w).toLowerCase()}: ${
          isIndex(significant[0]!.w)
            ? `${score(significant[0]!.c.previous)} to ${score(significant[0]!.c.current)}`
            : `${formatPercent(significant[0]!.c.previous)} to ${formatPercent(significant[0]!.c.current)}`
        }.`,
  );
  const top = ranked.slice(0, 20);
  return {
    id: 'trend',
    heading: `Change since the previous survey (${title})`,
    paragraphs: [`Figures for the whole organisation compared with ${title}, significant changes first. The two waves are treated as independent samples.`],
    figures: [
      {
        id: 'trend',
        heading: 'Changes',
        table: {
          caption: `Change since ${title}`,
          head: [{ text: 'Measure' }, num('Before'), num('Now'), num('Change'), num('95% interval'), num('Significant')],
          rows: top.map(({ w, c }) => {
            const f = isIndex(w) ? score : (x: number) => formatPercent(x);
            const d = isIndex(w) ? (x: number) => `${x > 0 ? '+' : ''}${score(x)}` : (x: number) => formatPoints(x);
            return [{ text: name(w) }, num(f(c.previous)), num(f(c.current)), num(d(c.difference)), num(`${d(c.lower)} to ${d(c.upper)}`), num(c.significant ? 'Yes' : 'No')];
          }),
        },
        notes: [significanceNote(analysis, whole.length)],
      },
    ],
  };
};

/**
 * The number of comments themed for a question, when it is a published figure: the comments
 * come from the role groups whose responses are shown, and their number is the sum of those
 * groups' answered counts; if any of those counts is withheld (fewer than the threshold
 * answered this question, or hidden to protect another), printing the sum, or theme counts
 * that add up to it, would give it away by subtraction from the counts published beside it.
 */
function publishedCommentCount(t: FreeTextThemes, analysis: SurveyAnalysis): number | undefined {
  const v = analysis.variables.find((x): x is TextVariableAnalysis => x.kind === 'text' && x.question === t.question);
  if (!v) return undefined;
  let sum = 0;
  for (const g of v.groups) {
    if (g.group.kind !== 'roleGroup' || !g.showText) continue;
    if (!g.answered.shown) return undefined;
    sum += g.answered.value;
  }
  return sum === t.comments ? sum : undefined;
}

function freeTextSection(themes: readonly FreeTextThemes[], analysis: SurveyAnalysis, labels: Labels): ReportSection {
  const quotesText = (quotes: readonly string[]) => (quotes.length > 0 ? quotes.map((q) => `“${q}”`).join(' ') : `Not quoted: fewer than ${analysis.threshold} comments`);
  const answered = themes.filter((t) => t.comments > 0);
  return {
    id: 'free-text',
    heading: 'What staff said in their own words',
    paragraphs: [
      answered.length > 0
        ? `Comments are grouped into themes by the words they share, each counted once and named by the phrase its comments use most, with up to three different typical comments quoted. A theme needs at least ${analysis.threshold} comments; the rest are counted as other comments. Names, email addresses, phone numbers, National Insurance numbers, postcodes and staff numbers are removed first, and comments from groups too small to report are left out.`
        : 'There are no comments that can be shown yet: comments are shown only from groups large enough for their results to be published.',
    ],
    figures: answered.map((t) => {
      const count = publishedCommentCount(t, analysis);
      return {
        id: `text-${t.question}`,
        heading: labels.variable(t.question),
        table:
          count === undefined
            ? {
                caption: 'Themes in the comments',
                head: [{ text: 'Theme' }, { text: 'Typical comments' }],
                rows: t.themes.map((theme) => [{ text: theme.label }, { text: quotesText(theme.quotes) }]),
              }
            : {
                caption: `Themes in ${count} comments`,
                head: [{ text: 'Theme' }, num('Comments'), { text: 'Typical comments' }],
                rows: t.themes.map((theme) => [{ text: theme.label }, num(String(theme.count)), { text: quotesText(theme.quotes) }]),
              },
        notes:
          count === undefined
            ? ['The number of comments is not given for this question: with the figures published beside it, it would show how many people answered it in a group whose figures are withheld.']
            : [],
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * How the results are weighted, in words. Only figures the publication shows are printed: the
 * design effect and the precision it leaves are given only when the number of responses is
 * (with the counts of the cells behind it, the design effect would narrow a withheld total
 * down; aggregates.csv withholds it on the same rule), and why weighting was refused is said
 * by kind of problem, naming a group only when its number of responses is shown and never
 * with a count of responses or staff.
 */
function weightingText(analysis: SurveyAnalysis, total: Suppressible<number>, labels: Labels): string {
  const w = analysis.weighting;
  if (w.status === 'weighted') {
    if (!total.shown) {
      return `Results are weighted to the workforce profile (${w.method}). The design effect of the weighting is withheld, because the number of responses is.`;
    }
    return `Results are weighted to the workforce profile (${w.method}); the design effect is ${w.designEffect.toFixed(2)}, so the ${total.value} responses carry the precision of about ${Math.round(w.effectiveN)} unweighted ones.`;
  }
  if (w.status === 'refused')
    return `Weighting to the workforce profile was not possible (${refusalReasons(analysis, labels).join('; ')}), so results are unweighted: every response counts the same.`;
  return 'Results are unweighted: every response counts the same. No workforce profile has been loaded, so results are not adjusted for groups that responded more or less than others.';
}

/**
 * Why raking was refused, one phrase per kind of problem and dimension, from the problem codes
 * rather than analysis's messages (which carry counts of responses and staff for the lead).
 */
function refusalReasons(analysis: SurveyAnalysis, labels: Labels): string[] {
  const w = analysis.weighting;
  if (w.status !== 'refused') return [];
  const shown = (margin: { dimension: 'roleGroup' | 'directorate'; code: string }) =>
    figureOf(analysis.responses, margin.dimension === 'roleGroup' ? { kind: 'roleGroup', code: margin.code } : { kind: 'directorate', code: margin.code }).shown;
  const noun = (dimension: 'roleGroup' | 'directorate') => (dimension === 'roleGroup' ? 'role group' : 'directorate');
  const name = (margin: { dimension: 'roleGroup' | 'directorate'; code: string }) =>
    `${noun(margin.dimension)} “${margin.dimension === 'roleGroup' ? labels.group({ kind: 'roleGroup', code: margin.code }) : labels.group({ kind: 'directorate', code: margin.code })}”`;
  const reasons: string[] = [];
  const add = (reason: string) => {
    if (!reasons.includes(reason)) reasons.push(reason);
  };
  for (const p of w.problems) {
    switch (p.code) {
      case 'no_responses':
        add('there are too few responses to weight');
        break;
      case 'not_in_profile':
        if (p.margin && shown(p.margin)) add(`there are responses from ${name(p.margin)}, which the workforce profile does not list or lists with no staff`);
        else add(`there are responses from a ${noun(p.margin?.dimension ?? 'roleGroup')} that the workforce profile does not list or lists with no staff`);
        break;
      case 'empty_group':
        add(`a ${noun(p.margin?.dimension ?? 'roleGroup')} with staff in the workforce profile has no responses, so no weight can stand for its staff`);
        break;
      case 'totals_disagree':
        add('the workforce profile’s directorate headcounts and role group headcounts do not add up to the same number of staff');
        break;
      case 'did_not_converge':
        add('the pattern of responses across role groups and directorates cannot reproduce the workforce profile');
        break;
    }
  }
  return reasons.length > 0 ? reasons : ['the responses cannot be matched to the workforce profile'];
}

function describe(rows: readonly IntervalRow[], scale: 'percent' | 'score' | 'points'): string {
  const f = (x: number) => (scale === 'percent' ? formatPercent(x) : scale === 'points' ? formatPoints(x) : score(x));
  return rows.map((r) => `${r.label}: ${f(r.value)} (95% interval ${f(r.lower)} to ${f(r.upper)})`).join('; ');
}

/**
 * Response rates against the workforce profile: overall, and for each role group whose number
 * of responses is published. A rate over 100% (more responses than the profile's staff) is
 * flagged with what it means, and groups the profile rules out are named with the reason.
 */
function responseRate(analysis: SurveyAnalysis, results: SurveyResults, labels: Labels): string {
  if (!results.profile) return 'The response rate cannot be given because no workforce profile (the number of staff in each group) has been loaded for this survey.';
  const headcount = (role?: string) => results.profile!.cells.filter((c) => role === undefined || c.roleGroup === role).reduce((s, c) => s + c.headcount, 0);
  const total = figureOf(analysis.responses, TOTAL);
  if (!total.shown) return 'The response rate is not given while there are too few responses to publish.';
  const over: string[] = [];
  const rate = (name: string, n: number, of: number) => {
    if (of <= 0) return '–';
    if (n > of) over.push(name);
    return `${formatPercent(n / of)}${n > of ? ' (more responses than staff)' : ''}`;
  };
  const roles = analysis.responses.flatMap((r) =>
    r.group.kind === 'roleGroup' && r.figure.shown && headcount(r.group.code) > 0 ? [`${labels.group(r.group)} ${rate(labels.group(r.group), r.figure.value, headcount(r.group.code))}`] : [],
  );
  const overall = rate('the whole organisation', total.value, headcount());
  const sentences = [`The response rate is ${overall} of the ${headcount()} staff in the workforce profile${roles.length ? ` (${roles.join('; ')})` : ''}.`];
  if (over.length > 0)
    sentences.push(
      `A rate over 100% means more people responded than the workforce profile says work there (${over.join(', ')}): the profile may be out of date or count posts rather than people, or the survey link may have been shared beyond the organisation, so weighted figures for that group should be read with care.`,
    );
  // Groups the profile rules out are withheld, so, as in the weighting paragraph, they are counted but not named.
  const exceed = analysis.disclosure.profileHidden.filter((h) => h.reason === 'responses_exceed_headcount');
  if (exceed.length > 0) {
    const kinds = [...new Set(exceed.map((h) => (h.kind === 'roleGroup' ? 'role group' : 'directorate')))].join(' or ');
    sentences.push(
      `${exceed.length === 1 ? `One ${kinds} is` : `${exceed.length} ${kinds}s are`} not shown separately because more people responded than the workforce profile lists as working there (or it does not list them at all): the profile, or where the survey link was shared, needs checking before ${exceed.length === 1 ? 'it' : 'they'} can be reported.`,
    );
  }
  return sentences.join(' ');
}

/**
 * How many answered online and how many on paper (keyed in; counted together everywhere else).
 * Each part is given only when the total is and both parts reach the threshold: otherwise a
 * small group who answered on paper (often one workplace) would be counted in public.
 */
export function paperSplit(total: Suppressible<number>, paper: number, threshold: number): string {
  if (!total.shown) return '';
  if (paper === 0) return ' All were given online.';
  const online = total.value - paper;
  if (paper < threshold || online < threshold)
    return ` Some were on paper questionnaires, keyed in and counted with the online ones; how many is not given, because fewer than ${threshold} answered one of the two ways.`;
  return ` ${online} were given online and ${paper} on paper questionnaires, keyed in; they are counted together.`;
}

function methodology(analysis: SurveyAnalysis, results: SurveyResults): { heading: string; text: string }[] {
  const labels = new Labels(results.survey.definition);
  // The number of responses is given only when the publication shows it: the count of completed responses below the threshold is never printed.
  const total = figureOf(analysis.responses, TOTAL);
  return [
    {
      heading: 'Who responded',
      text: `${total.shown ? `${total.value} responses` : `Fewer than ${analysis.threshold} responses`} to ${results.survey.title} at ${results.organisation.name}. ${responseRate(analysis, results, labels)}${paperSplit(total, results.publication.paperResponses, analysis.threshold)}`,
    },
    { heading: 'Weighting', text: weightingText(analysis, total, labels) },
    {
      heading: 'Protecting anonymity',
      text: `No figure is shown for any group of fewer than ${analysis.threshold} respondents, and further groups’ figures are withheld wherever a hidden one could otherwise be worked out by subtraction from those shown. Within a group that is shown, every answer is shown with its count, however few people chose it. Withheld figures say why in their place. In full: ${analysis.methods.suppression}.`,
    },
    {
      heading: 'What “significant” means',
      text: `A difference is called significant when it is unlikely to be chance alone: its p-value, adjusted for the number of comparisons made at the same time, is below ${analysis.alpha}. A difference that is not significant may still be real, but these responses cannot show it. Each table with a “Significant” column says how many comparisons were adjusted together. In full: ${analysis.methods.adjustment}.`,
    },
    {
      heading: 'Percentages and intervals',
      text: `${cap(analysis.methods.proportions)}. Every percentage is shown with the number of respondents it is based on; a 95% interval is the range the true figure is likely to lie in. Numbers are rounded only for display (${formatP(0.0004)} means below one in a thousand).`,
    },
    { heading: 'Differences between groups', text: `${cap(analysis.methods.differences)}. ${cap(analysis.methods.overall)}.` },
    { heading: 'Indices', text: `${cap(analysis.methods.indices)}.` },
    ...(results.benchmark.round ? [{ heading: 'Benchmark', text: BENCHMARK_METHOD }] : []),
  ];
}

/** How a round's median and quartiles are found (analysis/benchmark.ts benchmarkQuantile), in words. */
const BENCHMARK_METHOD =
  'The benchmark uses one published wave from each organisation in the round, as published when the round closed, and is given only from at least 5 organisations with a figure. The median and quartiles are interpolated between organisations’ figures (R’s default quantile, type 7). No median or quartile is ever one organisation’s exact figure: where interpolation would land on a figure held by any organisation in the round, it is widened to the midpoint of the nearest different figures below and above, or, should that too be an organisation’s figure, to the midpoint between that figure and the nearest one on the outer side (below for the lower quartile and median, above for the upper quartile); a quartile carried past the median is brought to it. Where every organisation has the same figure, no benchmark is given.';
