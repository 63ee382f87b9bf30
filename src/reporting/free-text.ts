import { createRequire } from 'node:module';
import type WinkNLP from 'wink-nlp';
import type { ItemToken, ItsFunction, Model } from 'wink-nlp';
import type { TextVariableAnalysis } from '../analysis/index.js';
import { REDACTED, redactPii } from './redact.js';

export interface FreeTextTheme {
  /** The theme's key words, e.g. "Training and time". */
  label: string;
  /** Comments in the theme; each comment is counted in one theme only. */
  count: number;
  /** A few representative comments, already redacted. */
  quotes: string[];
}

export interface ThemeOptions {
  /** At most this many themes besides "Other comments" (default 8). */
  maxThemes?: number;
  /** Representative quotes per theme (default 3). */
  quotesPerTheme?: number;
  /** A word becomes a theme only if at least this many comments share it (default 3). */
  minThemeSize?: number;
  /** Quotes are cut at a word boundary after this many characters (default 300). */
  maxQuoteLength?: number;
}

export const OTHER_THEME = 'Other comments';

// The model ships inside the npm package, so theming works offline. It takes about 50 MB
// once loaded, so it and wink-nlp are required on first use rather than imported: a server
// that never themes free text never pays for them. (require, not import(): both are CommonJS,
// and theming is synchronous, inside the publication build's counting.)
let nlp: ReturnType<typeof WinkNLP> | undefined;
function reader() {
  if (!nlp) {
    const require = createRequire(import.meta.url);
    const winkNLP = require('wink-nlp') as typeof WinkNLP;
    nlp = winkNLP(require('wink-eng-lite-web-model') as Model);
  }
  return nlp;
}

/** Loads the language model now, not at the first theming (a build does it while its worker threads count). */
export function loadLanguageModel(): void {
  reader();
}

/**
 * The token properties themes read, typed as out() takes them: wink-nlp's types declare its.*
 * as methods, and lemma with a stricter signature than out() accepts, though all are plain
 * functions of the token.
 */
interface TokenProperties {
  pos: ItsFunction<string>;
  stopWordFlag: ItsFunction<boolean>;
  lemma: ItsFunction<string>;
}
const tokenProperties = () => reader().its as unknown as TokenProperties;

/** Words so common in staff comments about change that a theme named after them says nothing. */
const TOO_GENERAL = new Set(['thing', 'lot', 'way', 'people', 'staff', 'council', 'work', 'bit', 'time', 'year', 'day', 'something', 'anything', 'everything']);
const PLACEHOLDER_WORDS = new RegExp(
  Object.values(REDACTED)
    .map((p) => p.replace(/[[\]]/g, '\\$&'))
    .join('|'),
  'g',
);

/** The distinct noun lemmas of a (redacted) comment, the terms themes are built from. */
function termsOf(text: string): Set<string> {
  const doc = reader().readDoc(text.replace(PLACEHOLDER_WORDS, ' '));
  const its = tokenProperties();
  const terms = new Set<string>();
  doc.tokens().each((token: ItemToken) => {
    const pos = token.out(its.pos);
    // A sentence-initial common noun ("Training was poor") is often tagged PROPN; names are already redacted.
    if (pos !== 'NOUN' && pos !== 'PROPN') return;
    if (token.out(its.stopWordFlag)) return;
    const lemma = token.out(its.lemma).toLowerCase();
    if (lemma.length < 3 || !/^\p{L}[\p{L}-]*$/u.test(lemma) || TOO_GENERAL.has(lemma)) return;
    terms.add(lemma);
  });
  return terms;
}

function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, '')}…`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Groups free-text comments into themes without any network or downloaded model: each
 * comment's noun lemmas (wink-nlp's bundled English model) are its terms; the term most
 * comments share becomes a theme holding those comments, and the process repeats on the
 * comments left, so counts add up to the number of comments. Representative quotes are the
 * comments whose terms are most typical of their theme. Every comment is redacted first, so
 * neither labels nor quotes carry personal data.
 *
 * Pass only comments from groups whose results are shown (see `quotableTexts`).
 */
export function themeFreeText(texts: readonly string[], options: ThemeOptions = {}): { themes: FreeTextTheme[] } {
  const maxThemes = options.maxThemes ?? 8;
  const quotesPerTheme = options.quotesPerTheme ?? 3;
  const minThemeSize = Math.max(1, options.minThemeSize ?? 3);
  const maxQuoteLength = options.maxQuoteLength ?? 300;

  const comments = texts
    .map((t) => redactPii(t).trim())
    .filter((t) => t !== '')
    .map((text) => ({ text, terms: termsOf(text) }));
  let remaining = comments;
  const themes: FreeTextTheme[] = [];

  const quotesFrom = (members: typeof comments): string[] => {
    const frequency = new Map<string, number>();
    for (const m of members) for (const t of m.terms) frequency.set(t, (frequency.get(t) ?? 0) + 1);
    const typicality = (m: (typeof comments)[number]) => (m.terms.size === 0 ? 0 : [...m.terms].reduce((s, t) => s + (frequency.get(t) ?? 0), 0) / m.terms.size);
    return (
      [...members]
        .map((m, index) => ({ m, index, score: typicality(m) }))
        // Most typical first; among equals, the earlier comment, so the choice is repeatable.
        .sort((a, b) => b.score - a.score || a.index - b.index)
        .slice(0, quotesPerTheme)
        .map(({ m }) => shorten(m.text, maxQuoteLength))
    );
  };

  while (themes.length < maxThemes && remaining.length > 0) {
    const frequency = new Map<string, number>();
    for (const c of remaining) for (const t of c.terms) frequency.set(t, (frequency.get(t) ?? 0) + 1);
    let best: string | undefined;
    let bestCount = 0;
    for (const [term, count] of frequency) {
      if (count > bestCount || (count === bestCount && best !== undefined && term < best)) {
        best = term;
        bestCount = count;
      }
    }
    if (best === undefined || bestCount < minThemeSize) break;
    const term = best;
    const members = remaining.filter((c) => c.terms.has(term));
    remaining = remaining.filter((c) => !c.terms.has(term));
    // Name the theme by a second word when most of its comments share it too.
    const together = new Map<string, number>();
    for (const m of members) for (const t of m.terms) if (t !== term) together.set(t, (together.get(t) ?? 0) + 1);
    const partner = [...together].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    const label = partner && partner[1] * 2 >= members.length && partner[1] >= minThemeSize ? `${capitalise(term)} and ${partner[0]}` : capitalise(term);
    themes.push({ label, count: members.length, quotes: quotesFrom(members) });
  }
  if (remaining.length > 0) themes.push({ label: OTHER_THEME, count: remaining.length, quotes: quotesFrom(remaining) });
  return { themes };
}

/** One free-text answer and the role group of the person who gave it. */
export interface GroupedText {
  roleGroup: string;
  text: string;
}

/**
 * The comments that may be themed and quoted: only when the overall figure for the question
 * is shown, and only from role groups whose figures are shown. A comment from a group under
 * the threshold (or hidden by secondary suppression) is never passed on.
 */
export function quotableTexts(variable: TextVariableAnalysis, answers: readonly GroupedText[]): string[] {
  const total = variable.groups.find((g) => g.group.kind === 'total');
  if (!total?.showText) return [];
  const shown = new Set(variable.groups.flatMap((g) => (g.group.kind === 'roleGroup' && g.showText ? [g.group.code] : [])));
  return answers.filter((a) => shown.has(a.roleGroup)).map((a) => a.text);
}
