import type { z } from 'zod';
import { QUESTION_TYPES } from './question-types/index.js';
import type { TLanguage } from './text.js';

/**
 * A definition problem and the one place that puts it in words: where it is (line, or sheet,
 * row and column; then the section and question by title and code), what is wrong and what
 * to do. The upload, the CLI, the builder and the XLSForm import all show problems through
 * `describeProblem`.
 */
export interface DefinitionProblem {
  /** Where the problem is, e.g. `sections[2].questions[4].options`. */
  path: string;
  /** The same place in words, by section and question title and code: `section “About you” (about), question “Which service area…” (directorate), options`. */
  where?: string;
  /** 1-based line in the source file, where it can be found (in an XLSForm, the row of `sheet`). */
  line?: number;
  /** In an XLSForm: the sheet and column the problem is in. */
  sheet?: string;
  column?: string;
  /** For a missing translation, the language missing (an XLSForm places it in that language's column). */
  language?: TLanguage;
  /** What is wrong, then what to do: "has no options. Add at least two." */
  message: string;
}

export type Path = (string | number)[];

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out === '' ? String(key) : `${out}.${String(key)}`;
  }, '');
}

export function parsePath(path: string): Path {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : (m[1] as string)));
}

/** A problem as one line for a person: the line, the place by section and question title and code, then what is wrong and what to do. */
export function describeProblem(problem: DefinitionProblem): string {
  const location =
    problem.sheet !== undefined
      ? [`Sheet ${problem.sheet}`, problem.line === undefined ? '' : `row ${problem.line}`, problem.column === undefined ? '' : `column ${problem.column}`].filter(Boolean).join(', ')
      : problem.line
        ? `Line ${problem.line}`
        : '';
  const place = [location, problem.where ?? problem.path].filter(Boolean).join(', ');
  return `${place === '' ? 'The file' : place.charAt(0).toUpperCase() + place.slice(1)}: ${problem.message}`;
}

const PLAIN_FIELDS: Record<string, string> = {
  showIf: 'the condition (showIf)',
  anyOf: 'its answers (anyOf)',
  noneOf: 'its answers (noneOf)',
  requiredMessage: 'the message when unanswered',
  roleGroups: 'its role groups',
  segments: 'the segments',
  roleGroup: 'the role group question',
  audiences: 'the audiences',
};

const LIST_ENTRIES: Record<string, string> = {
  sections: 'section',
  questions: 'question',
  options: 'option',
  items: 'statement',
  audiences: 'audience',
  indices: 'index',
  references: 'reference',
};

/** A text as a title in a sentence: quoted, the English of a translated one, shortened past 60 characters. */
export function titleOf(value: unknown): string | undefined {
  const text = typeof value === 'string' ? value : typeof record(value)?.en === 'string' ? (record(value)!.en as string) : undefined;
  return text ? (text.length > 60 ? `“${text.slice(0, 57).trimEnd()}…”` : `“${text}”`) : undefined;
}

/** A section, question, option … by its title and code as the file gives them: `question “Your role” (role)`. */
export function named(kind: string, value: unknown, index?: number): string {
  const entry = record(value);
  const title = titleOf(entry?.title ?? entry?.text ?? entry?.label);
  const code = typeof entry?.code === 'string' ? `(${entry.code})` : undefined;
  return title || code ? [kind, title, code].filter(Boolean).join(' ') : `${kind} ${(index ?? 0) + 1}`;
}

/** `sections[0].questions[2].max` in words, naming each section and question by its title (English) and code as the input gives them. */
export function placeOf(input: unknown, path: string): string {
  const steps = parsePath(path);
  const parts: string[] = [];
  let node: unknown = input;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const next = steps[i + 1];
    const container = record(node)?.[step as string];
    // An index's items are questions it scores, not a grid's statements.
    const kind = typeof step === 'string' ? (step === 'items' && steps[i - 2] === 'indices' ? 'item' : LIST_ENTRIES[step]) : undefined;
    if (kind && typeof next === 'number' && Array.isArray(container)) {
      parts.push(named(kind, container[next], next));
      node = container[next];
      i++;
      continue;
    }
    parts.push(typeof step === 'number' ? `entry ${step + 1}` : (PLAIN_FIELDS[step] ?? step));
    node = typeof step === 'number' ? (Array.isArray(node) ? node[step] : undefined) : record(node)?.[step];
  }
  return parts.join(', ');
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** What to add where a required field is missing, by the field's name. */
const REQUIRED_FIELDS: Record<string, string> = {
  code: 'a code, such as "about_you" (lower-case letters, digits and _)',
  version: 'the version number: 1 for a new survey',
  title: 'the title',
  text: 'the wording of the question',
  label: 'the label respondents see',
  type: `the question type, one of ${QUESTION_TYPES.join(', ')}`,
  estimatedMinutes: 'the minutes the survey takes, a whole number from 1 to 120',
  sections: 'the sections, a list',
  questions: 'the questions, a list',
  options: 'the options, a list of at least two, each with a code and a label',
  items: 'the statements, a list of at least two, each with a code and text',
  scale: 'the scale: agree or engagement',
  min: 'the smallest answer allowed, a number',
  max: 'the largest answer allowed, a number',
  question: 'the code of the question it refers to',
  roleGroups: 'the role groups, a list of the role question’s option codes',
  study: 'the study’s id, as reference/published-findings.json gives it',
  statement: 'the finding’s statement, as reference/published-findings.json gives it',
  counts: 'the answers that make up the published figure, a list of option codes',
  kind: 'the kind of index: engagement or maturity',
};

/** A zod issue as a problem in plain words, ending in what to do. */
export function zodProblem(issue: z.core.$ZodIssue): DefinitionProblem {
  const path = formatPath(issue.path);
  const last = issue.path.at(-1);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `"${k}"`).join(', ');
    return { path, message: `has ${issue.keys.length > 1 ? `unknown fields ${keys}` : `an unknown field ${keys}`}. Remove ${issue.keys.length > 1 ? 'them' : 'it'}, or correct the spelling.` };
  }
  if (issue.code === 'invalid_union' && last === 'type') {
    return { path, message: `is not a question type Sounding knows. Use one of ${QUESTION_TYPES.join(', ')}.` };
  }
  // A missing text field (title, text, label) fails the string-or-object union rather than a type check.
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && issue.input === undefined) {
    const what = typeof last === 'string' ? REQUIRED_FIELDS[last] : undefined;
    return { path, message: `is missing. Add ${what ?? 'it'}.` };
  }
  // A code's own rules (codes.ts) say what is wrong; the value typed shows what it could be instead.
  if (issue.code === 'invalid_format' && typeof issue.input === 'string') {
    const suggestion = codeLike(issue.input);
    return { path, message: `${issue.message}. Change it${suggestion ? `, for example to "${suggestion}"` : ''}.` };
  }
  if (issue.code === 'too_big' && issue.origin === 'string' && !/^(Too big)/.test(issue.message)) return { path, message: `${issue.message}. Shorten it.` };
  return { path, message: plainMessage(issue) };
}

/** A code made of what was typed ("Service Area" is "service_area"), or none when nothing usable is left. */
function codeLike(typed: string): string | undefined {
  const code = typed
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+|_+$/g, '')
    .slice(0, 20)
    .replace(/_+$/, '');
  return code === '' ? undefined : code;
}

/** zod's own wording ("Too small: expected array to have >=1 items") in plain words, with what to do. */
function plainMessage(issue: z.core.$ZodIssue): string {
  // The schemas' own messages are in plain words already, each with what to do.
  if (!/^(Too small|Too big|Invalid)/.test(issue.message)) return issue.message;
  const last = issue.path.at(-1);
  if (issue.code === 'too_small' && issue.origin === 'array') {
    const what = { options: 'option', questions: 'question', items: 'statement', sections: 'section' }[String(last)] ?? 'entry';
    const plural = what === 'entry' ? 'entries' : `${what}s`;
    const count = Array.isArray(issue.input) ? issue.input.length : 0;
    const least = Number(issue.minimum);
    return `has ${count === 0 ? `no ${plural}` : `only ${count === 1 ? `one ${what}` : `${count} ${plural}`}`}. Add at least ${['none', 'one', 'two', 'three'][least] ?? String(least)}.`;
  }
  if (issue.code === 'too_small' && issue.origin === 'number') return `must be ${String(issue.minimum)} or more${issue.inclusive === false ? ' (and not equal to it)' : ''}. Change it.`;
  if (issue.code === 'too_big' && issue.origin === 'number') return `must be ${String(issue.maximum)} or less. Change it.`;
  if (issue.code === 'too_small' && issue.origin === 'string')
    return Number(issue.minimum) <= 1 ? 'is empty. Write the text.' : `must be at least ${String(issue.minimum)} characters. Lengthen it.`;
  if (issue.code === 'too_big' && issue.origin === 'string') return `is too long: at most ${String(issue.maximum)} characters. Shorten it.`;
  if (issue.code === 'invalid_type') {
    const words: Record<string, string> = {
      string: 'text. Write it as text',
      number: 'a number. Write a number, such as 10',
      int: 'a whole number. Write one, such as 10',
      boolean: 'true or false. Write one of them',
      array: 'a list. Write each entry on a line of its own starting "- "',
      object: 'a set of fields. Write each as "name: value" on a line of its own',
    };
    return `must be ${words[String(issue.expected)] ?? String(issue.expected)}.`;
  }
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map((v) => `"${String(v)}"`).join(', ')}. Use one of them.`;
  if (issue.code === 'invalid_union') return 'is not in a form this field takes. Write text, or text by language such as {en: "…", cy: "…"}.';
  return issue.message;
}
