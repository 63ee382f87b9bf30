/**
 * The browser globals that callbacks passed to page.evaluate use, typed with just what the
 * tests read. The project is typed for Node only (a global DOM lib would change Node's fetch
 * types for every module), so each browser test module declares `document` and `window` with
 * these types for itself; playwright-core's own element types need that DOM lib too, so
 * evaluateAll callbacks name BrowserElement.
 */
export interface BrowserElement {
  id: string;
  name: string;
  type: string;
  tagName: string;
  textContent: string | null;
  classList: { contains: (token: string) => boolean };
  labels?: ArrayLike<BrowserElement> | null;
  getAttribute: (name: string) => string | null;
  matches: (selector: string) => boolean;
  closest: (selector: string) => BrowserElement | null;
  checkVisibility: (options?: { visibilityProperty?: boolean }) => boolean;
  getBoundingClientRect: () => { right: number; width: number; height: number };
  querySelector: (selector: string) => BrowserElement | null;
  querySelectorAll: (selector: string) => ArrayLike<BrowserElement>;
  insertAdjacentHTML: (position: 'beforeend', html: string) => void;
}

export interface BrowserDocument {
  activeElement: BrowserElement | null;
  body: BrowserElement & { innerText: string };
  documentElement: BrowserElement & { lang: string; clientWidth: number; scrollWidth: number };
  querySelectorAll: (selector: string) => ArrayLike<BrowserElement>;
}

export interface BrowserWindow {
  innerWidth: number;
  getComputedStyle: (element: BrowserElement) => { overflowX: string; fontSize: string };
  scrollX: number;
  /** axe-core, once its source has been evaluated in the page. */
  axe?: { run: (context: BrowserDocument, options: unknown) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> };
}
