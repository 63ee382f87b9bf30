import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { generateResponses } from '../../src/admin/demo.js';
import { standardInstrument } from '../support/app.js';
import {
  BROWSER_TEST_TIMEOUT,
  CHROMIUM_SKIP_REASON,
  NARROW,
  chromiumAvailable,
  describeViolations,
  horizontalOverflow,
  launchChromium,
  newPage,
  runAxe,
  screenshot,
  startApp,
  unlabelledControls,
  type BrowserApp,
} from './support/browser.js';

// Callbacks passed to page.evaluate run in the browser; its globals are declared for this module alone (see support/browser.ts).
declare const document: any;
declare const window: any;

/** A whole journey through the standard instrument, with every page checked, takes a while on 2 cores. */
const JOURNEY_TIMEOUT = 4 * BROWSER_TEST_TIMEOUT;

type Mode = 'mouse' | 'keyboard';

interface PageCheck {
  lang?: 'en' | 'cy';
  errors?: boolean;
  /** Saves desktop and 320 px screenshots under this name. */
  shot?: string;
  /** Data tables may scroll sideways at 320 px (the WCAG 1.4.10 exception); nothing else may. */
  dataTables?: boolean;
}

/**
 * Everything checked on every page in every state: axe (WCAG 2.2 A/AA), then what axe
 * cannot see: a visible label on every control, the lang attribute, the title's error
 * prefix, and no horizontal scrolling at 320 px (WCAG 1.4.10).
 */
async function checkPage(page: Page, { lang = 'en', errors = false, shot, dataTables = false }: PageCheck = {}): Promise<string> {
  const where = new URL(page.url()).pathname;
  const violations = await runAxe(page);
  expect(violations, `axe on ${where}:\n${describeViolations(violations)}`).toEqual([]);
  expect(await unlabelledControls(page), `controls without a visible label on ${where}`).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.lang), `lang on ${where}`).toBe(lang);
  const title = await page.title();
  const prefix = lang === 'cy' ? 'Gwall: ' : 'Error: ';
  expect(title.startsWith(prefix), `title "${title}" on ${where}`).toBe(errors);
  const viewport = page.viewportSize();
  await page.setViewportSize(NARROW);
  expect(await horizontalOverflow(page, { exceptDataTables: dataTables }), `horizontal scrolling at 320 px on ${where}`).toBe(0);
  if (viewport) await page.setViewportSize(viewport);
  if (shot) await screenshot(page, shot);
  return title;
}

/** Waits for the page load a click or key press starts. */
async function navigates(page: Page, action: () => Promise<unknown>): Promise<void> {
  await Promise.all([page.waitForNavigation(), action()]);
}

/** Presses Tab until the element has focus: proves it is reachable by keyboard, in order. */
async function tabTo(page: Page, selector: string, limit = 250): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((s) => (document.activeElement?.matches(s) ?? false) as boolean, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${selector} not reached by ${limit} presses of Tab on ${page.url()}`);
}

/** The visible, answerable fields on a section page, one per name, in page order. */
async function fieldsOnPage(page: Page) {
  return page.evaluate(() => {
    const seen = new Set<string>();
    const fields: { id: string; name: string; type: string }[] = [];
    const controls: any[] = Array.from(document.querySelectorAll('form input, form textarea'));
    for (const el of controls) {
      if (el.type === 'hidden' || seen.has(el.name) || !el.checkVisibility()) continue;
      seen.add(el.name);
      fields.push({ id: el.id, name: el.name, type: el.tagName === 'TEXTAREA' ? 'textarea' : el.type });
    }
    return fields;
  });
}

/** Answers every question on the page: the first option of each choice, a number, some text. */
async function answerPage(page: Page, mode: Mode): Promise<void> {
  for (const field of await fieldsOnPage(page)) {
    const selector = `#${field.id}`;
    if (field.type === 'radio' || field.type === 'checkbox') {
      if (mode === 'mouse') await page.click(`label[for="${field.id}"]`);
      else {
        await tabTo(page, selector);
        await page.keyboard.press('Space');
      }
      expect(await page.isChecked(selector), `${field.id} chosen by ${mode}`).toBe(true);
    } else {
      const value = field.type === 'textarea' ? 'More time to learn the new systems' : '5';
      if (mode === 'mouse') await page.click(selector);
      else await tabTo(page, selector);
      await page.keyboard.type(value);
    }
  }
}

async function pressButton(page: Page, mode: Mode, selector: string): Promise<void> {
  if (mode === 'mouse') return navigates(page, () => page.click(selector));
  await tabTo(page, selector);
  await navigates(page, () => page.keyboard.press('Enter'));
}

async function responseCount(server: BrowserApp): Promise<number> {
  const row = await server.storage.db.selectFrom('response').select((eb) => eb.fn.countAll<number>().as('n')).where('survey_id', '=', server.survey.id).executeTakeFirstOrThrow();
  return Number(row.n);
}

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

  /** Start to confirmation; returns each distinct page's title by path. */
  async function journey(page: Page, mode: Mode, options: { shots?: string; lang?: 'en' | 'cy' } = {}) {
    const lang = options.lang ?? 'en';
    const titles = new Map<string, string>();
    const visit = async (name: string, errors = false) => {
      const title = await checkPage(page, { lang, errors, shot: options.shots && `${options.shots}-${name}` });
      titles.set(new URL(page.url()).pathname, title);
    };
    await visit('start');
    await pressButton(page, mode, 'button.govuk-button--start');
    let step = 0;
    while (new URL(page.url()).pathname.includes('/q/')) {
      expect(++step, 'sections never end').toBeLessThan(30);
      await visit(`section-${new URL(page.url()).pathname.split('/').pop()}`);
      await answerPage(page, mode);
      await pressButton(page, mode, 'button[value="continue"]');
      expect(await page.locator('.govuk-error-summary').count(), `no errors after answering ${page.url()}`).toBe(0);
    }
    expect(new URL(page.url()).pathname).toMatch(/\/check$/);
    await visit('check');
    await pressButton(page, mode, 'form[action$="/submit"] button');
    expect(new URL(page.url()).pathname).toMatch(/\/done$/);
    await visit('done');
    return titles;
  }

  it('completes the survey by mouse: one response stored, every page passes axe and has a unique title', async () => {
    const before = await responseCount(server);
    const { context, page } = await newPage(browser);
    await page.goto(server.surveyUrl);
    const titles = await journey(page, 'mouse', { shots: 'mouse' });
    expect(titles.size).toBeGreaterThan(8);
    expect(new Set(titles.values()).size, `titles: ${[...titles.values()].join(' | ')}`).toBe(titles.size);
    expect(await responseCount(server)).toBe(before + 1);
    await context.close();
  }, JOURNEY_TIMEOUT);

  it('completes the survey by keyboard only (Tab, Space and Enter)', async () => {
    const before = await responseCount(server);
    const { context, page } = await newPage(browser);
    await page.goto(server.surveyUrl);
    // The skip link is the first thing Tab reaches, and it moves focus to the content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Skip to main content');
    await journey(page, 'keyboard');
    expect(await responseCount(server)).toBe(before + 1);
    await context.close();
  }, JOURNEY_TIMEOUT);

  it('completes the survey with JavaScript disabled', async () => {
    const before = await responseCount(server);
    const { context, page } = await newPage(browser, { javaScript: false });
    await page.goto(server.surveyUrl);
    expect(await page.evaluate(() => document.body.classList.contains('js-enabled'))).toBe(false);
    await journey(page, 'mouse', { shots: 'nojs' });
    expect(await responseCount(server)).toBe(before + 1);
    await context.close();
  }, JOURNEY_TIMEOUT);

  it('shows every error in a summary that takes focus, each link moving focus to its field', async () => {
    const { context, page } = await newPage(browser);
    await page.goto(server.surveyUrl);
    await navigates(page, () => page.click('button.govuk-button--start'));
    const okTitle = await checkPage(page);
    await navigates(page, () => page.click('button[value="continue"]'));
    const errorTitle = await checkPage(page, { errors: true, shot: 'errors-section' });
    expect(errorTitle).toBe(`Error: ${okTitle}`);
    expect(await page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary'))).toBe(true);
    const links = await page.locator('.govuk-error-summary__list a').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href')!, text: a.textContent!.trim() })));
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      // Each summary message is also shown at its field.
      expect(await page.locator(`.govuk-error-message:has-text("${link.text}")`).count(), link.text).toBeGreaterThan(0);
      await page.click(`.govuk-error-summary__list a[href="${link.href}"]`);
      expect(await page.evaluate(() => document.activeElement?.id), `focus after ${link.href}`).toBe(link.href.slice(1));
    }
    await context.close();
  }, JOURNEY_TIMEOUT);

  it('error summary links jump to the field without JavaScript too', async () => {
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
  }, JOURNEY_TIMEOUT);

  it('saves for later and resumes on another device with the code, answers kept; a wrong code is a clear error', async () => {
    const { context, page } = await newPage(browser);
    await page.goto(server.surveyUrl);
    await navigates(page, () => page.click('button.govuk-button--start'));
    const firstSection = page.url();
    await answerPage(page, 'mouse');
    const chosen = await page.locator('form input:checked').evaluateAll((els) => els.map((e) => e.id));
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
    expect(await other.page.locator('form input:checked').evaluateAll((els) => els.map((e) => e.id))).toEqual(chosen);
    await other.context.close();
  }, JOURNEY_TIMEOUT);

  it('works at 200% zoom: no horizontal scrolling and the buttons in view', async () => {
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
  }, JOURNEY_TIMEOUT);

  it('shows results with zero axe violations, and the other pages of the service', async () => {
    await generateResponses(server.storage.db, { id: server.survey.id, instrumentVersionId: server.survey.instrumentVersionId, definition: standardInstrument() }, 60);
    const { context, page } = await newPage(browser);
    await page.goto(`${server.baseUrl}/surveys/${server.survey.id}/results`);
    expect(await page.locator('table').count()).toBeGreaterThan(0);
    await checkPage(page, { shot: 'results', dataTables: true });
    await page.goto(server.baseUrl);
    await checkPage(page, { shot: 'home', dataTables: true });
    for (const [path, shot] of [['/accessibility', 'accessibility'], ['/no-such-page', 'not-found'], ['/s/nosuchsurvey', 'survey-not-found']] as const) {
      await page.goto(`${server.baseUrl}${path}`);
      await checkPage(page, { shot });
    }
    await context.close();
  }, JOURNEY_TIMEOUT);
});
