import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Document, LineCounter } from 'yaml';

/**
 * The YAML parser, loaded with the first definition read from text (an upload, the standard
 * instrument when the demo is seeded): a server that only serves answers never needs it, and
 * it is some 25 files to load before listening. Synchronous, as its callers are.
 */
let yamlModule: typeof Yaml | undefined;
function yaml(): typeof Yaml {
  return (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml);
}
import type { z } from 'zod';
import { ZDefinition, allQuestions, type TDefinition, type TSection } from './definition.js';
import { findFinding, loadPublishedFindings, type TPublishedFindings } from './published-findings.js';
import { moduleFor, type TQuestion } from './question-types/index.js';
import { matrixField } from './question-types/matrix.js';
import { otherField } from './question-types/multiple.js';
import type { TLanguage, TText } from './text.js';

export interface DefinitionProblem {
  /** Where the problem is, e.g. `sections[2].questions[4].options`. */
  path: string;
  /** The same place in words, by section and question title and code: `section "About you" (about), question "Which service area…" (directorate), options`. */
  where?: string;
  /** 1-based line in the source file, where it can be found (in an XLSForm, the row of `sheet`). */
  line?: number;
  /** In an XLSForm: the sheet and column the problem is in. */
  sheet?: string;
  column?: string;
  message: string;
}

export type ValidationResult = { ok: true; definition: TDefinition } | { ok: false; problems: DefinitionProblem[] };

type Path = (string | number)[];

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out === '' ? String(key) : `${out}.${String(key)}`;
  }, '');
}

/**
 * Parses and validates a definition written in YAML or JSON (JSON is read by the YAML
 * parser, so both get line numbers). Every problem is reported, not just the first.
 */
export function validateDefinitionText(text: string, findings: TPublishedFindings = loadPublishedFindings()): ValidationResult {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => ({
        path: '',
        line: lineCounter.linePos(error.pos[0]).line,
        message: `the file is not valid YAML or JSON: ${error.message.split('\n')[0]}`,
      })),
    };
  }
  const result = validateDefinition(doc.toJS(), findings);
  if (result.ok) return result;
  return { ok: false, problems: result.problems.map((problem) => ({ ...problem, line: lineOf(doc, lineCounter, problem) })) };
}

/** Validates an already-parsed definition object. */
export function validateDefinition(input: unknown, findings: TPublishedFindings = loadPublishedFindings()): ValidationResult {
  // reportInput keeps `issue.input`, which zodProblem needs to tell a missing field from a wrong type.
  const parsed = ZDefinition.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map(zodProblem).map((problem) => ({ ...problem, where: placeOf(input, problem.path) })) };
  }
  const problems = crossCheck(parsed.data, findings);
  return problems.length > 0 ? { ok: false, problems: problems.map((problem) => ({ ...problem, where: placeOf(input, problem.path) })) } : { ok: true, definition: parsed.data };
}

/** A problem as one line for a person: the line, the place by section and question title and code, and what is wrong. */
export function describeProblem(problem: DefinitionProblem): string {
  const place =
    problem.sheet !== undefined
      ? [`Sheet ${problem.sheet}`, problem.line === undefined ? '' : `row ${problem.line}`, problem.column === undefined ? '' : `column ${problem.column}`].filter(Boolean).join(', ')
      : problem.line
        ? `Line ${problem.line}`
        : 'The file';
  const where = problem.where ?? problem.path;
  return `${place}${where ? `, ${where}` : ''}: ${problem.message}`;
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

/** `sections[0].questions[2].max` in words, naming the section and question by their titles (English) and codes as the file gives them. */
function placeOf(input: unknown, path: string): string {
  const steps = parsePath(path);
  const parts: string[] = [];
  let node: unknown = input;
  const record = (value: unknown) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined);
  const titleOf = (value: unknown): string | undefined => {
    const text = typeof value === 'string' ? value : typeof record(value)?.en === 'string' ? (record(value)!.en as string) : undefined;
    return text && (text.length > 60 ? `“${text.slice(0, 57).trimEnd()}…”` : `“${text}”`);
  };
  const named = (kind: string, value: unknown, index: number) => {
    const entry = record(value);
    const title = titleOf(entry?.title ?? entry?.text ?? entry?.label);
    const code = typeof entry?.code === 'string' ? ` (${entry.code})` : '';
    return title || code ? `${kind} ${title ?? ''}${code}`.replace(`${kind}  (`, `${kind} (`) : `${kind} ${index + 1}`;
  };
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const next = steps[i + 1];
    const container = record(node)?.[step as string];
    if (typeof step === 'string' && typeof next === 'number' && Array.isArray(container)) {
      const kind = { sections: 'section', questions: 'question', options: 'option', items: 'statement', audiences: 'audience', indices: 'index', references: 'reference' }[step];
      if (kind) {
        parts.push(named(kind, container[next], next));
        node = container[next];
        i++;
        continue;
      }
    }
    parts.push(typeof step === 'number' ? `entry ${step + 1}` : (PLAIN_FIELDS[step] ?? step));
    node = typeof step === 'number' ? (Array.isArray(node) ? node[step] : undefined) : record(node)?.[step];
  }
  return parts.join(', ');
}

function zodProblem(issue: z.core.$ZodIssue): DefinitionProblem {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return { path, message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` };
  }
  if (issue.code === 'invalid_union' && issue.path.at(-1) === 'type') {
    return { path, message: 'unknown question type' };
  }
  // A missing text field (title, text, label) fails the string-or-object union rather than a type check.
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && issue.input === undefined) return { path, message: 'is required' };
  return { path, message: plainMessage(issue) };
}

/** zod's own wording ("Too small: expected array to have >=1 items") in plain words, with what to do. */
function plainMessage(issue: z.core.$ZodIssue): string {
  // The schemas' own messages are already in plain words; only zod's defaults are reworded.
  if (!/^(Too small|Too big|Invalid)/.test(issue.message)) return issue.message;
  const last = issue.path.at(-1);
  if (issue.code === 'too_small' && issue.origin === 'array') {
    const what = last === 'options' ? 'options' : last === 'questions' ? 'questions' : last === 'items' ? 'statements' : last === 'sections' ? 'sections' : 'entries';
    const least = Number(issue.minimum);
    return `has ${Array.isArray(issue.input) && issue.input.length > 0 ? `only ${issue.input.length}` : 'no'} ${what}. Add at least ${least === 1 && what === 'options' ? 'two' : least}.`;
  }
  if (issue.code === 'too_small' && issue.origin === 'number') return `must be ${String(issue.minimum)} or more${issue.inclusive === false ? ' (and not equal to it)' : ''}`;
  if (issue.code === 'too_big' && issue.origin === 'number') return `must be ${String(issue.maximum)} or less`;
  if (issue.code === 'too_small' && issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'is empty. Write the text.' : `must be at least ${String(issue.minimum)} characters`;
  if (issue.code === 'too_big' && issue.origin === 'string') return `is too long: at most ${String(issue.maximum)} characters`;
  if (issue.code === 'invalid_type') {
    const words: Record<string, string> = { string: 'text', number: 'a number', boolean: 'true or false', array: 'a list', object: 'a set of fields' };
    const expected = words[String(issue.expected)] ?? String(issue.expected);
    return `must be ${expected}`;
  }
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map((v) => `"${String(v)}"`).join(', ')}`;
  if (issue.code === 'invalid_union') return 'is not in a form this field takes: text, or text by language such as {en: "…", cy: "…"}';
  return issue.message;
}

function lineOf(doc: Document, lineCounter: LineCounter, problem: DefinitionProblem): number | undefined {
  const path = parsePath(problem.path);
  // Walk up until a node exists: a missing field is reported at its parent.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true);
    if (yaml().isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

function parsePath(path: string): Path {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : (m[1] as string)));
}

/** Checks that need the whole definition: references between questions, audiences, indices, findings, translations. */
function crossCheck(definition: TDefinition, findings: TPublishedFindings): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const add = (path: Path, message: string) => problems.push({ path: formatPath(path), message });
  const placed = allQuestions(definition);
  const pathOf = (sectionIndex: number, questionIndex: number): Path => ['sections', sectionIndex, 'questions', questionIndex];
  const byCode = new Map<string, { question: TQuestion; order: number; path: Path }>();

  // Form field names must not collide across the whole definition.
  const fields = new Map<string, string>();
  placed.forEach(({ question, sectionIndex, questionIndex }, order) => {
    const path = pathOf(sectionIndex, questionIndex);
    if (byCode.has(question.code)) add([...path, 'code'], `duplicate question code "${question.code}" (also used in another section)`);
    else byCode.set(question.code, { question, order, path });
    const names = [question.code];
    if (question.type === 'matrix') names.push(...question.items.map((item) => matrixField(question, item.code)));
    if (question.type === 'multiple' && question.other) names.push(otherField(question));
    for (const name of names) {
      const owner = fields.get(name);
      if (owner && owner !== question.code) add([...path, 'code'], `form field "${name}" clashes with question "${owner}"`);
      fields.set(name, question.code);
    }
    if (question.type === 'matrix' && question.scale !== 'agree') {
      question.items.forEach((item, i) => {
        if (item.polarity !== undefined) add([...path, 'items', i, 'polarity'], 'polarity applies only to agreement statements (scale: agree)');
      });
    }
    if (question.type === 'single' || question.type === 'multiple') {
      const values = question.options.map((o, i) => o.value ?? i + 1);
      if (new Set(values).size !== values.length) add([...path, 'options'], 'option values must be unique');
    }
    if (question.type === 'multiple' && question.other && question.options.some((o) => o.code === question.other?.code)) {
      add([...path, 'other', 'code'], `"${question.other.code}" is already an option code`);
    }
  });

  const optionCodes = (question: TQuestion, item: string | undefined): string[] => {
    const variables = moduleFor(question).closedVariables(question);
    const variable = variables.find((v) => v.item === (item ?? ''));
    return variable ? variable.options.map((o) => o.code) : [];
  };

  /** Checks a question reference (with optional matrix item) and returns the question when usable. */
  const checkItemRef = (path: Path, code: string, item: string | undefined, before?: number): TQuestion | undefined => {
    const target = byCode.get(code);
    if (!target) {
      add([...path, 'question'], `refers to unknown question "${code}"`);
      return undefined;
    }
    if (before !== undefined && target.order >= before) {
      add([...path, 'question'], `refers to "${code}", which is not asked before this point`);
      return undefined;
    }
    if (target.question.type === 'matrix') {
      if (item === undefined) add([...path, 'item'], `"${code}" is a matrix question, so an item is required`);
      else if (!target.question.items.some((i) => i.code === item)) add([...path, 'item'], `"${code}" has no item "${item}"`);
    } else if (item !== undefined) {
      add([...path, 'item'], `"${code}" is not a matrix question, so it has no items`);
    }
    return target.question;
  };

  const checkCodes = (path: Path, codes: string[], allowed: string[], what: string) => {
    codes.forEach((code, i) => {
      if (!allowed.includes(code)) add([...path, i], `"${code}" is not ${what}`);
    });
  };

  // Segments and audiences.
  const role = byCode.get(definition.segments.roleGroup);
  let roleCodes: string[] = [];
  if (!role) add(['segments', 'roleGroup'], `refers to unknown question "${definition.segments.roleGroup}"`);
  else if (role.question.type !== 'single') add(['segments', 'roleGroup'], 'must be a single choice question');
  else {
    roleCodes = role.question.options.map((o) => o.code);
    if (role.path[1] !== 0) add(['segments', 'roleGroup'], 'must be asked in the first section');
    if (!role.question.required) add([...role.path, 'required'], 'the role group question must be required');
    if (role.question.showIf || role.question.audiences) add(role.path, 'the role group question must be asked of everyone');
  }
  if (definition.segments.directorate) {
    const directorate = byCode.get(definition.segments.directorate);
    if (!directorate) add(['segments', 'directorate'], `refers to unknown question "${definition.segments.directorate}"`);
    else if (directorate.question.type !== 'single') add(['segments', 'directorate'], 'must be a single choice question');
  }
  const audienceOf = new Map<string, string>();
  definition.audiences.forEach((audience, a) => {
    checkCodes(['audiences', a, 'roleGroups'], audience.roleGroups, roleCodes, 'a role group option');
    for (const group of audience.roleGroups) {
      if (audienceOf.has(group)) add(['audiences', a, 'roleGroups'], `role group "${group}" is already in audience "${audienceOf.get(group)}"`);
      audienceOf.set(group, audience.code);
    }
  });
  if (role) {
    for (const code of roleCodes) {
      if (!audienceOf.has(code)) add(['audiences'], `role group "${code}" is not in any audience`);
    }
  }
  const audienceCodes = definition.audiences.map((a) => a.code);
  if (definition.perceptionGap) {
    checkCodes(['perceptionGap', 'leaders'], definition.perceptionGap.leaders, roleCodes, 'a role group option');
    checkCodes(['perceptionGap', 'frontline'], definition.perceptionGap.frontline, roleCodes, 'a role group option');
  }

  // Conditions, audiences and references on sections and questions.
  const checkCondition = (path: Path, condition: NonNullable<TQuestion['showIf']>, before: number) => {
    const target = checkItemRef(path, condition.question, condition.item, before);
    if (!target) return;
    if (target.type === 'number' || target.type === 'text' || target.type === 'multiple') {
      add([...path, 'question'], `"${condition.question}" is a ${target.type} question; conditions can only use single choice or scale answers`);
      return;
    }
    const allowed = optionCodes(target, condition.item);
    const list = condition.anyOf ? 'anyOf' : 'noneOf';
    checkCodes([...path, list], condition.anyOf ?? condition.noneOf ?? [], allowed, `an option of "${condition.question}"`);
  };
  // Published segments: each maps to a group this survey has.
  const segmentPath = (name: string): Path => ['publishedSegments', name];
  for (const [name, group] of Object.entries(definition.publishedSegments)) {
    if ('group' in group) {
      if (!definition.perceptionGap) add(segmentPath(name), `maps to the ${group.group} group, but the definition has no perceptionGap saying who the ${group.group} are`);
    } else if ('roleGroup' in group) {
      checkCodes(segmentPath(name), [group.roleGroup], roleCodes, 'a role group option');
    } else {
      const target = checkItemRef(segmentPath(name), group.question, group.item);
      if (target) checkCodes([...segmentPath(name), 'anyOf'], group.anyOf, optionCodes(target, group.item), `an option of "${group.question}"`);
    }
  }
  const audienceRoles = new Map(definition.audiences.map((a) => [a.code, a.roleGroups]));
  const askedOf = (codes: readonly string[] | undefined): Set<string> => new Set(codes ? codes.flatMap((c) => audienceRoles.get(c) ?? []) : roleCodes);
  /** A reference must compare like with like: the finding's population and group must be ones this survey has. */
  const checkLikeForLike = (refPath: Path, question: TQuestion, section: TSection, reference: NonNullable<TQuestion['references']>[number]) => {
    const found = findFinding(findings, reference.study, reference.statement);
    if (!found) return;
    const { finding } = found;
    if (finding.population !== undefined) {
      add(refPath, `the finding "${reference.statement}" is about ${finding.population}, a population this survey does not ask, so it cannot be compared`);
      return;
    }
    if (reference.basis === 'rating') {
      if (question.type !== 'matrix' || reference.item === undefined)
        add([...refPath, 'basis'], '"rating" compares the ratings of one matrix item, so the question must be a matrix and the reference must name its item');
      if (finding.segment === undefined) add([...refPath, 'basis'], `"rating" needs a finding about a group, and "${reference.statement}" describes no group (segment)`);
      return;
    }
    if (finding.segment === undefined) return;
    const group = definition.publishedSegments[finding.segment];
    if (!group) {
      add(refPath, `the finding "${reference.statement}" describes "${finding.segment}", which publishedSegments does not map to a group of this survey`);
      return;
    }
    if ('question' in group) {
      add(refPath, `the finding "${reference.statement}" describes "${finding.segment}", a group defined by an answer to "${group.question}"; comparisons within such a group are not made`);
      return;
    }
    const members = 'roleGroup' in group ? [group.roleGroup] : (definition.perceptionGap?.[group.group] ?? []);
    const asked = askedOf(section.audiences);
    const askedQuestion = askedOf(question.audiences);
    if (!members.some((r) => asked.has(r) && askedQuestion.has(r)))
      add(refPath, `the finding "${reference.statement}" describes "${finding.segment}", but "${question.code}" is not asked of that group`);
  };

  let firstOrder = 0;
  definition.sections.forEach((section, s) => {
    if (section.showIf) checkCondition(['sections', s, 'showIf'], section.showIf, firstOrder);
    if (section.audiences) checkCodes(['sections', s, 'audiences'], section.audiences, audienceCodes, 'an audience');
    section.questions.forEach((question, q) => {
      const path = pathOf(s, q);
      if (question.showIf) checkCondition([...path, 'showIf'], question.showIf, firstOrder + q);
      if (question.audiences) checkCodes([...path, 'audiences'], question.audiences, audienceCodes, 'an audience');
      question.references?.forEach((reference, r) => {
        const refPath = [...path, 'references', r];
        if (!findFinding(findings, reference.study, reference.statement)) {
          const known = findings.studies.some((st) => st.id === reference.study);
          add(refPath, known ? `study "${reference.study}" has no finding "${reference.statement}"` : `unknown study "${reference.study}"`);
        }
        const target = checkItemRef(refPath, question.code, reference.item);
        if (target) checkCodes([...refPath, 'counts'], reference.counts, optionCodes(target, reference.item), `an option of "${question.code}"`);
        checkLikeForLike(refPath, question, section, reference);
      });
    });
    firstOrder += section.questions.length;
  });

  // Indices.
  definition.indices.forEach((index, x) => {
    index.items.forEach((item, i) => {
      const path = ['indices', x, 'items', i];
      const target = checkItemRef(path, item.question, item.item);
      if (!target) return;
      const scaled = target.type === 'agree' || target.type === 'engagement' || target.type === 'matrix';
      if (index.kind === 'engagement' && !(target.type === 'engagement' || (target.type === 'matrix' && target.scale === 'engagement'))) {
        add([...path, 'question'], 'an engagement index can only use engagement scale questions');
      }
      const polarity = moduleFor(target)
        .closedVariables(target)
        .find((v) => v.item === (item.item ?? ''))?.polarity;
      if (polarity === 'negative' && !item.reverse)
        add([...path, 'reverse'], `"${item.question}${item.item ? `.${item.item}` : ''}" has polarity "negative" (agreeing is unfavourable), so the index must reverse it (reverse: true)`);
      if (polarity === 'positive' && item.reverse)
        add(
          [...path, 'reverse'],
          `contradictory polarity: "${item.question}${item.item ? `.${item.item}` : ''}" has polarity "positive" (agreeing is favourable) but the index reverses it; declare polarity: negative on the statement, or remove reverse`,
        );
      if (item.scores) checkCodes([...path, 'scores'], Object.keys(item.scores), optionCodes(target, item.item), `an option of "${item.question}"`);
      else if (!scaled) add([...path, 'scores'], `"${item.question}" is not a scale question, so scores are required`);
    });
  });

  // Translations: every string must exist in every declared language.
  problems.push(...missingTranslations(definition));
  return problems;
}

/** Every respondent-facing text lacking one of the definition's declared languages (a survey built in the browser may lack Welsh until it opens). */
export function missingTranslations(definition: TDefinition, languages: readonly TLanguage[] = definition.languages): DefinitionProblem[] {
  return languages.flatMap((lang) =>
    [...texts(definition)].filter(({ text }) => text[lang] === undefined).map(({ path }) => ({ path: formatPath(path), message: `missing the "${lang}" translation` })),
  );
}

/** A definition as YAML text, in the same format as the files: a survey built in the browser downloads as one. */
export function definitionYaml(definition: TDefinition): string {
  return yaml().stringify(definition, { lineWidth: 0 });
}

/** The fields of a definition that hold respondent-facing text, so need every declared language. */
const TEXT_KEYS = ['text', 'label', 'title', 'description', 'hint', 'suffix', 'requiredMessage'];

function* texts(value: unknown, path: Path = []): Generator<{ path: Path; text: TText }> {
  if (Array.isArray(value)) {
    for (const [i, entry] of value.entries()) yield* texts(entry, [...path, i]);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  for (const key of TEXT_KEYS) {
    const text = record[key];
    if (text && typeof text === 'object' && 'en' in text) yield { path: [...path, key], text: text as TText };
  }
  for (const [key, entry] of Object.entries(record)) {
    if (!TEXT_KEYS.includes(key)) yield* texts(entry, [...path, key]);
  }
}
