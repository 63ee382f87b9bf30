import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importStaffList, sendInvitations } from '../../src/admin/invitations.js';
import { findSurveyById } from '../../src/storage/surveys.js';
import { errorMessage, mailDefaults, message, MESSAGE_KEYS, messageTemplate } from '../../src/web/messages.js';
import { LANGUAGES } from '../../src/instrument/text.js';
import { accountsApp, userWithRoles } from '../support/accounts.js';
import { capturingMailer, Respondent, standardInstrument, testApp, type TestApp } from '../support/app.js';
import { Browser, text } from '../support/browser.js';
import { TEST_ACTOR } from '../support/waves.js';

const definition = standardInstrument();

let t: TestApp;
let base: string;
beforeEach(async () => {
  t = await testApp(definition);
  base = `/s/${t.survey.slug}`;
});
afterEach(async () => t.app.close());

/** A respondent past the first page (a frontline member of staff in housing), so every section is open to them. */
async function pastTheFirstPage(lang: 'en' | 'cy' = 'en') {
  const respondent = new Respondent(t.app);
  await respondent.get(`${base}?lang=${lang}`);
  await respondent.post(`${base}/start`);
  await respondent.get(`${base}/q/about`);
  expect((await respondent.post(`${base}/q/about`, { action: 'continue', role: 'frontline', directorate: 'housing' })).statusCode).toBe(303);
  return respondent;
}

describe('messages that take a value', () => {
  // Every message with a {placeholder}, filled with a value that can be found again: written by hand from the catalogue's placeholders.
  const filled = (template: string) => Object.fromEntries([...template.matchAll(/(?<!%)\{(\w+)\}/g)].map((m) => [m[1]!, `«${m[1]}»`]));

  for (const lang of LANGUAGES) {
    it(`fill in every {name} and keep GOV.UK Frontend's %{count}, in ${lang === 'en' ? 'English' : 'Welsh'}`, () => {
      const takingValues = MESSAGE_KEYS.filter((key) => /\{\w+\}/.test(messageTemplate(lang, key)));
      expect(takingValues.length).toBeGreaterThan(15);
      for (const key of takingValues) {
        const params = filled(messageTemplate(lang, key));
        const out = message(lang, key, params);
        for (const value of Object.values(params)) expect(out, key).toContain(value);
        // Nothing dropped or left over: no stray brace or lone percent sign.
        expect(out.replace(/%\{count\}/g, ''), key).not.toMatch(/[{}%]/);
        if (messageTemplate(lang, key).includes('%{count}')) expect(out, key).toContain('%{count}');
      }
    });
  }

  it('fills in error messages’ limits in both languages', () => {
    expect(errorMessage('en', 'too_long', { max: 1000 })).toBe('Your answer must be 1000 characters or fewer');
    expect(errorMessage('cy', 'too_long', { max: 1000 })).toBe("Rhaid i'ch ateb fod yn 1000 nod neu lai");
    expect(errorMessage('en', 'below_min', { min: 0 })).toBe('Enter a number that is 0 or more');
    expect(errorMessage('cy', 'above_max', { max: 60 })).toBe("Rhowch rif sy'n 60 neu lai");
    expect(errorMessage('en', 'other_too_long', { max: 200 })).toBe('The other answer must be 200 characters or fewer');
  });

  for (const [lang, expected] of [
    [
      'en',
      {
        description: 'You can enter up to 1000 characters',
        under: 'You have %{count} characters remaining',
        underOne: 'You have %{count} character remaining',
        over: 'You have %{count} characters too many',
        section: 'Section 11 of 11',
      },
    ],
    [
      'cy',
      {
        description: 'Gallwch roi hyd at 1000 nod',
        under: 'Mae gennych %{count} nod yn weddill',
        underOne: 'Mae gennych %{count} nod yn weddill',
        over: 'Mae gennych %{count} nod yn ormod',
        section: 'Adran 11 o 11',
      },
    ],
  ] as const) {
    it(`renders the character count's messages on the last page with the number, for screen readers too, in ${lang === 'en' ? 'English' : 'Welsh'}`, async () => {
      const respondent = await pastTheFirstPage(lang);
      const page = await respondent.get(`${base}/q/own_words`);
      expect(page.statusCode).toBe(200);
      expect(text(page.body)).toContain(expected.section);
      // Shown with the page (and read out with the box), the limit filled in by the server:
      expect(page.body).toMatch(new RegExp(`id="one_change-info"[^>]*>\\s*${expected.description}\\s*<`));
      // What GOV.UK Frontend's script says as the respondent types (its live region), with %{count} for it to fill in:
      expect(page.body).toContain(`data-i18n.characters-under-limit.other="${expected.under}"`);
      expect(page.body).toContain(`data-i18n.characters-under-limit.one="${expected.underOne}"`);
      expect(page.body).toContain(`data-i18n.characters-over-limit.other="${expected.over}"`);
      expect(page.body).not.toMatch(/ % (characters|nod)/);
    });
  }
});

describe('the respondent’s journey, finished', () => {
  it('counts the first page of the open link as Section 1 of 11, not 1 of 1', async () => {
    const respondent = new Respondent(t.app);
    await respondent.get(base);
    await respondent.post(`${base}/start`);
    const first = await respondent.get(`${base}/q/about`);
    expect(text(first.body)).toContain('Section 1 of 11');
    expect(definition.sections).toHaveLength(11);
  });

  it('names the organisation on the start page and says the time and the anonymity sentence once', async () => {
    const start = text((await new Respondent(t.app).get(base)).body);
    expect(start).toContain('Test Council Digital readiness survey');
    expect(start.match(/about 10 minutes/g)).toHaveLength(1);
    expect(start.match(/anonymous/gi)).toHaveLength(1);
    const welsh = text((await new Respondent(t.app).get(`${base}?lang=cy`)).body);
    expect(welsh.match(/tua 10 munud/g)).toHaveLength(1);
  });

  it('says "Select all that apply" once, puts "Something else (please specify)" before one "or" divider, and gives a blank "please specify" one error', async () => {
    const respondent = await pastTheFirstPage();
    const page = await respondent.get(`${base}/q/barriers`);
    const hint = /id="barriers-hint"[^>]*>([\s\S]*?)<\/div>/.exec(page.body)?.[1] ?? '';
    expect(text(hint).match(/Select all that apply/g)).toHaveLength(1);
    const order = [...page.body.matchAll(/value="(suppliers|other|none)"|govuk-checkboxes__divider/g)].map((m) => m[1] ?? 'or');
    expect(order).toEqual(['suppliers', 'other', 'or', 'none']);

    const blank = await respondent.post(`${base}/q/barriers`, { action: 'continue', barriers: ['budget', 'other'], barriers_other: '  ' });
    expect(blank.statusCode).toBe(422);
    expect(blank.body.match(/class="govuk-error-message"/g)).toHaveLength(1);
    expect(blank.body.match(/<a href="#barriers_other">/g)).toHaveLength(1);
    expect(text(blank.body)).toContain('Say what the other answer is');
  });

  it('keeps the valid answers on the page being left by "Save and come back later", and says which were not', async () => {
    const respondent = await pastTheFirstPage();
    await respondent.get(`${base}/q/engagement`);
    // One answer valid, one row of the grid not: the first is kept, the second left out.
    const saved = await respondent.post(`${base}/q/engagement`, { action: 'save', engaged: 'quite', engaged_groups__heads: 'bogus' });
    expect(saved.statusCode).toBe(200);
    expect(text(saved.body)).toContain('On the page you just left, answers that were missing or not valid were not saved; the rest were.');
    const code = /<strong class="sounding-code">([A-Z0-9]{8})<\/strong>/.exec(saved.body)![1]!;

    const elsewhere = new Respondent(t.app);
    await elsewhere.get(`${base}/resume`);
    await elsewhere.post(`${base}/resume`, { code });
    const page = await elsewhere.get(`${base}/q/engagement`);
    expect(page.body).toMatch(/value="quite" checked/);
    expect(page.body).not.toContain('bogus');

    // A page saved whole says nothing about answers left out.
    await respondent.get(`${base}/q/engagement`);
    const whole = await respondent.post(`${base}/q/engagement`, { action: 'save', engaged: 'very' });
    expect(text(whole.body)).not.toContain('were not saved');
  });

  it('tells someone arriving from an invitation that their role group and directorate came from the staff list, and lets them change them', async () => {
    const survey = (await findSurveyById(t.storage.db, t.survey.id))!;
    expect((await importStaffList(t.storage.db, TEST_ACTOR, survey, Buffer.from('email,role_group,directorate\nann@council.gov.uk,manager,housing\n'))).ok).toBe(true);
    const mailer = capturingMailer();
    await sendInvitations(t.storage.db, mailer, survey, (token) => `/i/${token}`, 'invitation', mailDefaults);
    const link = /\/i\/[A-Za-z0-9_-]+/.exec(mailer.sent[0]!.body)![0];
    const respondent = new Respondent(t.app);
    const start = await respondent.get(link);
    expect(text(start.body)).toContain('Your role group and directorate are filled in from the staff list your organisation invited you from');
    const started = await respondent.post(`${link}/start`);
    const first = await respondent.get(String(started.headers.location));
    expect(text(first.body)).toContain('Check them and change them if they are wrong');
    expect(first.body).toMatch(/value="manager" checked/);
    // Corrected by the respondent: what they choose is what is kept.
    await respondent.post(`${base}/q/about`, { action: 'continue', role: 'frontline', directorate: 'housing' });
    expect((await respondent.get(`${base}/q/about`)).body).toMatch(/value="frontline" checked/);
    // The open link's first page says nothing of a staff list.
    const open = new Respondent(t.app);
    await open.get(base);
    await open.post(`${base}/start`);
    expect(text((await open.get(`${base}/q/about`)).body)).not.toContain('staff list');
  });
});

describe('staff pages', () => {
  it('show inline errors with the summary on sign-in', async () => {
    const signIn = new Browser(t.app);
    await signIn.get('/sign-in');
    const refused = await signIn.post('/sign-in', { email: 'not-an-address', password: '' });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('<a href="#email">Enter an email address in the correct format, like name@example.org</a>');
    expect(refused.body).toMatch(/<p id="email-error" class="govuk-error-message">\s*<span class="govuk-visually-hidden">Error:<\/span> Enter an email address in the correct format/);
    expect(refused.body).toMatch(/<p id="password-error" class="govuk-error-message">\s*<span class="govuk-visually-hidden">Error:<\/span> Enter your password/);
  });

  it('show inline errors with the summary on the people page, and dates as 29 November 2026', async () => {
    const setup = await accountsApp();
    try {
      const lead = await userWithRoles(setup.storage.db, { [setup.organisationId]: 'org_admin' });
      const browser = new Browser(setup.app, lead.cookie);
      await browser.get(`/organisations/${setup.organisationId}/members`);
      const refused = await browser.post(`/organisations/${setup.organisationId}/members`, { email: 'nobody', name: '' });
      expect(refused.statusCode).toBe(422);
      expect(refused.body).toMatch(/<p id="email-error" class="govuk-error-message">/);
      expect(refused.body).toMatch(/<p id="role-error" class="govuk-error-message">\s*<span class="govuk-visually-hidden">Error:<\/span> Select a role/);

      const page = text((await browser.get(`/admin/surveys/${setup.survey.id}`)).body);
      const day = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' }).format(new Date());
      expect(page).toContain(`Opening (planned, or the day it opened) ${day}`);
      expect(page).not.toMatch(/\d{4}-\d{2}-\d{2}/);
      const audit = text((await browser.get(`/organisations/${setup.organisationId}/audit`)).body);
      expect(audit).toMatch(new RegExp(`${day}, \\d{2}:\\d{2}`));
    } finally {
      await setup.app.close();
    }
  });
});
