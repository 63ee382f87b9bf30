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
import { ZDefinition, allQuestions, type TDefinition, type TSection } from './definition.js';
import { formatPath, named, parsePath, placeOf, zodProblem, type DefinitionProblem, type Path } from './problems.js';
import { findFinding, loadPublishedFindings, type TPublishedFindings } from './published-findings.js';
import { moduleFor, type TQuestion } from './question-types/index.js';
import { matrixField } from './question-types/matrix.js';
import { otherField } from './question-types/multiple.js';
import type { TLanguage, TText } from './text.js';

export type ValidationResult = { ok: true; definition: TDefinition } | { ok: false; problems: DefinitionProblem[] };

/**
 * Parses and validates a definition written in YAML or JSON (JSON is read by the YAML
 * parser, so both get line numbers). Every problem is reported at once, in the file's order.
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
        message: `the file is not valid YAML or JSON: ${error.message.split('\n')[0]}. Correct it there; the problems after it may be caused by this one.`,
      })),
    };
  }
  const result = validateDefinition(doc.toJS(), findings);
  if (result.ok) return result;
  const problems = result.problems.map((problem) => ({ ...problem, line: lineOf(doc, lineCounter, problem.path) }));
  return { ok: false, problems: problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity)) };
}

/**
 * Validates an already-parsed definition object, reporting every problem it can find in one
 * pass: the schema's, codes used twice, and the checks across the definition (references
 * between questions, audiences, indices, findings, translations), which run over whatever
 * parsed when the schema finds problems (`salvage`), so no problem waits for another to be fixed.
 */
export function validateDefinition(input: unknown, findings: TPublishedFindings = loadPublishedFindings()): ValidationResult {
  // reportInput keeps `issue.input`, which zodProblem needs to tell a missing field from a wrong type.
  const parsed = ZDefinition.safeParse(input, { reportInput: true });
  const checkable: Salvaged | undefined = parsed.success ? { definition: parsed.data, inputPath: (path) => path, leftOut: new Set(), partial: new Set() } : salvage(input);
  const problems = [...(parsed.success ? [] : parsed.error.issues.map(zodProblem)), ...duplicateCodes(input), ...(checkable ? crossCheck(checkable, input, findings) : [])];
  if (parsed.success && problems.length === 0) return { ok: true, definition: parsed.data };
  const seen = new Set<string>();
  const distinct = problems.filter((p) => !seen.has(`${p.path}\u0000${p.message}`) && seen.add(`${p.path}\u0000${p.message}`));
  return { ok: false, problems: distinct.map((problem) => ({ ...problem, where: placeOf(input, problem.path) })) };
}

/** The line a problem's path is on; a missing field is reported at the object that lacks it. */
function lineOf(doc: Document, lineCounter: LineCounter, path: string): number | undefined {
  const steps = parsePath(path);
  for (let depth = steps.length; depth >= 0; depth--) {
    const node = doc.getIn(steps.slice(0, depth), true);
    if (yaml().isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

// ---------------------------------------------------------------- what parsed, when not everything did

/** A definition made of what parsed, for the checks across it. */
interface Salvaged {
  definition: TDefinition;
  /** A path in `definition` as the path in the input: entries left out move the ones after them. */
  inputPath: (path: Path) => Path;
  /** Codes of entries left out (questions, options, audiences …): references to them are not checked, as their own problems are reported. */
  leftOut: Set<string>;
  /** Top-level fields that lost a part or were set aside (segments, audiences, perceptionGap …): checks that need them whole are skipped. */
  partial: Set<string>;
}

/** Optional fields left out when they do not parse, rather than what holds them. */
const OPTIONAL_FIELDS = new Set(['showIf', 'audiences', 'references', 'polarity', 'exclusive', 'other', 'perceptionGap']);
/** Stand-ins for required top-level values that the checks across the definition do not read. */
const STAND_INS: Record<string, unknown> = { code: 'survey', version: 1, estimatedMinutes: 1, languages: ['en'] };
const STAND_IN_TEXT = { en: '…', cy: '…' };

/**
 * Repairs a copy of the input until the schema takes it, guided by the schema's own issues: a
 * text that does not parse is stood in for, an optional field that does not is dropped, and
 * any other entry of a list (a question, an option, an audience …) is left out, remembering
 * where the others were. Nothing here is reported: the schema's issues already are.
 */
function salvage(input: unknown): Salvaged | undefined {
  if (!isRecord(input)) return undefined;
  const draft = structuredClone(input);
  const positions = new WeakMap<unknown[], number[]>();
  const leftOut = new Set<string>();
  const partial = new Set<string>();
  // Each round leaves out or stands in for at least one thing, and a definition has only so many.
  for (let round = 0; round < 100; round++) {
    const parsed = ZDefinition.safeParse(draft);
    if (parsed.success) return { definition: parsed.data, inputPath: (path) => inputPathOf(draft, positions, path), leftOut, partial };
    const removals = new Map<unknown[], Set<number>>();
    for (const issue of parsed.error.issues) {
      const path = issue.path.map((step) => (typeof step === 'symbol' ? String(step) : step));
      if (path.length > 0) partial.add(String(path[0]));
      if (!repair(draft, path, issue.code === 'unrecognized_keys' ? issue.keys : undefined, removals)) return undefined;
    }
    for (const [list, indices] of removals) {
      const at = positions.get(list) ?? list.map((_, i) => i);
      for (const i of [...indices].sort((a, b) => b - a)) {
        const entry = list[i];
        const code = isRecord(entry) ? entry.code : entry;
        if (typeof code === 'string') leftOut.add(code);
        list.splice(i, 1);
        at.splice(i, 1);
      }
      positions.set(list, at);
    }
  }
  return undefined;
}

function repair(draft: Record<string, unknown>, path: Path, unknownKeys: string[] | undefined, removals: Map<unknown[], Set<number>>): boolean {
  const at = (depth: number) => atPath(draft, path.slice(0, depth));
  if (unknownKeys) {
    const holder = at(path.length);
    if (!isRecord(holder)) return false;
    for (const key of unknownKeys) delete holder[key];
    return true;
  }
  for (let depth = path.length - 1; depth >= 0; depth--) {
    const step = path[depth]!;
    const holder = at(depth);
    if (typeof step === 'number' && Array.isArray(holder)) {
      removals.set(holder, (removals.get(holder) ?? new Set()).add(step));
      return true;
    }
    if (typeof step !== 'string' || !isRecord(holder)) continue;
    // A respondent-facing text that does not parse is stood in for, so what holds it is still checked.
    if (TEXT_KEYS.includes(step)) {
      holder[step] = STAND_IN_TEXT;
      return true;
    }
    if (OPTIONAL_FIELDS.has(step)) {
      delete holder[step];
      return true;
    }
  }
  const field = path[0];
  // Without its sections there is nothing to check across.
  if (typeof field !== 'string' || field === 'sections') return false;
  if (field in STAND_INS) draft[field] = STAND_INS[field];
  else delete draft[field];
  return true;
}

function inputPathOf(draft: unknown, positions: WeakMap<unknown[], number[]>, path: Path): Path {
  let node = draft;
  return path.map((step) => {
    const original = typeof step === 'number' && Array.isArray(node) ? (positions.get(node)?.[step] ?? step) : step;
    node = isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[step] : undefined;
    return original;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const codeOf = (value: unknown): string | undefined => (isRecord(value) && typeof value.code === 'string' ? value.code : undefined);

/**
 * Codes used twice in a list, read from the input as written, so a duplicate is found even
 * where the entries have other problems. Question codes are unique across the whole survey.
 */
function duplicateCodes(input: unknown): DefinitionProblem[] {
  if (!isRecord(input)) return [];
  const problems: DefinitionProblem[] = [];
  const inList = (list: unknown, path: Path, kind: string, describe: (entry: unknown) => string = (entry) => named(kind, entry)) => {
    const first = new Map<string, unknown>();
    listOf(list).forEach((entry, i) => {
      const code = codeOf(entry);
      if (code === undefined) return;
      const earlier = first.get(code);
      if (earlier === undefined) first.set(code, entry);
      else problems.push({ path: formatPath([...path, i, 'code']), message: `the code "${code}" is also used by ${describe(earlier)}. Give each ${kind} its own code.` });
    });
  };
  inList(input.sections, ['sections'], 'section');
  inList(input.audiences, ['audiences'], 'audience');
  inList(input.indices, ['indices'], 'index');
  const questions = listOf(input.sections).flatMap((section, s) => listOf(isRecord(section) ? section.questions : undefined).map((question, q) => ({ section, question, s, q })));
  const sectionOf = new Map(questions.map(({ question, section }) => [question, section]));
  const firstQuestion = new Map<string, unknown>();
  for (const { question, s, q } of questions) {
    const code = codeOf(question);
    if (code === undefined) continue;
    const earlier = firstQuestion.get(code);
    if (earlier === undefined) firstQuestion.set(code, question);
    else
      problems.push({
        path: formatPath(['sections', s, 'questions', q, 'code']),
        message: `the code "${code}" is also used by ${named('question', earlier)} in ${named('section', sectionOf.get(earlier))}. Give each question its own code.`,
      });
    if (!isRecord(question)) continue;
    inList(question.options, ['sections', s, 'questions', q, 'options'], 'option');
    inList(question.items, ['sections', s, 'questions', q, 'items'], 'statement');
  }
  return problems;
}

/** The names people know the languages by, for a missing translation. */
const LANGUAGE_NAMES: Record<TLanguage, string> = { en: 'English (en)', cy: 'Welsh (cy)' };

/** Up to eight codes for a message: "a, b or c". */
function choices(codes: readonly string[]): string {
  const shown = codes.slice(0, 8).map((c) => `"${c}"`);
  if (codes.length > 8) return `${shown.join(', ')} …`;
  return shown.length > 1 ? `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}` : (shown[0] ?? '');
}

/**
 * Checks that need the whole definition: references between questions, segments and
 * audiences, indices, findings, translations. Run over what parsed (`Salvaged`): a reference
 * to something left out is not checked, as that thing's own problems are reported.
 */
function crossCheck(checkable: Salvaged, input: unknown, findings: TPublishedFindings): DefinitionProblem[] {
  const { definition, leftOut, partial } = checkable;
  const problems: DefinitionProblem[] = [];
  const add = (path: Path, message: string) => problems.push({ path: formatPath(checkable.inputPath(path)), message });
  const placed = allQuestions(definition);
  const pathOf = (sectionIndex: number, questionIndex: number): Path => ['sections', sectionIndex, 'questions', questionIndex];
  const byCode = new Map<string, { question: TQuestion; order: number; path: Path }>();
  /** A question as the input names it (its title as written, not a stand-in). */
  const nameOf = (code: string) => {
    const at = byCode.get(code);
    return at ? named('question', atPath(input, checkable.inputPath(at.path))) : `question "${code}"`;
  };

  // Form field names must not collide across the whole definition (codes used twice are duplicateCodes').
  const fields = new Map<string, string>();
  placed.forEach(({ question, sectionIndex, questionIndex }, order) => {
    const path = pathOf(sectionIndex, questionIndex);
    if (!byCode.has(question.code)) byCode.set(question.code, { question, order, path });
    const names = [question.code];
    if (question.type === 'matrix') names.push(...question.items.map((item) => matrixField(question, item.code)));
    if (question.type === 'multiple' && question.other) names.push(otherField(question));
    for (const name of names) {
      const owner = fields.get(name);
      if (owner && owner !== question.code) add([...path, 'code'], `its form field "${name}" is the same as one of ${nameOf(owner)}. Change one of the two codes.`);
      fields.set(name, question.code);
    }
    if (question.type === 'matrix' && question.scale !== 'agree') {
      question.items.forEach((item, i) => {
        if (item.polarity !== undefined) add([...path, 'items', i, 'polarity'], 'polarity applies only to agreement statements (scale: agree). Remove it.');
      });
    }
    if (question.type === 'single' || question.type === 'multiple') {
      const values = question.options.map((o, i) => o.value ?? i + 1);
      if (new Set(values).size !== values.length)
        add([...path, 'options'], 'two options have the same value. Give each option its own value, or leave the values out to number the options in order.');
    }
    if (question.type === 'multiple' && question.other && question.options.some((o) => o.code === question.other?.code)) {
      add([...path, 'other', 'code'], `"${question.other.code}" is already the code of an option. Give "other" a code of its own.`);
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
      if (!leftOut.has(code)) add([...path, 'question'], `refers to question "${code}", which is not in the survey. Use the code of one of its questions.`);
      return undefined;
    }
    if (before !== undefined && target.order >= before) {
      const name = nameOf(code);
      add(
        [...path, 'question'],
        path.at(-3) !== 'questions'
          ? `depends on ${name}, which is asked in this section or after it. A section's condition can only use an answer from an earlier section: choose one, or move the section after the one asking that question.`
          : target.order === before
            ? 'depends on its own answer. A condition can only use an earlier answer: choose a question asked before this one.'
            : `depends on ${name}, which is asked after it. A condition can only use an earlier answer: choose a question asked before this one, or move this one after that question.`,
      );
      return undefined;
    }
    const name = nameOf(code);
    if (target.question.type === 'matrix') {
      const statements = choices(target.question.items.map((i) => i.code));
      if (item === undefined) add([...path, 'item'], `${name} is a grid of statements, so say which statement: add item, one of ${statements}.`);
      else if (!target.question.items.some((i) => i.code === item) && !leftOut.has(item)) add([...path, 'item'], `${name} has no statement "${item}". Use one of ${statements}.`);
    } else if (item !== undefined) {
      add([...path, 'item'], `${name} is not a grid of statements, so it has no items. Remove item.`);
    }
    return target.question;
  };

  const checkCodes = (path: Path, codes: string[], allowed: string[], what: string) => {
    codes.forEach((code, i) => {
      if (!allowed.includes(code) && !leftOut.has(code)) add([...path, i], `"${code}" is not ${what}. Use ${allowed.length > 1 ? 'one of ' : ''}${choices(allowed)}.`);
    });
  };

  // Segments and audiences: both optional, but audiences are made of role groups.
  const roleGroup = definition.segments.roleGroup;
  const role = roleGroup === undefined ? undefined : byCode.get(roleGroup);
  /** The role groups, when they are known: none without a role question, unknown when it did not parse. */
  let roleCodes: string[] | undefined = roleGroup === undefined && !partial.has('segments') ? [] : undefined;
  if (roleGroup !== undefined && !role) {
    if (!leftOut.has(roleGroup))
      add(
        ['segments', 'roleGroup'],
        `refers to question "${roleGroup}", which is not in the survey. Name the role question's code, or leave out roleGroup for a survey without a role breakdown.`,
      );
  } else if (role && role.question.type !== 'single')
    add(['segments', 'roleGroup'], `${nameOf(role.question.code)} is not a single choice question. Make the role question a single choice (type: single).`);
  else if (role && role.question.type === 'single') {
    roleCodes = role.question.options.map((o) => o.code);
    if (role.path[1] !== 0)
      add(['segments', 'roleGroup'], `${nameOf(role.question.code)} must be asked in the first section, as the questions after it depend on the role. Move it to the first section.`);
    if (!role.question.required) add([...role.path, 'required'], 'the role group question must be answered by everyone. Set required: true.');
    if (role.question.showIf || role.question.audiences) add(role.path, 'the role group question must be asked of everyone. Remove its condition (showIf) and audiences.');
  }
  if (definition.segments.directorate) {
    const directorate = byCode.get(definition.segments.directorate);
    if (!directorate) {
      if (!leftOut.has(definition.segments.directorate))
        add(
          ['segments', 'directorate'],
          `refers to question "${definition.segments.directorate}", which is not in the survey. Name the directorate question's code, or leave out directorate.`,
        );
    } else if (directorate.question.type !== 'single')
      add(['segments', 'directorate'], `${nameOf(directorate.question.code)} is not a single choice question. Make the directorate question a single choice (type: single).`);
  }
  /** Role group codes, or a problem where the survey has none to refer to. */
  const checkRoleGroups = (path: Path, codes: string[]) => {
    if (roleCodes === undefined) return;
    if (roleCodes.length === 0) add(path, 'refers to role groups, but the survey has no role group question. Name one in segments (roleGroup: its code), or remove this.');
    else checkCodes(path, codes, roleCodes, 'a role group (an option of the role question)');
  };
  const audienceOf = new Map<string, string>();
  definition.audiences.forEach((audience, a) => {
    if (roleCodes?.length === 0) return;
    checkRoleGroups(['audiences', a, 'roleGroups'], audience.roleGroups);
    for (const group of audience.roleGroups) {
      if (audienceOf.has(group)) add(['audiences', a, 'roleGroups'], `role group "${group}" is already in audience "${audienceOf.get(group)}". Put each role group in one audience only.`);
      audienceOf.set(group, audience.code);
    }
  });
  if (definition.audiences.length > 0 && roleCodes?.length === 0)
    add(['audiences'], 'audiences are made of role groups, but the survey has no role group question. Name one in segments (roleGroup: its code), or remove the audiences.');
  if (definition.audiences.length > 0 && roleCodes && !partial.has('audiences')) {
    for (const code of roleCodes) {
      if (!audienceOf.has(code)) add(['audiences'], `role group "${code}" is not in any audience, so those respondents would see only the questions asked of everyone. Add it to an audience.`);
    }
  }
  const audienceCodes = definition.audiences.map((a) => a.code);
  const checkAudiences = (path: Path, codes: string[]) => {
    if (audienceCodes.length === 0 && !partial.has('audiences')) add(path, 'names audiences, but the survey has none. Add the audiences, or remove these.');
    else checkCodes(path, codes, audienceCodes, 'an audience');
  };
  if (definition.perceptionGap) {
    checkRoleGroups(['perceptionGap', 'leaders'], definition.perceptionGap.leaders);
    if (roleCodes?.length !== 0) checkRoleGroups(['perceptionGap', 'frontline'], definition.perceptionGap.frontline);
  }

  // Conditions, audiences and references on sections and questions.
  const checkCondition = (path: Path, condition: NonNullable<TQuestion['showIf']>, before: number) => {
    const target = checkItemRef(path, condition.question, condition.item, before);
    if (!target) return;
    if (target.type === 'number' || target.type === 'text' || target.type === 'multiple') {
      const kind = { number: 'number', text: 'free text', multiple: 'multiple choice' }[target.type];
      add([...path, 'question'], `${nameOf(condition.question)} is a ${kind} question; a condition can only use a single choice or scale answer. Choose another question.`);
      return;
    }
    const allowed = optionCodes(target, condition.item);
    const list = condition.anyOf ? 'anyOf' : 'noneOf';
    checkCodes([...path, list], condition.anyOf ?? condition.noneOf ?? [], allowed, `an answer to ${nameOf(condition.question)}`);
  };
  // Published segments: each maps to a group this survey has.
  const segmentPath = (name: string): Path => ['publishedSegments', name];
  for (const [name, group] of Object.entries(definition.publishedSegments)) {
    if ('group' in group) {
      if (!definition.perceptionGap && !partial.has('perceptionGap'))
        add(
          segmentPath(name),
          `maps to the ${group.group} group, but the definition has no perceptionGap saying who the ${group.group} are. Add perceptionGap, or map "${name}" to a role group.`,
        );
    } else if ('roleGroup' in group) {
      checkRoleGroups(segmentPath(name), [group.roleGroup]);
    } else {
      const target = checkItemRef(segmentPath(name), group.question, group.item);
      if (target) checkCodes([...segmentPath(name), 'anyOf'], group.anyOf, optionCodes(target, group.item), `an answer to ${nameOf(group.question)}`);
    }
  }
  const audienceRoles = new Map(definition.audiences.map((a) => [a.code, a.roleGroups]));
  const askedOf = (codes: readonly string[] | undefined): Set<string> => new Set(codes ? codes.flatMap((c) => audienceRoles.get(c) ?? []) : roleCodes);
  /** A reference must compare like with like: the finding's population and group must be ones this survey has. */
  const checkLikeForLike = (refPath: Path, question: TQuestion, section: TSection, reference: NonNullable<TQuestion['references']>[number]) => {
    const found = findFinding(findings, reference.study, reference.statement);
    if (!found) return;
    const { finding } = found;
    const removeIt = 'Remove this reference: the figures would not compare like with like.';
    if (finding.population !== undefined) {
      add(refPath, `the finding "${reference.statement}" is about ${finding.population}, a population this survey does not ask. ${removeIt}`);
      return;
    }
    if (reference.basis === 'rating') {
      if (question.type !== 'matrix' || reference.item === undefined)
        add(
          [...refPath, 'basis'],
          '"rating" compares the ratings of one statement of a grid, so the question must be a grid (matrix) and the reference must name its item. Name the item, or remove basis.',
        );
      if (finding.segment === undefined) add([...refPath, 'basis'], `"rating" needs a finding about a group, and "${reference.statement}" describes no group (segment). Remove basis: rating.`);
      return;
    }
    if (finding.segment === undefined) return;
    if (roleCodes === undefined || partial.has('publishedSegments') || partial.has('audiences')) return;
    const group = definition.publishedSegments[finding.segment];
    if (!group) {
      add(
        refPath,
        `the finding "${reference.statement}" describes "${finding.segment}", which publishedSegments does not map to a group of this survey. Map "${finding.segment}" in publishedSegments, or remove this reference.`,
      );
      return;
    }
    if ('question' in group) {
      add(
        refPath,
        `the finding "${reference.statement}" describes "${finding.segment}", a group defined by an answer to "${group.question}"; comparisons within such a group are not made. ${removeIt}`,
      );
      return;
    }
    const members = 'roleGroup' in group ? [group.roleGroup] : (definition.perceptionGap?.[group.group] ?? []);
    const asked = askedOf(section.audiences);
    const askedQuestion = askedOf(question.audiences);
    if (!members.some((r) => asked.has(r) && askedQuestion.has(r)))
      add(refPath, `the finding "${reference.statement}" describes "${finding.segment}", but "${question.code}" is not asked of that group. Ask it of them, or remove this reference.`);
  };

  let firstOrder = 0;
  definition.sections.forEach((section, s) => {
    if (section.showIf) checkCondition(['sections', s, 'showIf'], section.showIf, firstOrder);
    if (section.audiences) checkAudiences(['sections', s, 'audiences'], section.audiences);
    section.questions.forEach((question, q) => {
      const path = pathOf(s, q);
      if (question.showIf) checkCondition([...path, 'showIf'], question.showIf, firstOrder + q);
      if (question.audiences) checkAudiences([...path, 'audiences'], question.audiences);
      question.references?.forEach((reference, r) => {
        const refPath = [...path, 'references', r];
        if (!findFinding(findings, reference.study, reference.statement)) {
          const known = findings.studies.some((st) => st.id === reference.study);
          add(
            refPath,
            known
              ? `study "${reference.study}" has no finding "${reference.statement}". Copy the statement exactly as reference/published-findings.json gives it.`
              : `there is no study "${reference.study}". Use one of ${choices(findings.studies.map((st) => st.id))}.`,
          );
        }
        const target = checkItemRef(refPath, question.code, reference.item);
        if (target) checkCodes([...refPath, 'counts'], reference.counts, optionCodes(target, reference.item), `an answer to ${nameOf(question.code)}`);
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
      const itemName = `"${item.question}${item.item ? `.${item.item}` : ''}"`;
      if (index.kind === 'engagement' && !(target.type === 'engagement' || (target.type === 'matrix' && target.scale === 'engagement'))) {
        add(
          [...path, 'question'],
          `${nameOf(item.question)} is not on the engagement scale, and an engagement index can only use engagement scale questions. Choose one, or remove this item.`,
        );
      }
      const polarity = moduleFor(target)
        .closedVariables(target)
        .find((v) => v.item === (item.item ?? ''))?.polarity;
      if (polarity === 'negative' && !item.reverse)
        add([...path, 'reverse'], `${itemName} has polarity "negative" (agreeing is unfavourable), so the index must reverse it. Add reverse: true.`);
      if (polarity === 'positive' && item.reverse)
        add(
          [...path, 'reverse'],
          `contradictory polarity: ${itemName} has polarity "positive" (agreeing is favourable) but the index reverses it. Declare polarity: negative on the statement, or remove reverse.`,
        );
      if (item.scores) checkCodes([...path, 'scores'], Object.keys(item.scores), optionCodes(target, item.item), `an answer to ${nameOf(item.question)}`);
      else if (!scaled)
        add([...path, 'scores'], `${nameOf(item.question)} is not a scale question, so its answers need scores. Add scores: a score from 0 to 100 for each answer that counts.`);
    });
  });

  // Translations: every string must exist in every declared language.
  for (const problem of missingTranslations(definition)) problems.push({ ...problem, path: formatPath(checkable.inputPath(parsePath(problem.path))) });
  return problems;
}

/** The value at a path in the input. */
function atPath(input: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, step) => (isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[step] : undefined), input);
}

/** Every respondent-facing text lacking one of the definition's declared languages (a survey built in the browser may lack Welsh until it opens), each with its place in words. */
export function missingTranslations(definition: TDefinition, languages: readonly TLanguage[] = definition.languages): DefinitionProblem[] {
  return languages.flatMap((lang) =>
    [...texts(definition)]
      .filter(({ text }) => text[lang] === undefined)
      .map(({ path }) => ({ path: formatPath(path), where: placeOf(definition, formatPath(path)), language: lang, message: `has no ${LANGUAGE_NAMES[lang]} text. Add it.` })),
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
