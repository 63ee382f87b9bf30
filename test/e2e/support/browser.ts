import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TDefinition } from '../../../src/instrument/definition.js';
import { testApp, type TestApp } from '../../support/app.js';
import type { BrowserDocument, BrowserElement, BrowserWindow } from './dom.js';

// Callbacks passed to page.evaluate run in the browser; its globals are declared for this module alone (see dom.ts).
declare const document: BrowserDocument;
declare const window: BrowserWindow;

/**
 * Shared support for real-browser tests: the app listening on a free local port over a
 * fresh SQLite database, Debian's Chromium driven by playwright-core, axe-core and
 * screenshots. Browser test files are test/e2e/*.test.ts and skip themselves with
 * `describe.skipIf(!chromiumAvailable)(\`... (${CHROMIUM_SKIP_REASON})\`, ...)`.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM_PATH);
export const CHROMIUM_SKIP_REASON = `skipped when there is no Chromium at ${CHROMIUM_PATH}`;

/** Generous: a page load on a busy 2-core machine can take seconds. Pass as the test timeout. */
export const BROWSER_TEST_TIMEOUT = 120_000;

export const SCREENSHOT_DIR = 'test-output/screenshots';

/** The widths every page must work at: a desktop and the 320 CSS px of WCAG 1.4.10 (reflow). */
export const DESKTOP = { width: 1280, height: 800 } as const;
export const NARROW = { width: 320, height: 640 } as const;
/** A common phone (375 CSS px wide): with NARROW, the widths results pages are checked at. */
export const PHONE = { width: 375, height: 667 } as const;

export interface BrowserApp extends TestApp {
  /** e.g. http://127.0.0.1:41234, no trailing slash. */
  baseUrl: string;
  /** The survey's respondent link. */
  surveyUrl: string;
}

/** The app on a fresh SQLite database with one open survey (the standard instrument unless given), listening on 127.0.0.1. */
export async function startApp(definition?: TDefinition): Promise<BrowserApp> {
  const test = await testApp(definition);
  await test.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = test.app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return { ...test, baseUrl, surveyUrl: `${baseUrl}/s/${test.survey.slug}` };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface PageOptions {
  /** CSS pixel viewport; DESKTOP unless given. */
  viewport?: { width: number; height: number };
  /** false for the no-JavaScript journey. */
  javaScript?: boolean;
  /**
   * Browser zoom, e.g. 2 for 200%. Chromium's zoom is a smaller CSS viewport drawn at a
   * higher device scale, which is what this sets up.
   */
  zoom?: number;
}

const withoutJavaScript = new WeakSet<BrowserContext>();

/** A new page in its own context (own cookies), so tests never share a respondent. */
export async function newPage(browser: Browser, options: PageOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const zoom = options.zoom ?? 1;
  const viewport = options.viewport ?? DESKTOP;
  const context = await browser.newContext({
    viewport: { width: Math.round(viewport.width / zoom), height: Math.round(viewport.height / zoom) },
    deviceScaleFactor: zoom,
    javaScriptEnabled: options.javaScript ?? true,
  });
  if (options.javaScript === false) withoutJavaScript.add(context);
  return { context, page: await context.newPage() };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] as const;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * axe-core's WCAG 2.0/2.1/2.2 A and AA rules on the page as it is now. Injected through
 * the DevTools protocol (page.evaluate), which a page's Content-Security-Policy does not
 * block. With JavaScript disabled the page's timers never fire and axe.run would hang, so
 * the rendered HTML, scripts removed (they never ran), is checked at the same address in
 * a scripting context, with the same viewport and the app's own stylesheets.
 */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  if (!withoutJavaScript.has(page.context())) return axeInPage(page);
  const html = (await page.content()).replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '');
  const url = page.url();
  const copy = await page
    .context()
    .browser()!
    .newContext({ viewport: page.viewportSize() ?? DESKTOP });
  try {
    const twin = await copy.newPage();
    await twin.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await twin.goto(url);
    return await axeInPage(twin);
  } finally {
    await copy.close();
  }
}

async function axeInPage(page: Page): Promise<AxeViolation[]> {
  return page.evaluate(
    async ({ source, tags }) => {
      if (!window.axe) (0, eval)(source);
      const result = await window.axe!.run(document, {
        runOnly: { type: 'tag', values: tags },
        resultTypes: ['violations'],
      });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }));
    },
    { source: axeSource, tags: [...WCAG_TAGS] },
  );
}

/** One line per violation, for assertion messages that say what to fix. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations.map((v) => `${v.id} (${v.impact ?? 'n/a'}): ${v.help} at ${v.targets.join(', ')}`).join('\n');
}

/**
 * Full-page PNGs of the page as it is now, at desktop width and at 320 px, in
 * test-output/screenshots/<name>-desktop.png and <name>-320.png (git-ignored) for a
 * reviewer. The viewport is put back afterwards.
 */
export async function screenshot(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const original = page.viewportSize() ?? DESKTOP;
  const files: string[] = [];
  for (const [suffix, size] of [
    ['desktop', DESKTOP],
    ['320', NARROW],
  ] as const) {
    await page.setViewportSize(size);
    const file = join(SCREENSHOT_DIR, `${name.replace(/[^a-z0-9_-]+/gi, '-')}-${suffix}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  }
  await page.setViewportSize(original);
  return files;
}

/**
 * Form controls with no visible label, which axe does not catch (a visually hidden label
 * satisfies it). A control counts as labelled when one of its <label>s is rendered with a
 * size and is not visually hidden. Returns the offenders' ids or names.
 */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const shown = (el: BrowserElement) => {
      const box = el.getBoundingClientRect();
      return el.checkVisibility({ visibilityProperty: true }) && box.width > 1 && box.height > 1 && !el.closest('.govuk-visually-hidden');
    };
    const controls = Array.from(document.querySelectorAll('input, textarea, select'));
    return controls
      .filter((el) => el.type !== 'hidden' && el.checkVisibility())
      .filter((el) => !Array.from(el.labels ?? []).some(shown))
      .map((el): string => el.id || el.name);
  });
}

/**
 * How many CSS pixels the page is wider than the viewport (0 when there is no horizontal
 * scrolling). With exceptDataTables, content inside <table> is left out: WCAG 1.4.10
 * exempts content that needs two dimensions, such as a data table, from reflow.
 */
export async function horizontalOverflow(page: Page, { exceptDataTables = false } = {}): Promise<number> {
  return page.evaluate((exceptTables) => {
    const width = document.documentElement.clientWidth;
    if (!exceptTables) return Math.max(0, document.documentElement.scrollWidth - width);
    const elements = Array.from(document.body.querySelectorAll('*'));
    const rights = elements.filter((el) => !el.closest('table')).map((el): number => el.getBoundingClientRect().right + window.scrollX);
    return Math.max(0, Math.ceil(Math.max(...rights) - width));
  }, exceptDataTables);
}
