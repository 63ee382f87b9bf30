import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { MESSAGE_KEYS, message } from '../../../src/web/messages.js';
import { standardInstrument } from '../../support/app.js';
import type { BrowserDocument } from './dom.js';
import { BROWSER_TEST_TIMEOUT, NARROW, describeViolations, horizontalOverflow, runAxe, screenshot, unlabelledControls, type BrowserApp } from './browser.js';

/**
 * A respondent in the browser: page checks run on every page of every journey, and the
 * moves (mouse or keyboard) that answer the standard instrument.
 */

// Callbacks passed to page.evaluate run in the browser; its globals are declared for this module alone (see support/dom.ts).
declare const document: BrowserDocument;

/** A whole journey through the standard instrument, with every page checked, takes a while on 2 cores. */
export const JOURNEY_TIMEOUT = 4 * BROWSER_TEST_TIMEOUT;

export type Mode = 'mouse' | 'keyboard';

export interface PageCheck {
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
export async function checkPage(page: Page, { lang = 'en', errors = false, shot, dataTables = false }: PageCheck = {}): Promise<string> {
  const where = new URL(page.url()).pathname;
  const violations = await runAxe(page);
  expect(violations, `axe on ${where}:\n${describeViolations(violations)}`).toEqual([]);
  expect(await unlabelledControls(page), `controls without a visible label on ${where}`).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.lang), `lang on ${where}`).toBe(lang);
  const title = await page.title();
  const prefix = lang === 'cy' ? 'Gwall: ' : 'Error: ';
  expect(title.startsWith(prefix), `title "${title}" on ${where}`).toBe(errors);
  expect(await page.locator('footer a[href="/accessibility"]').count(), `accessibility statement link on ${where}`).toBe(1);
  if (lang === 'cy') {
    const text: string = await page.evaluate(() => document.body.innerText);
    expect(
      englishStrings().filter((english) => text.includes(english)),
      `English left on the Welsh page ${where}`,
    ).toEqual([]);
  }
  const viewport = page.viewportSize();
  await page.setViewportSize(NARROW);
  expect(await horizontalOverflow(page, { exceptDataTables: dataTables }), `horizontal scrolling at 320 px on ${where}`).toBe(0);
  if (viewport) await page.setViewportSize(viewport);
  if (shot) await screenshot(page, shot);
  return title;
}

/** Waits for the page load a click or key press starts. */
export async function navigates(page: Page, action: () => Promise<unknown>): Promise<void> {
  await Promise.all([page.waitForNavigation(), action()]);
}

/** Presses Tab until the element has focus: proves it is reachable by keyboard, in order. */
export async function tabTo(page: Page, selector: string, limit = 250): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${selector} not reached by ${limit} presses of Tab on ${page.url()}`);
}

/** The visible, answerable fields on a section page, one per name, in page order. */
export async function fieldsOnPage(page: Page) {
  return page.evaluate(() => {
    const seen = new Set<string>();
    const fields: { id: string; name: string; type: string }[] = [];
    const controls = Array.from(document.querySelectorAll('form input, form textarea'));
    for (const el of controls) {
      if (el.type === 'hidden' || seen.has(el.name) || !el.checkVisibility()) continue;
      seen.add(el.name);
      fields.push({ id: el.id, name: el.name, type: el.tagName === 'TEXTAREA' ? 'textarea' : el.type });
    }
    return fields;
  });
}

/** Answers every question on the page: the first option of each choice, a number, some text. */
export async function answerPage(page: Page, mode: Mode): Promise<void> {
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

export async function pressButton(page: Page, mode: Mode, selector: string): Promise<void> {
  if (mode === 'mouse') return navigates(page, () => page.click(selector));
  await tabTo(page, selector);
  await navigates(page, () => page.keyboard.press('Enter'));
}

export async function responseCount(server: BrowserApp): Promise<number> {
  const row = await server.storage.db
    .selectFrom('response')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('survey_id', '=', server.survey.id)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Start to confirmation; returns each distinct page's title by path. */
export async function journey(page: Page, mode: Mode, options: { shots?: string; lang?: 'en' | 'cy' } = {}): Promise<Map<string, string>> {
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

let english: string[] | undefined;

/**
 * English text that must not appear on a Welsh page: every service message (only the
 * product name is the same in both languages, so one left untranslated is caught too) and
 * the standard instrument's strings whose Welsh differs. Placeholders are cut out (the
 * longest fixed part is kept); very short strings are skipped as they occur inside words.
 */
export function englishStrings(): string[] {
  if (english) return english;
  const found = new Set<string>();
  const add = (en: string) => {
    const longest = en
      .split(/%?\{\w+\}/)
      .sort((a, b) => b.length - a.length)[0]!
      .trim();
    if (longest.length >= 8) found.add(longest);
  };
  for (const key of MESSAGE_KEYS) if (key !== 'serviceName') add(message('en', key));
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    if (typeof record.en === 'string' && typeof record.cy === 'string' && record.en !== record.cy) add(record.en);
    Object.values(record).forEach(walk);
  };
  walk(standardInstrument());
  english = [...found];
  return english;
}
