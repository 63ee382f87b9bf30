import { closeWave, TEST_ACTOR } from '../support/waves.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { generateResponses } from '../../src/admin/demo.js';

import { userWithRoles } from '../support/accounts.js';
import { BROWSER_TEST_TIMEOUT, CHROMIUM_SKIP_REASON, chromiumAvailable, horizontalOverflow, launchChromium, newPage, startApp, type BrowserApp } from './support/browser.js';
import type { BrowserDocument, BrowserElement, BrowserWindow } from './support/dom.js';
import { JOURNEY_TIMEOUT, answerPage, checkPage, journey, navigates, responseCount } from './support/respondent.js';

// Callbacks passed to page.evaluate run in the browser; its globals are declared for this module alone (see support/dom.ts).
declare const document: BrowserDocument;
declare const window: BrowserWindow;

describe.skipIf(!chromiumAvailable)(`respondent journey in Chromium (${CHROMIUM_SKIP_REASON})`, () => {
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

  it(
    'completes the survey by mouse: one response stored, every page passes axe and has a unique title',
    async () => {
      const before = await responseCount(server);
      const { context, page } = await newPage(browser);
      await page.goto(server.surveyUrl);
      const titles = await journey(page, 'mouse', { shots: 'mouse' });
      expect(titles.size).toBeGreaterThan(8);
      expect(new Set(titles.values()).size, `titles: ${[...titles.values()].join(' | ')}`).toBe(titles.size);
      expect(await responseCount(server)).toBe(before + 1);
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'completes the survey by keyboard only (Tab, Space and Enter)',
    async () => {
      const before = await responseCount(server);
      const { context, page } = await newPage(browser);
      await page.goto(server.surveyUrl);
      // The skip link is the first thing Tab reaches, and it moves focus to the content.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Skip to main content');
      await journey(page, 'keyboard');
      expect(await responseCount(server)).toBe(before + 1);
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'completes the survey with JavaScript disabled',
    async () => {
      const before = await responseCount(server);
      const { context, page } = await newPage(browser, { javaScript: false });
      await page.goto(server.surveyUrl);
      expect(await page.evaluate(() => document.body.classList.contains('js-enabled'))).toBe(false);
      await journey(page, 'mouse', { shots: 'nojs' });
      expect(await responseCount(server)).toBe(before + 1);
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'shows every error in a summary that takes focus, each link moving focus to its field',
    async () => {
      const { context, page } = await newPage(browser);
      await page.goto(server.surveyUrl);
      await navigates(page, () => page.click('button.govuk-button--start'));
      const okTitle = await checkPage(page);
      await navigates(page, () => page.click('button[value="continue"]'));
      const errorTitle = await checkPage(page, { errors: true, shot: 'errors-section' });
      expect(errorTitle).toBe(`Error: ${okTitle}`);
      expect(await page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary'))).toBe(true);
      expect(await page.locator('.govuk-error-summary__list').textContent()).toContain('Select the role that best describes yours');
      const links = await page.locator('.govuk-error-summary__list a').evaluateAll((as: BrowserElement[]) => as.map((a) => ({ href: a.getAttribute('href')!, text: a.textContent!.trim() })));
      expect(links.length).toBeGreaterThan(0);
      for (const link of links) {
        // Each summary message is also shown at its field.
        expect(await page.locator(`.govuk-error-message:has-text("${link.text}")`).count(), link.text).toBeGreaterThan(0);
        await page.click(`.govuk-error-summary__list a[href="${link.href}"]`);
        expect(await page.evaluate(() => document.activeElement?.id), `focus after ${link.href}`).toBe(link.href.slice(1));
      }
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'error summary links jump to the field without JavaScript too',
    async () => {
      const { context, page } = await newPage(browser, { javaScript: false });
      await page.goto(server.surveyUrl);
      await navigates(page, () => page.click('button.govuk-button--start'));
      await navigates(page, () => page.click('button[value="continue"]'));
      await checkPage(page, { errors: true, shot: 'errors-section-nojs' });
      const href = await page.locator('.govuk-error-summary__list a').first().getAttribute('href');
      await page.click(`.govuk-error-summary__list a[href="${href}"]`);
      expect(new URL(page.url()).hash).toBe(href);
      expect(await page.locator(href!).count()).toBe(1);
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'saves for later and resumes on another device with the code, answers kept; a wrong code is a clear error',
    async () => {
      const { context, page } = await newPage(browser);
      await page.goto(server.surveyUrl);
      await navigates(page, () => page.click('button.govuk-button--start'));
      const firstSection = page.url();
      await answerPage(page, 'mouse');
      const chosen = await page.locator('form input:checked').evaluateAll((els: BrowserElement[]) => els.map((e) => e.id));
      await navigates(page, () => page.click('button[value="continue"]'));
      await navigates(page, () => page.click('button[value="save"]'));
      await checkPage(page, { shot: 'saved' });
      const code = (await page.locator('.sounding-code').textContent())!.trim();
      expect(code).toMatch(/^[A-Z0-9]{8}$/);
      await context.close();

      const other = await newPage(browser);
      await other.page.goto(server.surveyUrl);
      await navigates(other.page, () => other.page.click('a[href$="/resume"]'));
      await checkPage(other.page, { shot: 'resume' });
      await other.page.fill('#code', 'ZZZZZZZZ');
      await navigates(other.page, () => other.page.click('form button'));
      await checkPage(other.page, { errors: true, shot: 'resume-error' });
      expect(await other.page.locator('.govuk-error-summary').textContent()).toContain('No unfinished answers match that code');
      await other.page.fill('#code', code.toLowerCase());
      await navigates(other.page, () => other.page.click('form button'));
      expect(other.page.url()).not.toBe(firstSection);
      expect(other.page.url()).toMatch(/\/q\//);
      await other.page.goto(firstSection);
      expect(await other.page.locator('form input:checked').evaluateAll((els: BrowserElement[]) => els.map((e) => e.id))).toEqual(chosen);
      await other.context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'works at 200% zoom: no horizontal scrolling and the buttons in view',
    async () => {
      const { context, page } = await newPage(browser, { zoom: 2 });
      await page.goto(server.surveyUrl);
      expect(await page.evaluate(() => window.innerWidth)).toBe(640);
      await checkPage(page);
      expect(await horizontalOverflow(page)).toBe(0);
      await navigates(page, () => page.click('button.govuk-button--start'));
      await checkPage(page, { shot: 'zoom-200-section' });
      expect(await horizontalOverflow(page)).toBe(0);
      const button = await page.locator('button[value="continue"]').boundingBox();
      expect(button!.x + button!.width).toBeLessThanOrEqual(640);
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'shows a clear, accessible page when a form has expired (its security cookie is gone)',
    async () => {
      const { context, page } = await newPage(browser);
      await page.goto(server.surveyUrl);
      await navigates(page, () => page.click('button.govuk-button--start'));
      await context.clearCookies({ name: '_csrf' });
      await navigates(page, () => page.click('button[value="continue"]'));
      await checkPage(page, { shot: 'expired' });
      expect(await page.locator('h1').textContent()).toBe('Your session has expired');
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );

  it(
    'shows results with zero axe violations, and the other pages of the service',
    async () => {
      await generateResponses(server.storage.db, TEST_ACTOR, server.survey.id, 60);
      const { context, page } = await newPage(browser);
      // Results are for the organisation's staff: sign in as a viewer.
      const { organisation_id } = await server.storage.db.selectFrom('survey').select('organisation_id').where('id', '=', server.survey.id).executeTakeFirstOrThrow();
      const [name, value] = (await userWithRoles(server.storage.db, { [organisation_id]: 'viewer' })).cookie.split('=');
      await context.addCookies([{ name: name!, value: value!, url: server.baseUrl }]);
      // While the survey is open its results are not published (they would move with each answer).
      await page.goto(`${server.baseUrl}/surveys/${server.survey.id}/results`);
      expect(await page.locator('h1').textContent()).toContain('not published yet');
      expect(await page.locator('table').count()).toBe(0);
      await checkPage(page, { shot: 'results-not-yet' });
      await closeWave(server.storage.db, server.survey.id);
      await page.goto(`${server.baseUrl}/surveys/${server.survey.id}/results`);
      expect(await page.locator('table').count()).toBeGreaterThan(0);
      await checkPage(page, { shot: 'results', dataTables: true });
      await page.goto(server.baseUrl);
      await checkPage(page, { shot: 'home', dataTables: true });
      for (const [path, shot] of [
        ['/accessibility', 'accessibility'],
        ['/no-such-page', 'not-found'],
        ['/s/nosuchsurvey', 'survey-not-found'],
      ] as const) {
        await page.goto(`${server.baseUrl}${path}`);
        await checkPage(page, { shot });
      }
      await context.close();
    },
    JOURNEY_TIMEOUT,
  );
});
