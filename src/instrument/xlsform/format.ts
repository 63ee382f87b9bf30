import { AGREE_SCALE, ENGAGEMENT_SCALE } from '../scales.js';
import type { TOption } from '../question-types/base.js';
import { agreeOptions } from '../question-types/scale.js';
import type { TLanguage } from '../text.js';

/**
 * What the XLSForm reader and writer share: column names, the fixed scales' list names and
 * the `relevant` expressions a showIf condition becomes. The mapping is described in
 * docs/xlsform.md.
 */

/** How a language is written after `::` in a column name, e.g. `label::Welsh (cy)`. */
export const LANGUAGE_COLUMN: Record<TLanguage, string> = { en: 'English (en)', cy: 'Welsh (cy)' };

/** The language a column's suffix names: `English (en)`, `Welsh (cy)`, or a bare name. */
export function languageOf(suffix: string): TLanguage | undefined {
  const code = /\(([a-z-]+)\)\s*$/i.exec(suffix)?.[1]?.toLowerCase() ?? { english: 'en', welsh: 'cy', cymraeg: 'cy' }[suffix.trim().toLowerCase()];
  return code === 'en' || code === 'cy' ? code : undefined;
}

/** The fixed scales as choice lists: a select_one from one of these is that scale, not a single choice. */
export const SCALE_LISTS = {
  scale_agree: { scale: 'agree', dontKnow: false, options: AGREE_SCALE },
  scale_agree_dk: { scale: 'agree', dontKnow: true, options: agreeOptions(true) },
  scale_engagement: { scale: 'engagement', dontKnow: false, options: ENGAGEMENT_SCALE },
} as const satisfies Record<string, { scale: 'agree' | 'engagement'; dontKnow: boolean; options: readonly TOption[] }>;
export type ScaleList = keyof typeof SCALE_LISTS;

export function scaleListOf(scale: 'agree' | 'engagement', dontKnow: boolean): ScaleList {
  if (scale === 'engagement') return 'scale_engagement';
  return dontKnow ? 'scale_agree_dk' : 'scale_agree';
}

export const isScaleList = (name: string): name is ScaleList => Object.hasOwn(SCALE_LISTS, name);

/** The "please specify" question's label in an exported form (the respondent's page uses the message catalogue's). */
export const SPECIFY_LABEL: Record<TLanguage, string> = { en: 'Please specify', cy: 'Nodwch' };

/** The label XLSForm's `or_other` gives its added choice. */
export const OR_OTHER_LABEL: Record<TLanguage, string> = { en: 'Other', cy: 'Arall' };

export interface Comparison {
  /** The XLSForm name compared: a question, or a matrix row. */
  name: string;
  anyOf?: string[];
  noneOf?: string[];
}

/** A showIf as a `relevant` expression: `${q} = 'a' or ${q} = 'b'`, or `${q} != 'a' and ${q} != 'b'`. */
export function relevantOf(comparison: Comparison): string {
  if (comparison.anyOf) return comparison.anyOf.map((code) => `\${${comparison.name}} = '${code}'`).join(' or ');
  return (comparison.noneOf ?? []).map((code) => `\${${comparison.name}} != '${code}'`).join(' and ');
}

const NAME = String.raw`\$\{([A-Za-z_][\w.-]*)\}`;
const VALUE = String.raw`(?:'([^']*)'|"([^"]*)")`;
const POSITIVE = [new RegExp(String.raw`^${NAME}\s*=\s*${VALUE}$`), new RegExp(String.raw`^selected\(\s*${NAME}\s*,\s*${VALUE}\s*\)$`)];
const NEGATIVE = [new RegExp(String.raw`^${NAME}\s*!=\s*${VALUE}$`), new RegExp(String.raw`^not\(\s*selected\(\s*${NAME}\s*,\s*${VALUE}\s*\)\s*\)$`)];

/**
 * Reads a `relevant` expression that compares one answer with option codes: clauses of
 * `${q} = 'x'` or `selected(${q}, 'x')` joined by `or`, or of `${q} != 'x'` or
 * `not(selected(${q}, 'x'))` joined by `and`. Anything else is undefined: it cannot be a showIf.
 */
export function parseRelevant(expression: string): Comparison | undefined {
  const text = expression.trim();
  for (const [joiner, patterns, list] of [
    [' or ', POSITIVE, 'anyOf'],
    [' and ', NEGATIVE, 'noneOf'],
  ] as const) {
    const clauses = text.split(joiner).map((clause) => stripParentheses(clause.trim()));
    const matched = clauses.map((clause) => patterns.map((p) => p.exec(clause)).find(Boolean));
    if (matched.some((m) => !m)) continue;
    const names = new Set(matched.map((m) => m![1]));
    if (names.size !== 1) return undefined;
    return { name: matched[0]![1]!, [list]: matched.map((m) => m![2] ?? m![3] ?? '') };
  }
  return undefined;
}

/** `(${q} = 'a')` → `${q} = 'a'`, when the parentheses wrap the whole clause. */
function stripParentheses(clause: string): string {
  if (!clause.startsWith('(') || !clause.endsWith(')')) return clause;
  let depth = 0;
  for (const char of clause.slice(1, -1)) {
    depth += char === '(' ? 1 : char === ')' ? -1 : 0;
    if (depth < 0) return clause;
  }
  return depth === 0 ? clause.slice(1, -1).trim() : clause;
}

/** The constraint that makes options exclusive in a select_multiple, one clause per option. */
export function exclusiveConstraint(codes: readonly string[]): string {
  return codes.map((code) => `not(selected(., '${code}') and count-selected(.) > 1)`).join(' and ');
}

export function parseExclusiveConstraint(constraint: string): string[] | undefined {
  const clause = /not\(\s*selected\(\s*\.\s*,\s*'([^']*)'\s*\)\s+and\s+count-selected\(\s*\.\s*\)\s*>\s*1\s*\)/g;
  const codes = [...constraint.matchAll(clause)].map((m) => m[1]!);
  return codes.length > 0 && /^X(\s+and\s+X)*$/.test(constraint.trim().replace(clause, 'X')) ? codes : undefined;
}

/** A number's bounds as a constraint: `. >= 0 and . <= 60`. */
export function boundsConstraint(min: number, max: number): string {
  return `. >= ${min} and . <= ${max}`;
}

/**
 * Reads bounds from `. >= a and . <= b` (either order, `>`/`<` too: for whole numbers a strict
 * bound moves by one). Undefined when it is anything else or a bound is missing.
 */
export function parseBounds(constraint: string, integer: boolean): { min: number; max: number } | undefined {
  let min: number | undefined;
  let max: number | undefined;
  for (const clause of constraint.split(/\s+and\s+/)) {
    const match = /^\(?\s*\.\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*\)?$/.exec(clause.trim());
    if (!match) return undefined;
    const [, op, number] = match;
    const value = Number(number);
    if ((op === '>' || op === '<') && !integer) return undefined;
    if (op === '>=') min = value;
    else if (op === '>') min = value + 1;
    else if (op === '<=') max = value;
    else max = value - 1;
  }
  return min === undefined || max === undefined ? undefined : { min, max };
}

export function lengthConstraint(maxLength: number): string {
  return `string-length(.) <= ${maxLength}`;
}

export function parseLength(constraint: string): number | undefined {
  const match = /^string-length\(\s*\.\s*\)\s*(<=|<)\s*(\d+)$/.exec(constraint.trim());
  if (!match) return undefined;
  return match[1] === '<' ? Number(match[2]) - 1 : Number(match[2]);
}
