import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { BrowserDocument } from './support/dom.js';
import { BROWSER_TEST_TIMEOUT, CHROMIUM_SKIP_REASON, chromiumAvailable, launchChromium, newPage, runAxe, screenshot, startApp, type BrowserApp } from './support/browser.js';

// Callbacks passed to page.evaluate run in the browser; its globals are declared for this module alone (see support/dom.ts).
declare const document: BrowserDocument;

describe.skipIf(!chromiumAvailable)(`browser test support (${CHROMIUM_SKIP_REASON})`, () => {
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
    'serves the app to Chromium, runs axe and writes both screenshots',
    async () => {
      const { context, page } = await newPage(browser);
      await page.goto(server.surveyUrl);
      await expect(page.title()).resolves.toMatch(/Digital readiness survey/);
      // axe must actually run: a page with a known problem reports it.
      await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<img src="/x.png">'));
      expect((await runAxe(page)).map((v) => v.id)).toContain('image-alt');
      const files = await screenshot(page, 'support-smoke');
      expect(files.every((f) => existsSync(f))).toBe(true);
      await context.close();
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    'runs axe with JavaScript disabled in the page',
    async () => {
      const { context, page } = await newPage(browser, { javaScript: false });
      await page.goto(server.surveyUrl);
      expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
      await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<img src="/x.png">'));
      expect((await runAxe(page)).map((v) => v.id)).toContain('image-alt');
      await context.close();
    },
    BROWSER_TEST_TIMEOUT,
  );
});
