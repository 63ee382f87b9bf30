import { accessSync, constants } from 'node:fs';
import type { Browser } from 'playwright-core';

/** Debian's Chromium; set CHROMIUM_PATH to use another. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a server without a display or sandbox privileges, and no network access. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** Where the report HTML is loaded from inside Chromium: a name that never resolves, every request answered by the app. */
const ORIGIN = 'http://sounding.report.invalid';

export type PdfAvailability = { available: true } | { available: false; reason: string };

/** Fetches one of the app's own files (stylesheet, font) for the browser, by path. */
export type AssetFetcher = (path: string) => Promise<{ status: number; contentType: string; body: Buffer }>;

/**
 * Prints the report's own HTML to PDF with Chromium: the same page, the same GOV.UK styles
 * and print stylesheet, the SVG charts kept as vectors. One browser is started on first use
 * and shared; each PDF gets its own context. Chromium never touches the network: the page
 * and its assets are answered from inside the app.
 */
export class PdfRenderer {
  private browser?: Promise<Browser>;

  constructor(
    readonly executablePath: string,
    private readonly fetchAsset: AssetFetcher,
  ) {}

  availability(): PdfAvailability {
    try {
      accessSync(this.executablePath, constants.X_OK);
      return { available: true };
    } catch {
      return { available: false, reason: `Chromium, which makes the PDF, is not installed at ${this.executablePath}` };
    }
  }

  async render(html: string, footer: string): Promise<Buffer> {
    // Loaded on first use, so the app starts (and runs without PDFs) even where the browser cannot.
    this.browser ??= import('playwright-core')
      .then(({ chromium }) => chromium.launch({ executablePath: this.executablePath, headless: true, args: CHROMIUM_ARGS }))
      .catch((error: unknown) => {
        this.browser = undefined;
        throw error;
      });
    const context = await (await this.browser).newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.route('**/*', async (route) => {
        const url = new URL(route.request().url());
        if (url.origin !== ORIGIN) return route.abort();
        if (url.pathname === '/') return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
        const asset = await this.fetchAsset(url.pathname);
        return route.fulfill({ status: asset.status, contentType: asset.contentType, body: asset.body });
      });
      await page.goto(`${ORIGIN}/`, { waitUntil: 'load' });
      await page.emulateMedia({ media: 'print' });
      return await page.pdf({
        format: 'A4',
        printBackground: true,
        // Tagged for screen readers (public-sector PDFs must be accessible), with bookmarks from the headings.
        tagged: true,
        outline: true,
        margin: { top: '15mm', bottom: '18mm', left: '12mm', right: '12mm' },
        displayHeaderFooter: true,
        headerTemplate: '<span></span>',
        footerTemplate: `<div style="font-family: Arial, sans-serif; font-size: 9px; width: 100%; padding: 0 12mm; display: flex; justify-content: space-between;"><span>${escapeHtml(footer)}</span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`,
      });
    } finally {
      await context.close();
    }
  }

  async close(): Promise<void> {
    const browser = this.browser;
    this.browser = undefined;
    if (browser) await (await browser.catch(() => undefined))?.close();
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
