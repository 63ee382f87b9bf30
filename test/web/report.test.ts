import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHROMIUM_PATH } from '../../src/reporting/pdf.js';
import { uploadWorkforceProfile } from '../../src/admin/waves.js';
import { findSurveyById } from '../../src/storage/surveys.js';
import { TEST_ACTOR } from '../support/waves.js';
import { pdfText } from '../reporting/pdf-text.js';
import { appWithoutChromium, reportFixture, SMALL_GROUP, type Fixture } from '../reporting/fixture.js';
import { memberCookie } from '../support/accounts.js';

const chromium = existsSync(DEFAULT_CHROMIUM_PATH);
let f: Fixture;
let html: string;
/** A viewer of the survey's organisation: reports are for signed-in members only. */
let cookie: string;
beforeAll(async () => {
  f = await reportFixture();
  cookie = await memberCookie(f.storage.db, f.survey.id);
  const page = await f.app.inject({ headers: { cookie }, url: `/surveys/${f.survey.id}/report` });
  expect(page.statusCode).toBe(200);
  html = page.body;
}, 120_000);
afterAll(async () => f.app.close());

/** The text with the sentences that say a group is not shown removed: what is left must not name the small group. */
const withoutNotShownNotes = (text: string) => text.replace(/Not shown separately, because fewer than 10 people in the group answered or to protect a smaller group:[^.]*\./g, '');

describe('survey report page', () => {
  it('has the headline findings, every section and the methodology, without needing JavaScript', () => {
    expect(html).toContain('<h2 class="govuk-heading-l" id="headlines">Headline findings</h2>');
    for (const id of ['indices', 'perception-gap', 'barriers', 'strategy', 'agreement', 'national', 'benchmark', 'trend', 'free-text', 'methodology']) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html).toContain('This is the first wave of the survey');
    expect(html).toContain('This wave is not part of a benchmark round, so it is not compared with other organisations');
    expect(html).toMatch(/What “significant” means<\/h3>\s*<p class="govuk-body">A difference is called significant when[^<]*adjusted[^<]*below 0.05/);
    expect(html).toContain('No figure is shown for any group of fewer than 10 respondents');
  });

  it('opens with a cover: organisation, wave, the days it was open, when published and the number of responses', () => {
    const cover = /<div class="app-cover">([\s\S]*?)<\/div>\s*<div class="app-no-print">/.exec(html)?.[1] ?? '';
    const facts = [...cover.matchAll(/<dt class="govuk-summary-list__key">\s*([^<]*?)\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*([^<]*?)\s*<\/dd>/g)].map((m) => [m[1], m[2]]);
    // The fixture's wave was opened and closed today (the UTC day, as stored), and published as it closed.
    const today = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date());
    expect(facts).toEqual([
      ['Organisation', 'Test Council'],
      ['Wave', 'Wave 1'],
      ['Open for answers', `${today} to ${today}`],
      ['Published', today],
      ['Responses', '98'],
    ]);
  });

  it('names each national source with its study, year and sample', () => {
    expect(html).toMatch(/PublicTechnology[^<]*2024[^<]*75 respondents/);
    expect(html).toMatch(/8x8 survey of UK local government staff[^<]*year not published[^<]*1095 respondents/);
  });

  it('gives every chart an accessible name from its own title and a data table beside it', () => {
    const all = [...html.matchAll(/<svg [^>]*>/g)].map((m) => m[0]);
    // A long chart's later parts are hidden from screen readers: its first part names and describes all of it.
    const svgs = all.filter((svg) => !svg.includes('aria-hidden="true"'));
    expect(svgs.length).toBeGreaterThanOrEqual(5);
    expect(all.length).toBeGreaterThan(svgs.length);
    for (const svg of svgs) {
      const [, id] = /aria-labelledby="([^ "]+)-title \1-desc"/.exec(svg)!;
      expect(svg).toContain('role="img"');
      expect(html).toContain(`<title id="${id}-title">`);
    }
    const figures = html.split('<div class="app-figure"').slice(1);
    for (const fig of figures) expect(fig).toMatch(/<table class="govuk-table[" ]/);
  });

  it('links a print stylesheet that hides navigation, never cuts a chart or a table row, and keeps headings with what follows', async () => {
    expect(html).toContain('<link rel="stylesheet" href="/report/report.css">');
    const css = await f.app.inject({ url: '/report/report.css' });
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(css.body).toMatch(/@media print \{[^@]*\.govuk-header[^{]*\{\s*display: none/);
    expect(css.body).toMatch(/\.app-chart,\s*\.govuk-table__row \{[^}]*break-inside: avoid/);
    expect(css.body).toMatch(/h2,\s*h3,[^{]*\{[^}]*break-after: avoid/);
  });

  it('never shows the small group, in text, tables or charts', () => {
    expect(html).toMatch(/Not shown separately, because fewer than 10 people in the group answered or to protect a smaller group: [^.]*Procurement/);
    expect(withoutNotShownNotes(html)).not.toContain(SMALL_GROUP.label);
  });

  it('answers 404 for an unknown survey and for an id that is not a UUID', async () => {
    expect((await f.app.inject({ headers: { cookie }, url: '/surveys/00000000-0000-4000-8000-000000000000/report' })).statusCode).toBe(404);
    expect((await f.app.inject({ headers: { cookie }, url: '/surveys/nope/report.pdf' })).statusCode).toBe(404);
  });
});

describe.skipIf(!chromium)(`PDF report (skipped when there is no Chromium at ${DEFAULT_CHROMIUM_PATH})`, () => {
  let pdf: Buffer;
  let text: string;
  beforeAll(async () => {
    expect(html).toContain(`href="/surveys/${f.survey.id}/report.pdf"`);
    const response = await f.app.inject({ headers: { cookie }, url: `/surveys/${f.survey.id}/report.pdf` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="wave-1-report.pdf"$/);
    pdf = response.rawPayload;
    text = pdfText(pdf).join('\n');
  }, 120_000);

  it('is an A4 PDF with page numbers on every page', () => {
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const boxes = [...pdf.toString('latin1').matchAll(/\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/g)];
    expect(boxes.length).toBeGreaterThan(1);
    // A4 is 210 x 297 mm = 595.3 x 841.9 points; Chromium rounds to whole CSS pixels.
    for (const [, w, h] of boxes) {
      expect(Math.abs(Number(w) - 595.3)).toBeLessThan(1);
      expect(Math.abs(Number(h) - 841.9)).toBeLessThan(1.5);
    }
    const pages = boxes.length;
    const flat = text.replace(/\s+/g, ' ');
    for (let p = 1; p <= pages; p++) expect(flat).toContain(`Page ${p} of ${pages}`);
  });

  it('has the report’s text, and its charts as vectors (axis text, no images)', () => {
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('Headline findings');
    expect(flat).toContain('Percentage of respondents');
    expect(flat).toContain('Score out of 100');
    expect(pdf.toString('latin1')).not.toMatch(/\/Subtype\s*\/Image/);
  });

  it('never shows the small group', () => {
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toMatch(/Not shown separately, because fewer than 10 people in the group answered or to protect a smaller group: [^.]*Procurement/);
    expect(withoutNotShownNotes(flat)).not.toContain(SMALL_GROUP.label);
  });
});

describe('where Chromium is missing', () => {
  it('still serves the HTML report, saying PDF is unavailable, and the PDF address explains why', async () => {
    const app = await appWithoutChromium(f);
    const page = await app.inject({ headers: { cookie }, url: `/surveys/${f.survey.id}/report` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Headline findings');
    expect(page.body).toContain('A PDF of this report is not available on this server: Chromium, which makes the PDF, is not installed at /nonexistent/chromium');
    expect(page.body).not.toContain('report.pdf');
    const pdf = await app.inject({ headers: { cookie }, url: `/surveys/${f.survey.id}/report.pdf` });
    expect(pdf.statusCode).toBe(503);
    expect(pdf.headers['content-type']).toMatch(/^text\/html/);
    expect(pdf.body).toContain('A PDF of this report cannot be made on this server: Chromium, which makes the PDF, is not installed at /nonexistent/chromium.');
  });
});

describe('with a workforce profile', () => {
  it('gives the response rate (overall and for shown groups only) and weights the results', async () => {
    const headcounts = { frontline: 450, manager: 100, senior_executive: 20, head_of_service: 40, procurement: 30 };
    // The wave is closed: a new profile takes effect through a new version of its publication, audited.
    const csv = ['role_group,headcount', ...Object.entries(headcounts).map(([role, n]) => `${role},${n}`)].join('\n');
    const survey = (await findSurveyById(f.storage.db, f.survey.id))!;
    expect(await uploadWorkforceProfile(f.storage.db, TEST_ACTOR, survey, Buffer.from(csv))).toMatchObject({ ok: true });
    const audit = await f.storage.db.selectFrom('audit_log').select('action').where('action', 'in', ['wave.profile', 'publication.republish']).execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['publication.republish', 'wave.profile']);
    const page = await f.app.inject({ headers: { cookie }, url: `/surveys/${f.survey.id}/report` });
    expect(page.statusCode).toBe(200);
    // 98 of 640; frontline 45 of 450.
    expect(page.body).toMatch(/The response rate is 15% of the 640 staff in the workforce profile \(.*; Frontline staff 10%\)\./);
    expect(page.body).not.toMatch(/procurement[^;)]* \d+%\)?[;)]/i);
    expect(page.body).toContain(
      'Results are weighted to the workforce profile (raking to role group and directorate headcounts, with the groups the results withhold raked together as one); the design effect is',
    );
  });
});

describe('with a workforce profile that cannot be used', () => {
  it('says weighting was not possible and why, without the small group’s name or number of responses, here and in the API', async () => {
    // Procurement (7 responses, under the threshold) is missing from the profile, so raking is refused.
    const csv = ['role_group,headcount', 'frontline,450', 'manager,100', 'senior_executive,20', 'head_of_service,40'].join('\n');
    const survey = (await findSurveyById(f.storage.db, f.survey.id))!;
    expect(await uploadWorkforceProfile(f.storage.db, TEST_ACTOR, survey, Buffer.from(csv))).toMatchObject({ ok: true });
    const api = (await f.app.inject({ headers: { cookie }, url: `/api/surveys/${f.survey.id}/results` })).json<{ weighting: string }>();
    expect(api.weighting).toBe('refused');
    const page = await f.app.inject({ headers: { cookie }, url: `/surveys/${f.survey.id}/report` });
    expect(page.statusCode).toBe(200);
    const weighting = /<h3[^>]*>Weighting<\/h3>\s*<p[^>]*>([^<]*)<\/p>/.exec(page.body)?.[1] ?? page.body;
    expect(weighting).toContain(
      'Weighting to the workforce profile was not possible (there are responses from a role group that the workforce profile does not list or lists with no staff), so results are unweighted',
    );
    expect(page.body).not.toMatch(/\b7 response/);
    expect(weighting).not.toMatch(/\d/);
    expect(weighting.toLowerCase()).not.toContain(SMALL_GROUP.code);
    // The profile missing a group is said in plain words, without naming the withheld group.
    expect(page.body).toContain('more people responded than the workforce profile lists as working there (or it does not list them at all)');
    expect(withoutNotShownNotes(page.body)).not.toContain(SMALL_GROUP.label);
  });
});
