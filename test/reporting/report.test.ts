import { closeWave, openWave } from '../support/waves.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, type ReportView } from '../../src/reporting/report.js';
import type { SurveyAnalysis } from '../../src/analysis/index.js';
import { loadSurveyResults } from '../../src/reporting/survey-data.js';
import { PII_EMAIL, pct, reportFixture, ROLE_COUNTS, SMALL_GROUP, type Fixture } from './fixture.js';

let f: Fixture;
let report: ReportView;
beforeAll(async () => {
  f = await reportFixture();
  report = await buildReport((await loadSurveyResults(f.storage.db, f.survey.id))!);
}, 120_000);
afterAll(async () => f.app.close());

const figure = (id: string) => report.sections.flatMap((s) => s.figures).find((x) => x.id === id)!;
const total = Object.values(ROLE_COUNTS).reduce((a, b) => a + b, 0);

describe('report headlines, checked against figures computed here from the raw answers', () => {
  it('states the number of responses', () => {
    expect(report.headlines[0]).toBe(`${total} people responded to the survey.`);
  });

  it('names the most common barrier with its percentage of those who answered', () => {
    const answered = f.answers.filter((a) => a.answers.barriers !== undefined);
    const counts = new Map<string, number>();
    for (const a of answered) for (const code of (a.answers.barriers as { selected: string[] }).selected) counts.set(code, (counts.get(code) ?? 0) + 1);
    counts.delete('none');
    counts.delete('other');
    const top = Math.max(...counts.values());
    const headline = report.headlines.find((h) => h.startsWith('The barriers named most often are'))!;
    // The first barrier named carries the largest percentage.
    expect(headline).toMatch(new RegExp(`are [^(]+ \\(${pct(top, answered.length)}\\)`));
  });

  it('gives the share saying there is a digital strategy, "don\'t know" in the base', () => {
    const answered = f.answers.filter((a) => typeof a.answers.strategy === 'string');
    const yes = answered.filter((a) => a.answers.strategy === 'yes').length;
    const dk = answered.filter((a) => a.answers.strategy === 'dont_know').length;
    expect(report.headlines).toContain(`${pct(yes, answered.length)} say the organisation has a digital strategy; ${pct(dk, answered.length)} do not know whether it has one.`);
  });

  it('gives the engagement index as the mean 0-100 score, with its interval', () => {
    const score: Record<string, number> = { very: 100, quite: 200 / 3, not_very: 100 / 3, not_at_all: 0 };
    const values = f.answers.flatMap((a) => (typeof a.answers.engaged === 'string' ? [score[a.answers.engaged]!] : []));
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const positive = values.filter((v) => v > 50).length;
    const headline = report.headlines.find((h) => h.startsWith('Digital engagement scores'))!;
    expect(headline).toContain(`scores ${Math.round(mean)} out of 100 (95% interval`);
    expect(headline).toContain(`${pct(positive, values.length)} of respondents are very or quite engaged`);
  });

  it('reports perception gaps with the leaders and frontline figures the gap table shows', () => {
    const gaps = report.headlines.filter((h) => / are more likely than | score higher than /.test(h));
    // The planted gap: every leader strongly agrees, every frontline respondent disagrees.
    expect(gaps[0]).toBe('Senior leaders are more likely than frontline staff to agree that “I feel safe to say what I think about technology changes” (100% against 0%), a significant gap.');
    const table = figure('gap').table;
    // The table's row names the question as well as the statement.
    expect(table.rows[0]![0]!.text).toBe('How far do you agree or disagree with these statements about your organisation? – I feel safe to say what I think about technology changes: % agree');
    for (const h of gaps) {
      const [, first, higher, lower] = /^(Senior leaders|Frontline staff) .*\((\d+%?) against (\d+%?)( out of 100)?\), a significant gap\.$/.exec(h)!;
      const [leaders, frontline] = first === 'Senior leaders' ? [higher, lower] : [lower, higher];
      expect(table.rows.some((r) => r[1]!.text === leaders && r[2]!.text === frontline && r[5]!.text === 'Yes')).toBe(true);
    }
  });
});

describe('report charts', () => {
  it('gives every chart an accessible name and description, and a table beside it', () => {
    const figures = report.sections.flatMap((s) => s.figures).filter((x) => x.chart);
    expect(figures.length).toBeGreaterThanOrEqual(5);
    for (const x of figures) {
      expect(x.chart).toMatch(/^<svg [^>]*role="img" aria-labelledby="(chart-[a-z-]+)-title \1-desc"><title id="\1-title">[^<]+<\/title><desc id="\1-desc">[^<]+<\/desc>/);
      expect(x.table.rows.length).toBeGreaterThan(0);
    }
  });

  it('describes the barriers chart with the same figures as its table', () => {
    const { chart, table } = figure('barriers');
    const desc = /<desc[^>]*>([^<]*)<\/desc>/.exec(chart!)![1]!.replace(/&#39;/g, "'");
    for (const row of table.rows) expect(desc).toContain(`${row[0]!.text}: ${row[1]!.text} (95% interval ${row[2]!.text})`);
  });

  it('draws the agreement scales as diverging bars around zero', () => {
    const svg = figure('agreement').chart!;
    expect(svg).toContain('Strongly disagree');
    expect(svg).toContain('Strongly agree');
    // The axis runs from -100 to 100, labelled as absolute percentages on both sides.
    expect(svg).toMatch(/>100%<\/text>[\s\S]*>0%<\/text>[\s\S]*>100%<\/text>/);
  });
});

describe('report suppression', () => {
  it('never shows the small group in a chart, a table column or a table row', () => {
    for (const section of report.sections) {
      for (const x of section.figures) {
        expect(x.chart ?? '').not.toContain(SMALL_GROUP.label);
        expect(x.table.head.map((h) => h.text)).not.toContain(SMALL_GROUP.label);
        expect(x.table.rows.map((r) => r[0]!.text)).not.toContain(SMALL_GROUP.label);
      }
    }
    expect(figure('strategy').notes.join(' ')).toMatch(new RegExp(`fewer than 10 people in the group answered or to protect a smaller group: [^.]*${SMALL_GROUP.label}`));
  });

  it('leaves at least the threshold between "All" and the role groups shown, so the small group cannot be found by subtraction', () => {
    const rows = figure('strategy').table.rows;
    const base = (r: { text: string }[]) => Number(r[r.length - 1]!.text);
    const all = base(rows[0]!);
    const shown = rows
      .slice(1)
      .filter((r) => r[r.length - 1]!.text !== '')
      .reduce((s, r) => s + base(r), 0);
    expect(all - shown).toBeGreaterThanOrEqual(10);
  });
});

describe('free-text themes in the report', () => {
  it('quotes comments only from shown groups, with personal data redacted', async () => {
    const results = (await loadSurveyResults(f.storage.db, f.survey.id))!;
    const withThemes = await buildReport(results);
    const section = withThemes.sections.find((s) => s.id === 'free-text')!;
    const table = section.figures.find((x) => x.id === 'text-one_change')!.table;
    const everything = JSON.stringify(section);
    // The planted comment about laptops forms a theme, quoted without the email address.
    expect(table.rows.some((r) => /laptop/i.test(r[0]!.text))).toBe(true);
    expect(everything).toContain('Better laptops please');
    expect(everything).not.toContain(PII_EMAIL);
    expect(everything).not.toContain('Zanzibar');
    // Counted: every comment from a role group whose results are shown (not the small group, nor the one withheld to protect it).
    const shownRoles = new Set(results.analysis.responses.flatMap((r) => (r.group.kind === 'roleGroup' && r.figure.shown ? [r.group.code] : [])));
    expect(shownRoles.has(SMALL_GROUP.code)).toBe(false);
    const shownComments = f.answers.filter((a) => shownRoles.has(a.role) && typeof a.answers.one_change === 'string' && a.answers.one_change.trim() !== '').length;
    expect(table.caption).toBe(`Themes in ${shownComments} comments`);
    expect(table.rows.reduce((s, r) => s + Number(r[1]!.text), 0)).toBe(shownComments);
  });
});

describe('free-text comment counts in the report', () => {
  it('gives no count of comments where it would reveal how many in a withheld group answered', async () => {
    const results = (await loadSurveyResults(f.storage.db, f.survey.id))!;
    const section = (await buildReport(results)).sections.find((s) => s.id === 'free-text')!;
    for (const t of results.analysis.variables) {
      if (t.kind !== 'text') continue;
      const table = section.figures.find((x) => x.id === `text-${t.question}`)!.table;
      // The comments come from the role groups whose responses are shown; their count is published only if each of those groups' answered count is.
      const themed = t.groups.filter((g) => g.group.kind === 'roleGroup' && g.showText);
      const published = themed.every((g) => g.answered.shown);
      if (published) {
        const sum = themed.reduce((s, g) => s + (g.answered.shown ? g.answered.value : 0), 0);
        expect(table.caption, t.question).toBe(`Themes in ${sum} comments`);
      } else {
        expect(table.caption, t.question).toBe('Themes in the comments');
        expect(table.head.map((h) => h.text)).toEqual(['Theme', 'Typical comments']);
        expect(section.figures.find((x) => x.id === `text-${t.question}`)!.notes.join(' ')).toContain('The number of comments is not given');
      }
    }
    // The fixture has both: one_change from groups whose counts are all shown, holds_back with the head of service count withheld (fewer than 10 answered) though their responses are shown.
    const holdsBack = results.analysis.variables.find((v) => v.kind === 'text' && v.question === 'holds_back');
    const hos = holdsBack?.kind === 'text' ? holdsBack.groups.find((g) => g.group.kind === 'roleGroup' && g.group.code === 'head_of_service') : undefined;
    expect([hos?.showText, hos?.answered.shown]).toEqual([true, false]);
    expect(section.figures.find((x) => x.id === 'text-holds_back')!.table.caption).toBe('Themes in the comments');
    expect(section.figures.find((x) => x.id === 'text-one_change')!.table.caption).toMatch(/^Themes in \d+ comments$/);
  });
});

describe('the weighting paragraph', () => {
  const weightingText = (view: ReportView) => view.methodology.find((m) => m.heading === 'Weighting')!.text;
  const withAnalysis = async (change: (a: SurveyAnalysis) => void) => {
    const results = structuredClone((await loadSurveyResults(f.storage.db, f.survey.id))!);
    change(results.analysis);
    results.publication.analysis = results.analysis;
    return buildReport(results);
  };

  it('gives the design effect and the precision of a weighted survey whose number of responses is published', async () => {
    const view = await withAnalysis((a) => {
      a.weighting = { status: 'weighted', method: 'raking to role group and directorate headcounts', designEffect: 1.234, effectiveN: 79.4, n: total, population: 640, iterations: 4 };
    });
    expect(weightingText(view)).toBe(
      `Results are weighted to the workforce profile (raking to role group and directorate headcounts); the design effect is 1.23, so the ${total} responses carry the precision of about 79 unweighted ones.`,
    );
  });

  it('gives neither the number of responses nor the effective base (nor the design effect) when the total is withheld', async () => {
    const view = await withAnalysis((a) => {
      a.weighting = { status: 'weighted', method: 'raking to role group and directorate headcounts', designEffect: 1.19, effectiveN: 6.7, n: 8, population: 120, iterations: 4 };
      a.responses = a.responses.map((r) => ({ group: r.group, figure: { shown: false, reason: 'withheld' } }));
    });
    const text = weightingText(view);
    expect(text).toContain('Results are weighted to the workforce profile (raking to role group and directorate headcounts).');
    expect(text).toContain('withheld');
    expect(text).not.toMatch(/\d/);
    const who = view.methodology.find((m) => m.heading === 'Who responded')!.text;
    expect(who).toMatch(/^Fewer than 10 responses/);
    expect(who).not.toContain(String(total));
  });

  it('says why weighting was refused by kind of problem, without a count, naming only groups whose responses are shown', async () => {
    const view = await withAnalysis((a) => {
      a.weighting = {
        status: 'refused',
        problems: [
          {
            code: 'not_in_profile',
            margin: { dimension: 'roleGroup', code: SMALL_GROUP.code },
            message: `7 response(s) from role group "${SMALL_GROUP.code}", which the workforce profile does not list`,
          },
          {
            code: 'not_in_profile',
            margin: { dimension: 'roleGroup', code: 'frontline' },
            message: '45 response(s) from role group "frontline", which the workforce profile lists with no staff',
          },
          { code: 'empty_group', margin: { dimension: 'directorate', code: 'finance' }, message: 'no responses from directorate "finance" (3 staff), so no weight can stand for them' },
          { code: 'totals_disagree', message: 'the directorate headcounts add up to 630 but the role group headcounts to 640; they must describe the same staff' },
        ],
      };
    });
    const text = weightingText(view);
    expect(text).toMatch(/^Weighting to the workforce profile was not possible \(.*\), so results are unweighted/);
    expect(text).toContain('there are responses from role group “Frontline staff”, which the workforce profile does not list or lists with no staff');
    expect(text).toContain('there are responses from a role group that the workforce profile does not list or lists with no staff');
    expect(text).toContain('a directorate with staff in the workforce profile has no responses');
    expect(text).toContain('do not add up to the same number of staff');
    expect(text).not.toMatch(/\d/);
    expect(text.toLowerCase()).not.toContain(SMALL_GROUP.code);
  });
});

describe('a survey with too few responses', () => {
  it('says no results can be published yet, and shows no figures, charts or themes', async () => {
    const { createSurvey } = await import('../../src/storage/surveys.js');
    const { organisation_id } = await f.storage.db.selectFrom('survey').select('organisation_id').where('id', '=', f.survey.id).executeTakeFirstOrThrow();
    const empty = await createSurvey(f.storage.db, { organisationId: organisation_id, instrumentVersionId: f.survey.instrumentVersionId, title: 'Pilot' });
    await openWave(f.storage.db, empty.id);
    await closeWave(f.storage.db, empty.id);
    const results = (await loadSurveyResults(f.storage.db, empty.id))!;
    const view = await buildReport(results);
    expect(view.headlines).toEqual(['Fewer than 10 people have responded, so no results can be published yet.']);
    const figures = view.sections.flatMap((s) => s.figures);
    expect(figures.filter((x) => x.chart)).toEqual([]);
    // No figure of ours anywhere; the national table still gives the published percentages beside the reason ours is withheld.
    const national = new Set(['national', 'national-ratings']);
    for (const x of figures.filter((x) => !national.has(x.id))) expect(JSON.stringify(x.table.rows), x.id).not.toMatch(/\d+%/);
    for (const x of figures.filter((x) => national.has(x.id))) for (const row of x.table.rows) expect(row[2]!.text).toBe('withheld (fewer than 10 responses, or to protect a smaller group)');
  });
});
