/**
 * Respondent page weight and render time. Weight is what Debian's Chromium actually fetches
 * on a cold cache (HTML, CSS, fonts, images, and with JavaScript on, the scripts), measured
 * with JavaScript off and on, for the start page, the first question page and the page with
 * the most questions. Render time is the server's time to answer the page (median of
 * BENCH_PAGES_RUNS, default 50 (2 with --smoke), through inject, after warm-up).
 *
 * Target: under 30 KB without JavaScript. The app sends no compressed responses today (no
 * compression plugin is installed), so the CSS and fonts dominate; see the README.
 */
import type { Browser } from 'playwright-core';
import { keepShownAnswers } from '../src/fieldwork/journey.js';
import { seededRandom, syntheticAnswers } from '../src/fieldwork/synthetic.js';
import { CHROMIUM_SKIP_REASON, chromiumAvailable, launchChromium, startApp } from '../test/e2e/support/browser.js';
import { Respondent, answerAll, standardInstrument } from '../test/support/app.js';
import type { SuiteOptions, SuiteResult } from './run.js';
import { median, setting } from './support.js';

const definition = standardInstrument();

/** Bytes fetched (bodies and headers) loading `url` in a fresh context, with the given cookies. */
async function weigh(browser: Browser, url: string, javaScriptEnabled: boolean, cookies: { name: string; value: string; url: string }[]) {
  const context = await browser.newContext({ javaScriptEnabled });
  await context.addCookies(cookies);
  const page = await context.newPage();
  const sizes: Promise<{ type: string; bytes: number }>[] = [];
  page.on('requestfinished', (request) => sizes.push(request.sizes().then((s) => ({ type: request.resourceType(), bytes: s.responseBodySize + s.responseHeadersSize }))));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForLoadState('networkidle');
  const fetched = await Promise.all(sizes);
  await context.close();
  const kb = (type?: string) => (fetched.filter((f) => !type || f.type === type).reduce((sum, f) => sum + f.bytes, 0) / 1024).toFixed(1);
  return { total: kb(), html: kb('document'), css: kb('stylesheet'), fonts: kb('font'), requests: fetched.length };
}

export async function run(options: SuiteOptions): Promise<SuiteResult> {
  const runs = Number(setting('BENCH_PAGES_RUNS', { full: '50', smoke: '2' }, options));
  if (!chromiumAvailable) return { name: 'Respondent pages', rows: [{ note: CHROMIUM_SKIP_REASON }] };
  const app = await startApp(definition);
  const browser = await launchChromium();
  try {
    const base = `/s/${app.survey.slug}`;
    // A respondent with an answer session, so question pages can be fetched.
    const respondent = new Respondent(app.app);
    const answers = keepShownAnswers(definition, syntheticAnswers(definition, seededRandom(3)));
    const { visited } = await answerAll(respondent, definition, base, answers);
    const largest = [...definition.sections].sort((a, b) => b.questions.length - a.questions.length)[0]!.code;
    const cookies = respondent.cookieEntries().map(([name, value]) => ({ name, value, url: app.baseUrl }));

    const pages = [
      { page: 'start', path: base },
      { page: `first question page (${visited[0]})`, path: `${base}/q/${visited[0]}` },
      { page: `largest section (${largest})`, path: `${base}/q/${largest}` },
      { page: 'check answers', path: `${base}/check` },
    ];
    const rows: SuiteResult['rows'] = [];
    for (const { page, path } of pages) {
      const withoutJs = await weigh(browser, `${app.baseUrl}${path}`, false, cookies);
      const withJs = await weigh(browser, `${app.baseUrl}${path}`, true, cookies);
      const times: number[] = [];
      for (let i = 0; i < runs + 5; i++) {
        const start = process.hrtime.bigint();
        const response = await respondent.get(path);
        if (response.statusCode !== 200) throw new Error(`${path} answered ${response.statusCode}`);
        if (i >= 5) times.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      rows.push({
        page,
        'KB without JS': withoutJs.total,
        'of which HTML/CSS/fonts': `${withoutJs.html}/${withoutJs.css}/${withoutJs.fonts}`,
        'requests without JS': withoutJs.requests,
        'KB with JS': withJs.total,
        'requests with JS': withJs.requests,
        'median render ms': median(times).toFixed(1),
      });
    }
    return { name: 'Respondent pages, cold cache, as fetched by Chromium (target: < 30 KB without JS)', rows };
  } finally {
    await browser.close();
    await app.app.close();
  }
}
