import { closeWave } from '../support/waves.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';

import { BROWSER_TEST_TIMEOUT, CHROMIUM_SKIP_REASON, chromiumAvailable, launchChromium, newPage, startApp, type BrowserApp } from './support/browser.js';
import type { BrowserDocument } from './support/dom.js';
import { JOURNEY_TIMEOUT, checkPage, englishStrings, journey, navigates, responseCount } from './support/respondent.js';

// Callbacks passed to page.evaluate run in the browser; its globals are declared for this module alone (see support/dom.ts).
declare const document: BrowserDocument;

describe.skipIf(!chromiumAvailable)(`Welsh in Chromium (${CHROMIUM_SKIP_REASON})`, () => {
  let server: BrowserApp;
  let browser: Browser;
  beforeAll(async () => {
    server = await startApp();
    browser = await launchChromium();
  }, BROWSER_TEST_TIMEOUT);
  afterAll(async () => {
    await browser?.close();
    await server?.app.close();
  });

  it('knows enough English to notice it on a Welsh page', () => {
    // The leak check below is only as good as this list.
    expect(englishStrings()).toEqual(expect.arrayContaining(['Skip to main content', 'Which of these best describes your role?', 'Check your answers before sending them']));
  });

  it(
    'switches to Welsh by the link on the page, remembers it, and completes the survey in Welsh with no English left',
    async () => {
      const before = await responseCount(server);
      const { context, page } = await newPage(browser);
      await page.goto(server.surveyUrl);
      expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
      const link = page.locator('a[hreflang="cy"]');
      expect(await link.getAttribute('lang')).toBe('cy');
      expect((await link.textContent())?.trim()).toBe('Cymraeg');
      await navigates(page, () => link.click());
      // Remembered: the plain link (no ?lang) stays in Welsh.
      await page.goto(server.surveyUrl);
      expect(await page.title()).toBe('Arolwg parodrwydd digidol – Sounding');
      await journey(page, 'mouse', { lang: 'cy', shots: 'welsh' });
      expect(await page.locator('.govuk-panel__title').textContent()).toContain("Diolch, mae eich atebion wedi'u hanfon");
      expect(await responseCount(server)).toBe(before + 1);

      // And back to English by the "English" link.
      await page.goto(server.surveyUrl);
      await navigates(page, () => page.click('a[hreflang="en"]'));
      await checkPage(page, { lang: 'en' });
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'gives errors in Welsh: "Gwall: " title, Welsh summary and messages, Welsh resume error',
    async () => {
      const { context, page } = await newPage(browser);
      await page.goto(`${server.surveyUrl}?lang=cy`);
      await navigates(page, () => page.click('button.govuk-button--start'));
      await navigates(page, () => page.click('button[value="continue"]'));
      await checkPage(page, { lang: 'cy', errors: true, shot: 'welsh-errors' });
      expect(await page.locator('.govuk-error-summary__title').textContent()).toContain('Mae problem wedi codi');
      // The instrument's own Welsh message for a blank answer.
      expect(await page.locator('.govuk-error-summary__list').textContent()).toContain("Dewiswch y rôl sy'n disgrifio eich un chi orau");

      await page.goto(`${server.surveyUrl}/resume`);
      await navigates(page, () => page.click('form button'));
      await checkPage(page, { lang: 'cy', errors: true, shot: 'welsh-resume-error' });
      expect(await page.locator('.govuk-error-summary__list').textContent()).toContain('Rhowch eich cod ailddechrau');
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'shows the accessibility statement and error pages in Welsh, and staff pages stay English with no switch',
    async () => {
      const { context, page } = await newPage(browser);
      await page.goto(`${server.baseUrl}/accessibility?lang=cy`);
      await checkPage(page, { lang: 'cy', shot: 'welsh-accessibility' });
      expect(await page.locator('h2').allTextContents()).toEqual(expect.arrayContaining(['Gweithdrefn orfodi', 'Rhoi gwybod am broblemau hygyrchedd']));
      await page.goto(`${server.baseUrl}/no-such-page`);
      await checkPage(page, { lang: 'cy', shot: 'welsh-not-found' });
      await page.goto(`${server.baseUrl}/surveys/${server.survey.id}/results`);
      expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
      expect(await page.locator('a[hreflang]').count()).toBe(0);
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'writes the closing date of a closed survey in Welsh',
    async () => {
      await closeWave(server.storage.db, server.survey.id);
      // Closing records today; a fixed date makes the words checkable.
      await server.storage.db.updateTable('survey').set({ closes_on: '2026-11-24' }).where('id', '=', server.survey.id).execute();
      const { context, page } = await newPage(browser);
      await page.goto(`${server.surveyUrl}?lang=cy`);
      await checkPage(page, { lang: 'cy', shot: 'welsh-closed' });
      expect(await page.locator('main').textContent()).toContain('Caeodd ar 24 Tachwedd 2026.');
      await page.goto(`${server.surveyUrl}?lang=en`);
      expect(await page.locator('main').textContent()).toContain('It closed on 24 November 2026.');
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );
});
