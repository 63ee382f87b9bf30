import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateResponses } from '../../src/admin/demo.js';
import { memberCookie } from '../support/accounts.js';
import { closeWave, TEST_ACTOR } from '../support/waves.js';
import type { BrowserDocument, BrowserElement } from './support/dom.js';
import { BROWSER_TEST_TIMEOUT, CHROMIUM_SKIP_REASON, chromiumAvailable, launchChromium, newPage, startApp, type BrowserApp } from './support/browser.js';

// Callbacks passed to page.evaluate run in the browser (see support/dom.ts).
declare const document: BrowserDocument & { createRange: () => { selectNodeContents: (node: unknown) => void; getClientRects: () => ArrayLike<{ top: number }> } };

/**
 * The PDF of the standard instrument's report for a published wave of 600 generated responses,
 * read with Debian's poppler-utils: its pages, tags and outline (pdfinfo, pdftohtml), its
 * words (pdftotext), and each page drawn to a PNG (pdftoppm) to measure how much of it is
 * used. The PDF and the pages are kept in test-output/pdf for a reviewer.
 */
const POPPLER = ['pdfinfo', 'pdftoppm', 'pdftohtml', 'pdftotext'] as const;
const missingTools = POPPLER.filter((tool) => spawnSync(tool, ['-v']).error !== undefined);
const SKIP_REASON = `${CHROMIUM_SKIP_REASON}, or without ${POPPLER.join(', ')} (Debian's poppler-utils)${missingTools.length ? `: ${missingTools.join(', ')} missing` : ''}`;
const OUTPUT = 'test-output/pdf';
const RESPONSES = 600;
const MAX_PAGES = 16;
/**
 * The least share of a page, drawn at 40 dpi, that is not white (darker than 200 of 255 in some
 * colour): a full page of text is 8-15%, a quarter of one about 3%, a page holding only a
 * heading under 0.5%. The last page ends the report wherever its text does: it is held only to
 * a few lines (`LAST_PAGE_CHARACTERS`, more than any heading).
 */
const MIN_FILL = 0.03;
const LAST_PAGE_CHARACTERS = 120;
/** The footer on every page: "<organisation>: <wave>" and "Page n of N". */
const FOOTER = /Test Council: Wave 1|Page \d+ of \d+/g;

const poppler = (tool: (typeof POPPLER)[number], ...args: string[]) => execFileSync(tool, args, { encoding: 'utf8' });
/** One page's text. */
const pageText = (file: string, page: number | string) => poppler('pdftotext', '-f', String(page), '-l', String(page), file, '-');
/** Text without spaces: Chromium's outline and pdftotext each join a heading's wrapped lines their own way. */
const squeeze = (text: string) => text.replace(/\s+/g, '');

describe.skipIf(!chromiumAvailable || missingTools.length > 0)(`the report's PDF (${SKIP_REASON})`, () => {
  let app: BrowserApp;
  let cookie: string;
  let file: string;
  let pages: number;
  let html: string;

  beforeAll(async () => {
    app = await startApp();
    await generateResponses(app.storage.db, TEST_ACTOR, app.survey.id, RESPONSES, 1, 1000);
    await closeWave(app.storage.db, app.survey.id);
    cookie = await memberCookie(app.storage.db, app.survey.id);
    html = (await app.app.inject({ url: `/surveys/${app.survey.id}/report`, headers: { cookie } })).body;
    const pdf = await app.app.inject({ url: `/surveys/${app.survey.id}/report.pdf`, headers: { cookie } });
    expect(pdf.statusCode).toBe(200);
    rmSync(OUTPUT, { recursive: true, force: true });
    mkdirSync(OUTPUT, { recursive: true });
    file = join(OUTPUT, 'report.pdf');
    writeFileSync(file, pdf.rawPayload);
    pages = Number(/^Pages:\s+(\d+)$/m.exec(poppler('pdfinfo', file))?.[1]);
  }, BROWSER_TEST_TIMEOUT);
  afterAll(async () => app?.app.close());

  it(`is tagged, with at most ${MAX_PAGES} A4 pages`, () => {
    const info = poppler('pdfinfo', '-f', '1', '-l', String(pages), file);
    expect(info).toMatch(/^Tagged:\s+yes$/m);
    expect(pages).toBeGreaterThan(5);
    expect(pages).toBeLessThanOrEqual(MAX_PAGES);
    const sizes = [...info.matchAll(/^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts/gm)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(sizes).toHaveLength(pages);
    // A4 is 595.3 x 841.9 points; Chromium rounds to whole CSS pixels.
    for (const [width, height] of sizes) {
      expect(Math.abs(width! - 595.3)).toBeLessThan(1.5);
      expect(Math.abs(height! - 841.9)).toBeLessThan(1.5);
    }
  });

  it('has an outline (bookmarks) of the title, the headline findings, every section and its figures', () => {
    const outline = [...poppler('pdftohtml', '-xml', '-stdout', '-i', '-q', file).matchAll(/<item page="(\d+)">([^<]*)<\/item>/g)].map((m) => ({ page: Number(m[1]), title: squeeze(m[2]!) }));
    const headings = [...html.matchAll(/<h([123]) class="govuk-heading-[xlms]+"(?: id="[^"]*")?>([^<]+)<\/h\1>/g)]
      .map((m) => squeeze(m[2]!.replace(/&#39;/g, "'")))
      // The contents list is not printed: the outline stands in for it.
      .filter((heading) => heading !== 'Contents');
    expect(headings.length).toBeGreaterThan(10);
    expect(headings).toContain('Headlinefindings');
    expect(outline.map((item) => item.title)).toEqual(headings);
    for (const item of outline) expect(item.page).toBeLessThanOrEqual(pages);
  });

  it('opens with a cover naming the organisation, the wave, its dates and the number of responses', () => {
    const cover = pageText(file, 1).replace(/\s+/g, ' ');
    const date = String.raw`\d{1,2} [A-Z][a-z]+ \d{4}`;
    expect(cover).toMatch(/Digital readiness survey: Test Council/);
    expect(cover).toMatch(/Organisation Test Council/);
    expect(cover).toMatch(/Wave Wave 1/);
    expect(cover).toMatch(new RegExp(`Open for answers ${date} to ${date}`));
    expect(cover).toMatch(new RegExp(`Published ${date}`));
    expect(cover).toMatch(new RegExp(`Responses ${RESPONSES}`));
  });

  it('keeps every heading on the page of what follows it', () => {
    const outline = [...poppler('pdftohtml', '-xml', '-stdout', '-i', '-q', file).matchAll(/<item page="(\d+)">([^<]*)<\/item>/g)];
    for (const [, page, title] of outline) {
      // The page's text without its footer ("<organisation>: <wave>", "Page n of N").
      const text = squeeze(pageText(file, page!).replace(FOOTER, ''));
      const at = text.indexOf(squeeze(title!));
      expect(at, `${title} on page ${page}`).toBeGreaterThanOrEqual(0);
      expect(text.length - at - squeeze(title!).length, `what follows ${title} on page ${page}`).toBeGreaterThan(20);
    }
  });

  it('has no near-empty page', () => {
    execFileSync('pdftoppm', ['-r', '40', '-gray', '-png', file, join(OUTPUT, 'page')]);
    const drawn = readdirSync(OUTPUT)
      .filter((name) => name.endsWith('.png'))
      .sort();
    expect(drawn).toHaveLength(pages);
    const fills = drawn.map((name) => inkShare(readFileSync(join(OUTPUT, name))));
    for (const [i, fill] of fills.slice(0, -1).entries()) expect(fill, `page ${i + 1} of ${pages}: ${(100 * fill).toFixed(1)}% drawn on`).toBeGreaterThan(MIN_FILL);
    expect(squeeze(pageText(file, pages).replace(FOOTER, '')).length, 'characters on the last page').toBeGreaterThan(LAST_PAGE_CHARACTERS);
  });

  it(
    'never sets a row label or text a word a line: printed at A4 width, a cell of four words or more has at least two a line',
    async () => {
      let browser: Browser | undefined;
      try {
        browser = await launchChromium();
        // A4 less the PDF's side margins (12 mm each): 186 mm, 703 CSS px.
        const { context, page } = await newPage(browser, { viewport: { width: 703, height: 1000 } });
        const [name, value] = cookie.split('=') as [string, string];
        await context.addCookies([{ name, value, url: app.baseUrl }]);
        await page.emulateMedia({ media: 'print' });
        await page.goto(`${app.baseUrl}/surveys/${app.survey.id}/report`);
        // Headings over columns of figures are as narrow as the figures, and may wrap more.
        const cells = await page.locator('tbody th, tbody td:not(.govuk-table__cell--numeric)').evaluateAll((all: BrowserElement[]) =>
          all.flatMap((cell) => {
            const words = (cell.textContent ?? '').trim().split(/\s+/).length;
            if (words < 4) return [];
            const range = document.createRange();
            range.selectNodeContents(cell);
            const lines = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top))).size;
            return [{ text: (cell.textContent ?? '').trim().slice(0, 60), words, lines }];
          }),
        );
        expect(cells.length).toBeGreaterThan(100);
        for (const cell of cells) expect(cell.words / cell.lines, `${cell.text}: ${cell.words} words on ${cell.lines} lines`).toBeGreaterThanOrEqual(2);
      } finally {
        await browser?.close();
      }
    },
    BROWSER_TEST_TIMEOUT,
  );
});

/**
 * The share of a PNG's pixels that are not white (some channel under 200). Reads the 8-bit,
 * non-interlaced PNGs pdftoppm writes (grey or RGB, with or without alpha): the image data
 * inflated, each row unfiltered as the PNG specification says.
 */
function inkShare(png: Buffer): number {
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect(body[8], 'bit depth').toBe(8);
      expect(body[12], 'interlace').toBe(0);
      channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[body[9]!]!;
    } else if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  let previous = Buffer.alloc(stride);
  let ink = 0;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const row = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? row[x - channels]! : 0;
      const up = previous[x]!;
      const upLeft = x >= channels ? previous[x - channels]! : 0;
      const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][filter]!;
      row[x] = (row[x]! + predictor) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const colours = row.subarray(x * channels, x * channels + (channels >= 3 ? 3 : 1));
      if (Math.min(...colours) < 200) ink++;
    }
    previous = row;
  }
  return ink / (width * height);
}

function paeth(left: number, up: number, upLeft: number): number {
  const p = left + up - upLeft;
  const [a, b, c] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
  return a <= b && a <= c ? left : b <= c ? up : upLeft;
}
