import { createRequire } from 'node:module';
import type WinkNLP from 'wink-nlp';
import type { ItemToken, ItsFunction, Model } from 'wink-nlp';
import type { TextVariableAnalysis } from '../analysis/index.js';
import { REDACTED, redactPii } from './redact.js';

export interface FreeTextTheme {
  /** The theme's name: a noun phrase its comments use, e.g. "Case notes". */
  label: string;
  /** Comments in the theme; each comment is counted in one theme only. */
  count: number;
  /** Up to three different representative comments, already redacted. */
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

/** Loads the language model now, not at the first theming (a build's theming thread does it as it starts: publications/themes.ts). */
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
const TOO_GENERAL = new Set([
  'thing',
  'lot',
  'way',
  'people',
  'staff',
  'council',
  'work',
  'bit',
  'time',
  'year',
  'day',
  'minute',
  'hour',
  'week',
  'month',
  'something',
  'anything',
  'everything',
  'need',
  'one',
]);
/** Words that open a noun phrase without saying what it is about ("fewer passwords", "better laptops"): left out of theme names and never a theme. */
const MODIFIERS = new Set([
  'fewer',
  'more',
  'less',
  'better',
  'worse',
  'new',
  'old',
  'decent',
  'good',
  'bad',
  'many',
  'much',
  'other',
  'same',
  'own',
  'big',
  'small',
  'every',
  'all',
  'any',
  'some',
  'main',
  'proper',
  'enough',
]);
const PLACEHOLDER_WORDS = new RegExp(
  Object.values(REDACTED)
    .map((p) => p.replace(/[[\]]/g, '\\$&'))
    .join('|'),
  'g',
);

interface CommentTerms {
  /** The distinct noun lemmas: what themes are built from. */
  terms: Set<string>;
  /** The comment's noun phrases as written (lower case, without opening modifiers), each with the lemmas in it. */
  phrases: { text: string; lemmas: Set<string> }[];
}

/** The distinct noun lemmas and the noun phrases of a (redacted) comment. */
function termsOf(text: string): CommentTerms {
  const doc = reader().readDoc(text.replace(PLACEHOLDER_WORDS, ' '));
  const its = tokenProperties();
  const terms = new Set<string>();
  const phrases: CommentTerms['phrases'] = [];
  let chunk: { word: string; lemma: string; pos: string }[] = [];
  const close = () => {
    while (chunk.length > 0 && (MODIFIERS.has(chunk[0]!.word) || (chunk[0]!.pos === 'ADJ' && chunk.length > 1 && MODIFIERS.has(chunk[0]!.lemma)))) chunk.shift();
    while (chunk.length > 0 && chunk[chunk.length - 1]!.pos === 'ADJ') chunk.pop();
    const words = chunk.slice(-3);
    if (words.length > 0) phrases.push({ text: words.map((w) => w.word).join(' '), lemmas: new Set(words.map((w) => w.lemma)) });
    chunk = [];
  };
  doc.tokens().each((token: ItemToken) => {
    const pos = token.out(its.pos);
    const word = token.out().toLowerCase();
    const lemma = token.out(its.lemma).toLowerCase();
    if ((pos === 'NOUN' || pos === 'PROPN' || pos === 'ADJ') && /^\p{L}[\p{L}-]*$/u.test(word)) chunk.push({ word, lemma, pos });
    else close();
    // A sentence-initial common noun ("Training was poor") is often tagged PROPN; names are already redacted.
    if (pos !== 'NOUN' && pos !== 'PROPN') return;
    if (token.out(its.stopWordFlag)) return;
    if (lemma.length < 3 || !/^\p{L}[\p{L}-]*$/u.test(lemma) || TOO_GENERAL.has(lemma) || MODIFIERS.has(lemma)) return;
    terms.add(lemma);
  });
  close();
  return { terms, phrases };
}

/**
 * A theme's name: the noun phrase holding its key word that most of its comments use ("case
 * notes", "community buildings"), as a person would name it; among equally common ones the
 * longer, then the first alphabetically. The key word itself when no phrase holds it.
 */
function themeName(term: string, members: readonly CommentTerms[]): string {
  const uses = new Map<string, number>();
  for (const m of members) {
    const seen = new Set(m.phrases.filter((p) => p.lemmas.has(term)).map((p) => p.text));
    for (const text of seen) uses.set(text, (uses.get(text) ?? 0) + 1);
  }
  const best = [...uses].sort((a, b) => b[1] - a[1] || b[0].split(' ').length - a[0].split(' ').length || (a[0] < b[0] ? -1 : 1))[0];
  return capitalise(best && best[1] * 2 >= members.length ? best[0] : term);
}

/** A comment's words for telling near-identical comments apart: letters only, without bracketed asides. */
function sameComment(text: string): string {
  return text
    .toLowerCase()
    .replace(/\([^)]*\)/g, ' ')
    .replace(/[^\p{L}]+/gu, ' ')
    .trim();
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
 * comments share becomes a theme holding those comments, named by the noun phrase with that
 * word its comments use most ("case notes"), and the process repeats on the comments left, so
 * counts add up to the number of comments. A theme needs `minThemeSize` comments (the
 * publication passes its threshold); the rest are "Other comments". Representative quotes
 * are the different comments whose terms are most typical of their theme. Every comment is redacted first, so
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
    .map((text) => ({ text, ...termsOf(text) }));
  let remaining = comments;
  const themes: FreeTextTheme[] = [];

  /** Up to `quotesPerTheme` different comments, the most typical of the theme first. */
  const quotesFrom = (members: typeof comments): string[] => {
    const frequency = new Map<string, number>();
    for (const m of members) for (const t of m.terms) frequency.set(t, (frequency.get(t) ?? 0) + 1);
    const typicality = (m: (typeof comments)[number]) => (m.terms.size === 0 ? 0 : [...m.terms].reduce((s, t) => s + (frequency.get(t) ?? 0), 0) / m.terms.size);
    const quotes: string[] = [];
    const seen = new Set<string>();
    // Most typical first; among equals, the earlier comment, so the choice is repeatable.
    for (const { m } of [...members].map((m, index) => ({ m, index, score: typicality(m) })).sort((a, b) => b.score - a.score || a.index - b.index)) {
      const key = sameComment(m.text);
      if (seen.has(key)) continue;
      seen.add(key);
      quotes.push(shorten(m.text, maxQuoteLength));
      if (quotes.length === quotesPerTheme) break;
    }
    return quotes;
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
    themes.push({ label: themeName(term, members), count: members.length, quotes: quotesFrom(members) });
  }
  // The comments in no theme are counted; they are quoted only when there are as many as a theme needs.
  if (remaining.length > 0) themes.push({ label: OTHER_THEME, count: remaining.length, quotes: remaining.length >= minThemeSize ? quotesFrom(remaining) : [] });
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
