import type { Kysely } from 'kysely';
import { ZCode } from '../instrument/codes.js';
import { allQuestions, type TDefinition, type TSection } from '../instrument/definition.js';
import { loadInstrumentFile, STANDARD_INSTRUMENT_PATH } from '../instrument/load.js';
import type { TCondition, TOption } from '../instrument/question-types/base.js';
import { moduleFor, QUESTION_TYPES, type QuestionType, type TQuestion } from '../instrument/question-types/index.js';
import { localise, type TText } from '../instrument/text.js';
import { describeProblem } from '../instrument/problems.js';
import { missingTranslations, validateDefinition, validateDefinitionText } from '../instrument/validate.js';
import { Refusal } from '../publications/service.js';
import type { Database } from '../storage/schema.js';
import { findSurveyById, publishInstrument, replaceDraftInstrument } from '../storage/surveys.js';
import { auditBy, recordAudit, type Actor } from './audit.js';
import { linesWithBadBytes } from './invitations.js';
import type { FieldError } from './waves.js';

/**
 * The survey builder: pure operations on a draft definition (sections, questions of every
 * type, options, conditions, audiences, English and Welsh side by side), each returning the
 * changed definition or specific problems naming the question, and `changeDraft`, which stores
 * the result as the draft wave's definition. The result is always a valid definition in the
 * same format as the files (checked by `validateDefinition`), except that a bilingual survey
 * may lack Welsh until it opens (`missingWelsh`; opening refuses while any is missing).
 */

export type BuilderResult = { ok: true; definition: TDefinition } | { ok: false; errors: FieldError[] };

/** Why a comparison item cannot be reworded, in one sentence, wherever the builder refuses or marks one. */
export const LOCKED_REASON =
  'Its wording and options cannot be changed: changing them would break the comparison with other councils and the national figures. You can leave it out, which removes it from those comparisons.';

export const QUESTION_TYPE_NAMES: Record<QuestionType, string> = {
  single: 'Single choice',
  multiple: 'Multiple choice',
  agree: 'Agreement scale',
  engagement: 'Engagement scale',
  number: 'Number',
  text: 'Free text',
  matrix: 'Grid of statements on one scale',
};

/** English and Welsh of one text as typed: blank when not given. */
export interface TextPair {
  en: string;
  cy: string;
}

const blankPair = (): TextPair => ({ en: '', cy: '' });
const pairOf = (text: TText | undefined): TextPair => ({ en: text?.en ?? '', cy: text?.cy ?? '' });

/** The short name a message uses for a question: its code and the start of its English wording. */
export function questionName(question: { code: string; text: TText }): string {
  const words = question.text.en.length > 60 ? `${question.text.en.slice(0, 57)}…` : question.text.en;
  return `"${question.code}" (${words})`;
}

/** Questions compared with other councils or the national figures: they carry a published-findings reference or feed an index. */
export function lockedQuestions(definition: TDefinition): Set<string> {
  const locked = new Set(allQuestions(definition).flatMap(({ question }) => (question.references ? [question.code] : [])));
  for (const index of definition.indices) for (const item of index.items) locked.add(item.question);
  return locked;
}

export function standardDefinition(): TDefinition {
  return loadInstrumentFile(STANDARD_INSTRUMENT_PATH);
}

/**
 * The smallest survey there is: the role question every definition needs (it places each
 * respondent in a group, for the workforce profile and the segment rules), one audience.
 */
export function blankDefinition(title: string): TDefinition {
  return {
    code: 'survey',
    version: 1,
    title: { en: title },
    languages: ['en'],
    estimatedMinutes: 5,
    segments: { roleGroup: 'role' },
    audiences: [{ code: 'everyone', label: { en: 'Everyone' }, roleGroups: ['manager', 'staff'] }],
    publishedSegments: {},
    indices: [],
    sections: [
      {
        code: 'about',
        title: { en: 'About you' },
        questions: [
          {
            code: 'role',
            type: 'single',
            text: { en: 'Which of these best describes your role?' },
            required: true,
            requiredMessage: { en: 'Select the role that best describes yours' },
            options: [
              { code: 'manager', label: { en: 'Manager or team leader' } },
              { code: 'staff', label: { en: 'Staff member' } },
            ],
          },
        ],
      },
    ],
  };
}

/** Each respondent-facing text still without Welsh in a survey declared bilingual, by where it is. */
export function missingWelsh(definition: TDefinition): string[] {
  return definition.languages.includes('cy') ? missingTranslations(definition, ['cy']).map((p) => p.where ?? p.path) : [];
}

// ---------------------------------------------------------------- forms

export interface SettingsForm {
  title: TextPair;
  description: TextPair;
  estimatedMinutes: string;
  welsh: boolean;
}

export function settingsFormOf(definition: TDefinition): SettingsForm {
  return { title: pairOf(definition.title), description: pairOf(definition.description), estimatedMinutes: String(definition.estimatedMinutes), welsh: definition.languages.includes('cy') };
}

export interface SectionForm {
  code: string;
  title: TextPair;
  description: TextPair;
  audiences: string[];
}

export function sectionFormOf(section?: TSection): SectionForm {
  return { code: section?.code ?? '', title: pairOf(section?.title), description: pairOf(section?.description), audiences: section?.audiences ?? [] };
}

export interface QuestionForm {
  code: string;
  type: QuestionType;
  text: TextPair;
  hint: TextPair;
  required: boolean;
  requiredMessage: TextPair;
  /** One option (or matrix statement) a line: `code | English | Welsh`. */
  options: string;
  /** Options that cannot be combined with others, by code, separated by commas or spaces. */
  exclusive: string;
  other: boolean;
  otherLabel: TextPair;
  scale: 'agree' | 'engagement';
  dontKnow: boolean;
  min: string;
  max: string;
  integer: boolean;
  suffix: TextPair;
  maxLength: string;
  audiences: string[];
}

const optionLines = (entries: readonly { code: string; label?: TText; text?: TText }[]) =>
  entries.map((e) => [e.code, (e.label ?? e.text)?.en ?? '', (e.label ?? e.text)?.cy ?? ''].join(' | ').replace(/ \| $/, '')).join('\n');

export function questionFormOf(question: TQuestion | undefined, type: QuestionType = question?.type ?? 'single'): QuestionForm {
  const form: QuestionForm = {
    code: question?.code ?? '',
    type,
    text: pairOf(question?.text),
    hint: pairOf(question?.hint),
    required: question?.required ?? true,
    requiredMessage: pairOf(question?.requiredMessage),
    options: '',
    exclusive: '',
    other: false,
    otherLabel: blankPair(),
    scale: 'agree',
    dontKnow: true,
    min: '',
    max: '',
    integer: true,
    suffix: blankPair(),
    maxLength: '2000',
    audiences: question?.audiences ?? [],
  };
  if (!question) return form;
  if (question.type === 'single' || question.type === 'multiple') {
    form.options = optionLines(question.options);
    form.exclusive = question.options
      .filter((o) => o.exclusive)
      .map((o) => o.code)
      .join(', ');
  }
  if (question.type === 'multiple' && question.other) Object.assign(form, { other: true, otherLabel: pairOf(question.other.label) });
  if (question.type === 'matrix') Object.assign(form, { options: optionLines(question.items), scale: question.scale, dontKnow: question.dontKnow });
  if (question.type === 'agree') form.dontKnow = question.dontKnow;
  if (question.type === 'number') Object.assign(form, { min: String(question.min), max: String(question.max), integer: question.integer, suffix: pairOf(question.suffix) });
  if (question.type === 'text') form.maxLength = String(question.maxLength);
  return form;
}

type Body = Record<string, unknown>;
const field = (body: Body, name: string) => {
  const value = body[name];
  return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : '';
};
const fields = (body: Body, name: string) => [body[name] ?? []].flat().filter((v): v is string => typeof v === 'string');
const pairFrom = (body: Body, name: string): TextPair => ({ en: field(body, `${name}_en`), cy: field(body, `${name}_cy`) });
const yes = (body: Body, name: string) => field(body, name) === 'yes';

export function settingsFormFrom(body: Body): SettingsForm {
  return { title: pairFrom(body, 'title'), description: pairFrom(body, 'description'), estimatedMinutes: field(body, 'estimatedMinutes'), welsh: yes(body, 'welsh') };
}

export function sectionFormFrom(body: Body): SectionForm {
  return { code: field(body, 'code'), title: pairFrom(body, 'title'), description: pairFrom(body, 'description'), audiences: fields(body, 'audiences') };
}

export function questionFormFrom(body: Body, type: QuestionType): QuestionForm {
  const scale = field(body, 'scale');
  return {
    code: field(body, 'code'),
    type,
    text: pairFrom(body, 'text'),
    hint: pairFrom(body, 'hint'),
    required: field(body, 'required') !== 'no',
    requiredMessage: pairFrom(body, 'requiredMessage'),
    options: field(body, 'options'),
    exclusive: field(body, 'exclusive'),
    other: yes(body, 'other'),
    otherLabel: pairFrom(body, 'otherLabel'),
    scale: scale === 'engagement' ? 'engagement' : 'agree',
    dontKnow: yes(body, 'dontKnow'),
    min: field(body, 'min'),
    max: field(body, 'max'),
    integer: field(body, 'integer') !== 'no',
    suffix: pairFrom(body, 'suffix'),
    maxLength: field(body, 'maxLength'),
    audiences: fields(body, 'audiences'),
  };
}

export function isQuestionType(value: unknown): value is QuestionType {
  return typeof value === 'string' && (QUESTION_TYPES as string[]).includes(value);
}

// ---------------------------------------------------------------- reading forms into definition parts

/** A text from its English and Welsh boxes; undefined when both are blank (and `required` says so with the message). */
function textFrom(pair: TextPair, errors: FieldError[], required?: { field: string; message: string }): TText | undefined {
  const en = pair.en.trim();
  const cy = pair.cy.trim();
  if (en === '') {
    if (required) errors.push(required);
    else if (cy !== '') errors.push({ field: '', message: 'Welsh was given without English' });
    return undefined;
  }
  return cy === '' ? { en } : { en, cy };
}

function codeProblem(code: string, what: string): string | undefined {
  if (code === '') return `Enter a code for ${what}`;
  const parsed = ZCode.safeParse(code);
  return parsed.success ? undefined : `The code "${code}" of ${what} ${parsed.error.issues[0]!.message}`;
}

/** Option or statement lines, `code | English | Welsh`, with every problem named by line. */
function linesFrom(text: string, what: { owner: string; entry: 'option' | 'statement' }, errors: FieldError[]): { code: string; label: TText }[] {
  const entries: { code: string; label: TText }[] = [];
  const seen = new Map<string, number>();
  text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .forEach((line, i) => {
      if (line === '') return;
      const [code = '', en = '', cy = '', ...rest] = line.split('|').map((part) => part.trim());
      const where = `${what.entry} line ${i + 1} of ${what.owner}`;
      if (rest.length > 0 || en === '') {
        errors.push({ field: 'options', message: `Write ${where} as code | English | Welsh (the Welsh may be left out)` });
        return;
      }
      const problem = codeProblem(code, where);
      if (problem) errors.push({ field: 'options', message: problem });
      if (seen.has(code))
        errors.push({
          field: 'options',
          message: `${what.owner} lists the ${what.entry} code "${code}" twice (lines ${seen.get(code)! + 1} and ${i + 1}): give each ${what.entry} its own code`,
        });
      seen.set(code, i);
      entries.push({ code, label: cy === '' ? { en } : { en, cy } });
    });
  return entries;
}

function wholeNumber(value: string, label: string, errors: FieldError[], fieldName: string): number | undefined {
  const trimmed = value.trim();
  if (!/^-?\d+(\.\d+)?$/.test(trimmed)) {
    errors.push({ field: fieldName, message: `${label} must be a number, such as 10` });
    return undefined;
  }
  return Number(trimmed);
}

/** The question a form describes (before the whole definition is checked), keeping what the form does not show: numeric option values, references, the condition. */
function questionFrom(form: QuestionForm, existing: TQuestion | undefined, errors: FieldError[]): TQuestion {
  const owner = existing ? `question ${questionName(existing)}` : form.code ? `question "${form.code}"` : 'the new question';
  const code = existing ? existing.code : form.code.trim();
  if (!existing) {
    const problem = codeProblem(code, 'the question');
    if (problem) errors.push({ field: 'code', message: problem });
  }
  const text = textFrom(form.text, errors, { field: 'text_en', message: `Enter the English wording of ${owner}` });
  const hint = textFrom(form.hint, errors);
  const requiredMessage = textFrom(form.requiredMessage, errors);
  const base = {
    code,
    text: text ?? { en: '' },
    ...(hint ? { hint } : {}),
    required: form.required,
    ...(requiredMessage ? { requiredMessage } : {}),
    ...(existing?.showIf ? { showIf: existing.showIf } : {}),
    ...(form.audiences.length > 0 ? { audiences: form.audiences } : {}),
    ...(existing?.references ? { references: existing.references } : {}),
  };
  // Lines written, well formed or not: a malformed one is reported as such, not as missing.
  const given = form.options.split(/\r?\n/).filter((line) => line.trim() !== '').length;
  const previousOptions: readonly TOption[] = existing && (existing.type === 'single' || existing.type === 'multiple') ? existing.options : [];
  switch (form.type) {
    case 'single':
    case 'multiple': {
      const exclusive = form.exclusive.split(/[\s,]+/).filter(Boolean);
      const lines = linesFrom(form.options, { owner, entry: 'option' }, errors);
      if (given < 2) errors.push({ field: 'options', message: `Give ${owner} at least 2 options, one a line` });
      for (const c of exclusive) if (!lines.some((l) => l.code === c)) errors.push({ field: 'exclusive', message: `"${c}" is not an option of ${owner}, so it cannot be exclusive` });
      if (exclusive.length > 0 && form.type === 'single') errors.push({ field: 'exclusive', message: `Only a multiple choice question has exclusive options; leave this blank for ${owner}` });
      const options = lines.map((line): TOption => {
        const value = previousOptions.find((o) => o.code === line.code)?.value;
        return { ...line, ...(value === undefined ? {} : { value }), ...(exclusive.includes(line.code) ? { exclusive: true } : {}) };
      });
      if (form.type === 'single') return { ...base, type: 'single', options };
      let other: { code: string; label: TText } | undefined;
      if (form.other) {
        const label = textFrom(form.otherLabel, errors, { field: 'otherLabel_en', message: `Enter the English label of the "Other" option of ${owner}` });
        other = { code: existing?.type === 'multiple' && existing.other ? existing.other.code : 'other', label: label ?? { en: '' } };
      }
      return { ...base, type: 'multiple', options, ...(other ? { other } : {}) };
    }
    case 'agree':
      // Whether agreeing is favourable stays as the question had it (a new statement: favourable).
      return { ...base, type: 'agree', dontKnow: form.dontKnow, polarity: existing?.type === 'agree' ? existing.polarity : 'positive' };
    case 'engagement':
      return { ...base, type: 'engagement' };
    case 'matrix': {
      const items = linesFrom(form.options, { owner, entry: 'statement' }, errors).map((l) => ({ code: l.code, text: l.label }));
      if (given < 2) errors.push({ field: 'options', message: `Give ${owner} at least 2 statements, one a line` });
      return { ...base, type: 'matrix', scale: form.scale, dontKnow: form.dontKnow, items };
    }
    case 'number': {
      const min = wholeNumber(form.min, `The smallest answer to ${owner}`, errors, 'min');
      const max = wholeNumber(form.max, `The largest answer to ${owner}`, errors, 'max');
      if (min !== undefined && max !== undefined && min >= max) errors.push({ field: 'max', message: `The largest answer to ${owner} must be more than the smallest` });
      const suffix = textFrom(form.suffix, errors);
      return { ...base, type: 'number', min: min ?? 0, max: max ?? 1, integer: form.integer, ...(suffix ? { suffix } : {}) };
    }
    case 'text': {
      const maxLength = form.maxLength.trim() === '' ? 2000 : wholeNumber(form.maxLength, `The longest answer to ${owner}`, errors, 'maxLength');
      if (maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength >= 1 && maxLength <= 10000))
        errors.push({ field: 'maxLength', message: `The longest answer to ${owner} must be a whole number of characters from 1 to 10000` });
      return { ...base, type: 'text', maxLength: maxLength ?? 2000 };
    }
  }
}

// ---------------------------------------------------------------- checking a changed definition

/** Conditions that read a question's answers, on questions and on sections, with who holds them. */
function conditionsOn(definition: TDefinition, code: string): { holder: string; holderCodes: string[]; condition: TCondition }[] {
  const found: { holder: string; holderCodes: string[]; condition: TCondition }[] = [];
  for (const section of definition.sections) {
    if (section.showIf?.question === code)
      found.push({ holder: `section "${section.code}" (${section.title.en})`, holderCodes: section.questions.map((q) => q.code), condition: section.showIf });
    for (const question of section.questions)
      if (question.showIf?.question === code) found.push({ holder: `question ${questionName(question)}`, holderCodes: [question.code], condition: question.showIf });
  }
  return found;
}

/**
 * The definition's validation of a changed draft, each problem in the words every other entry
 * point uses (describeProblem); Welsh may be missing while the survey is a draft.
 */
function checked(definition: TDefinition): BuilderResult {
  // Validated as if English only: missing Welsh is listed (missingWelsh) and stops the wave opening, not each edit.
  const result = validateDefinition({ ...definition, languages: ['en'] });
  if (!result.ok) return { ok: false, errors: result.problems.map((p) => ({ field: '', message: describeProblem(p) })) };
  return { ok: true, definition: { ...result.definition, languages: definition.languages } };
}

const refused = (field: string, message: string): BuilderResult => ({ ok: false, errors: [{ field, message }] });

function locate(definition: TDefinition, code: string) {
  return allQuestions(definition).find((p) => p.question.code === code);
}

// ---------------------------------------------------------------- operations

export function editSettings(definition: TDefinition, form: SettingsForm): BuilderResult {
  const errors: FieldError[] = [];
  const title = textFrom(form.title, errors, { field: 'title_en', message: 'Enter the survey’s English title' });
  const description = textFrom(form.description, errors);
  const minutes = Number(form.estimatedMinutes.trim());
  if (!/^\d+$/.test(form.estimatedMinutes.trim()) || minutes < 1 || minutes > 120)
    errors.push({ field: 'estimatedMinutes', message: 'The time it takes must be a whole number of minutes from 1 to 120' });
  if (errors.length > 0 || !title) return { ok: false, errors };
  const { description: _dropped, ...rest } = definition;
  return checked({ ...rest, title, ...(description ? { description } : {}), estimatedMinutes: minutes, languages: form.welsh ? ['en', 'cy'] : ['en'] });
}

function sectionFrom(definition: TDefinition, form: SectionForm, existing: TSection | undefined): { section?: Omit<TSection, 'questions'>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const code = existing ? existing.code : form.code.trim();
  if (!existing) {
    const problem = codeProblem(code, 'the section');
    if (problem) errors.push({ field: 'code', message: problem });
    else if (definition.sections.some((s) => s.code === code))
      errors.push({ field: 'code', message: `The section code "${code}" is already used by section "${definition.sections.find((s) => s.code === code)!.title.en}": choose another` });
  }
  const name = existing ? `section "${existing.code}" (${existing.title.en})` : 'the new section';
  const title = textFrom(form.title, errors, { field: 'title_en', message: `Enter the English title of ${name}` });
  const description = textFrom(form.description, errors);
  if (!title || errors.length > 0) return { errors };
  return {
    errors,
    section: {
      code,
      title,
      ...(description ? { description } : {}),
      ...(existing?.showIf ? { showIf: existing.showIf } : {}),
      ...(form.audiences.length > 0 ? { audiences: form.audiences } : {}),
    },
  };
}

/** A section needs a first question, so it is added with one. */
export function addSection(definition: TDefinition, sectionForm: SectionForm, questionForm: QuestionForm): BuilderResult {
  const made = sectionFrom(definition, sectionForm, undefined);
  const section = made.section;
  // The page holding both names the section's fields with a prefix.
  const errors = made.errors.map((e) => ({ ...e, field: e.field && `section_${e.field}` }));
  const question = questionFrom(questionForm, undefined, errors);
  if (section && !errors.length)
    return withQuestionCodeChecked(definition, question, () => checked({ ...definition, sections: [...definition.sections, { ...section, questions: [question] }] }));
  return { ok: false, errors };
}

export function editSection(definition: TDefinition, code: string, form: SectionForm): BuilderResult {
  const existing = definition.sections.find((s) => s.code === code);
  if (!existing) return refused('', `There is no section "${code}"`);
  const { section, errors } = sectionFrom(definition, form, existing);
  if (!section) return { ok: false, errors };
  return checked({ ...definition, sections: definition.sections.map((s) => (s === existing ? { ...section, questions: s.questions } : s)) });
}

function move<T>(list: readonly T[], index: number, direction: 'up' | 'down'): T[] | undefined {
  const to = direction === 'up' ? index - 1 : index + 1;
  if (to < 0 || to >= list.length) return undefined;
  const copy = [...list];
  [copy[index], copy[to]] = [copy[to]!, copy[index]!];
  return copy;
}

export function moveSection(definition: TDefinition, code: string, direction: 'up' | 'down'): BuilderResult {
  const index = definition.sections.findIndex((s) => s.code === code);
  if (index < 0) return refused('', `There is no section "${code}"`);
  const sections = move(definition.sections, index, direction);
  if (!sections) return refused('', `Section "${code}" is already the ${direction === 'up' ? 'first' : 'last'}`);
  return checked({ ...definition, sections });
}

/** A question moves within its section, or from the top or bottom of one into the next. */
export function moveQuestion(definition: TDefinition, code: string, direction: 'up' | 'down'): BuilderResult {
  const place = locate(definition, code);
  if (!place) return refused('', `There is no question "${code}"`);
  const { sectionIndex: s, questionIndex: q, question } = place;
  const sections = definition.sections.map((section) => ({ ...section, questions: [...section.questions] }));
  const within = move(sections[s]!.questions, q, direction);
  if (within) sections[s]!.questions = within;
  else {
    const to = direction === 'up' ? s - 1 : s + 1;
    if (to < 0 || to >= sections.length) return refused('', `Question ${questionName(question)} is already the ${direction === 'up' ? 'first' : 'last'}`);
    if (sections[s]!.questions.length === 1) return refused('', `Question ${questionName(question)} is the only one in its section: move the section instead`);
    sections[s]!.questions.splice(q, 1);
    if (direction === 'up') sections[to]!.questions.push(question);
    else sections[to]!.questions.unshift(question);
  }
  return checked({ ...definition, sections });
}

/** A new question must not reuse a code anywhere in the survey (answers are stored by code). */
function withQuestionCodeChecked(definition: TDefinition, question: TQuestion, then: () => BuilderResult): BuilderResult {
  const clash = locate(definition, question.code);
  if (clash) return refused('code', `The question code "${question.code}" is already used by question ${questionName(clash.question)}: choose another`);
  return then();
}

export function addQuestion(definition: TDefinition, sectionCode: string, form: QuestionForm, position?: number): BuilderResult {
  const sectionIndex = definition.sections.findIndex((s) => s.code === sectionCode);
  if (sectionIndex < 0) return refused('', `There is no section "${sectionCode}"`);
  const errors: FieldError[] = [];
  const question = questionFrom(form, undefined, errors);
  if (errors.length > 0) return { ok: false, errors };
  return withQuestionCodeChecked(definition, question, () =>
    checked({
      ...definition,
      sections: definition.sections.map((s, i) => {
        if (i !== sectionIndex) return s;
        const questions = [...s.questions];
        questions.splice(position ?? questions.length, 0, question);
        return { ...s, questions };
      }),
    }),
  );
}

/** What of a question is its wording and options: what a comparison item must keep. */
function wordingOf(question: TQuestion): string {
  const { required: _r, requiredMessage: _m, showIf: _s, audiences: _a, references: _x, ...wording } = question;
  const options = moduleFor(question)
    .closedVariables(question)
    .map((v) => ({ item: v.item, options: v.options.map((o) => [o.code, o.label]) }));
  return JSON.stringify({ ...wording, options });
}

export function editQuestion(definition: TDefinition, code: string, form: QuestionForm): BuilderResult {
  const place = locate(definition, code);
  if (!place) return refused('', `There is no question "${code}"`);
  const existing = place.question;
  const errors: FieldError[] = [];
  const question = questionFrom(form, existing, errors);
  if (errors.length > 0) return { ok: false, errors };
  if (lockedQuestions(definition).has(code) && wordingOf(question) !== wordingOf(existing)) {
    return refused('text_en', `Question ${questionName(existing)} is compared with other councils and the national figures. ${LOCKED_REASON}`);
  }
  // Options and statements that a condition reads must stay.
  for (const { holder, condition } of conditionsOn(definition, code)) {
    const still = moduleFor(question)
      .closedVariables(question)
      .find((v) => v.item === (condition.item ?? ''));
    if (condition.item && !still) {
      errors.push({
        field: 'options',
        message: `The statement "${condition.item}" of question ${questionName(existing)} decides whether ${holder} is shown: change that condition before removing it`,
      });
      continue;
    }
    for (const answer of condition.anyOf ?? condition.noneOf ?? []) {
      if (!still?.options.some((o) => o.code === answer)) {
        errors.push({
          field: 'options',
          message: `The option "${answer}" of question ${questionName(existing)} decides whether ${holder} is shown: change that condition before removing the option`,
        });
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  let next: TDefinition = { ...definition, sections: definition.sections.map((s) => ({ ...s, questions: s.questions.map((q) => (q.code === code ? question : q)) })) };
  if (code === definition.segments.roleGroup && question.type === 'single')
    next = withRoleGroups(
      next,
      question.options.map((o) => o.code),
    );
  return checked(next);
}

/**
 * Audiences follow the role question's options: a role group removed leaves every audience
 * (and the perception gap), a new one joins the first audience (the audiences page moves it).
 */
function withRoleGroups(definition: TDefinition, roleGroups: string[]): TDefinition {
  const placed = new Set(definition.audiences.flatMap((a) => a.roleGroups));
  const added = roleGroups.filter((g) => !placed.has(g));
  const audiences = definition.audiences.map((a, i) => ({ ...a, roleGroups: [...a.roleGroups.filter((g) => roleGroups.includes(g)), ...(i === 0 ? added : [])] }));
  const gap = definition.perceptionGap && {
    leaders: definition.perceptionGap.leaders.filter((g) => roleGroups.includes(g)),
    frontline: definition.perceptionGap.frontline.filter((g) => roleGroups.includes(g)),
  };
  const { perceptionGap: _gap, ...rest } = definition;
  return { ...rest, audiences, ...(gap && gap.leaders.length > 0 && gap.frontline.length > 0 ? { perceptionGap: gap } : {}) };
}

/** What else goes when questions are removed: the indices they feed (an index missing an item no longer compares). */
export function removalConsequences(definition: TDefinition, codes: readonly string[]): { indices: string[]; directorate: boolean } {
  return {
    indices: definition.indices.filter((x) => x.items.some((item) => codes.includes(item.question))).map((x) => x.label.en),
    directorate: definition.segments.directorate !== undefined && codes.includes(definition.segments.directorate),
  };
}

function withoutQuestions(definition: TDefinition, codes: readonly string[], what: string): BuilderResult {
  if (definition.segments.roleGroup !== undefined && codes.includes(definition.segments.roleGroup)) {
    return refused(
      '',
      `${what} cannot be removed: the role question places each respondent in a group, which the workforce profile, the staff list and the rules that keep small groups hidden all need`,
    );
  }
  const errors: FieldError[] = [];
  for (const code of codes) {
    for (const { holder, holderCodes } of conditionsOn(definition, code)) {
      // A condition going with the questions it shows is no obstacle.
      if (holderCodes.every((c) => codes.includes(c))) continue;
      errors.push({ field: '', message: `Question ${questionName(locate(definition, code)!.question)} decides whether ${holder} is shown: change or remove that condition first` });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const { directorate, ...segments } = definition.segments;
  return checked({
    ...definition,
    segments: directorate !== undefined && !codes.includes(directorate) ? { ...segments, directorate } : segments,
    indices: definition.indices.filter((x) => !x.items.some((item) => codes.includes(item.question))),
    sections: definition.sections.map((s) => ({ ...s, questions: s.questions.filter((q) => !codes.includes(q.code)) })).filter((s) => s.questions.length > 0),
  });
}

export function removeQuestion(definition: TDefinition, code: string): BuilderResult {
  const place = locate(definition, code);
  if (!place) return refused('', `There is no question "${code}"`);
  if (place.section.questions.length === 1) return refused('', `Question ${questionName(place.question)} is the only one in section "${place.section.code}": remove the section instead`);
  return withoutQuestions(definition, [code], `Question ${questionName(place.question)}`);
}

export function removeSection(definition: TDefinition, code: string): BuilderResult {
  const section = definition.sections.find((s) => s.code === code);
  if (!section) return refused('', `There is no section "${code}"`);
  if (definition.sections.length === 1) return refused('', `Section "${code}" is the survey's only section`);
  return withoutQuestions(
    definition,
    section.questions.map((q) => q.code),
    `Section "${code}" (${section.title.en}), which holds the role question,`,
  );
}

/** One answer a condition can be set on: a single choice or scale question, or one statement of a grid, asked earlier. */
export interface ConditionChoice {
  /** `question` or `question.item`. */
  key: string;
  label: string;
  options: { code: string; label: string }[];
}

/** What a condition shows: a question, or a whole section; a question's code alone names a question. */
export type ConditionSubject = { kind: 'question' | 'section'; code: string } | string;

/** A condition's subject: its name in messages and its place in the order questions are asked. */
function subjectOf(definition: TDefinition, subject: ConditionSubject): { kind: 'question' | 'section'; code: string; name: string; position: number } | undefined {
  const { kind, code } = typeof subject === 'string' ? { kind: 'question' as const, code: subject } : subject;
  const placed = allQuestions(definition);
  if (kind === 'question') {
    const position = placed.findIndex((p) => p.question.code === code);
    return position < 0 ? undefined : { kind, code, name: `question ${questionName(placed[position]!.question)}`, position };
  }
  const section = definition.sections.find((s) => s.code === code);
  const position = placed.findIndex((p) => p.section === section);
  return section && position >= 0 ? { kind, code, name: `section "${section.code}" (${section.title.en})`, position } : undefined;
}

/** The earlier answers a question's or section's condition may use, chosen from a list rather than typed. */
export function conditionChoices(definition: TDefinition, subject: ConditionSubject): ConditionChoice[] {
  const position = subjectOf(definition, subject)?.position ?? 0;
  return allQuestions(definition)
    .slice(0, position)
    .flatMap(({ question }) => {
      if (question.type === 'number' || question.type === 'text' || question.type === 'multiple') return [];
      return moduleFor(question)
        .closedVariables(question)
        .map((v) => {
          const item = question.type === 'matrix' ? question.items.find((i) => i.code === v.item) : undefined;
          return {
            key: item ? `${question.code}.${item.code}` : question.code,
            label: item ? `${question.text.en} – ${item.text.en}` : question.text.en,
            options: v.options.map((o) => ({ code: o.code, label: localise(o.label, 'en') })),
          };
        });
    });
}

export interface ConditionForm {
  /** '' for always shown, else a ConditionChoice key. */
  on: string;
  mode: 'anyOf' | 'noneOf';
  answers: string[];
}

export function conditionFormFrom(body: Body): ConditionForm {
  return { on: field(body, 'on'), mode: field(body, 'mode') === 'noneOf' ? 'noneOf' : 'anyOf', answers: fields(body, 'answers') };
}

export function setCondition(definition: TDefinition, subject: ConditionSubject, form: ConditionForm): BuilderResult {
  const at = subjectOf(definition, subject);
  if (!at) return refused('', `There is no ${typeof subject === 'string' ? 'question' : subject.kind} "${typeof subject === 'string' ? subject : subject.code}"`);
  const name = at.name;
  let showIf: TCondition | undefined;
  if (form.on !== '') {
    const [on = '', item] = form.on.split('.');
    const target = locate(definition, on);
    if (!target) return refused('on', `There is no question "${on}" for ${name} to depend on`);
    const choice = conditionChoices(definition, subject).find((c) => c.key === form.on);
    if (!choice) {
      const later = allQuestions(definition).findIndex((p) => p.question.code === on) >= at.position;
      return refused(
        'on',
        later
          ? `The ${name} can only depend on a question asked before it: question ${questionName(target.question)} is asked ${on === at.code ? 'at the same time' : 'after it'}`
          : `The ${name} can only depend on a single choice or scale answer: question ${questionName(target.question)} is a ${QUESTION_TYPE_NAMES[target.question.type].toLowerCase()} question`,
      );
    }
    if (form.answers.length === 0) return refused('answers', `Choose at least one answer to "${choice.label}" that decides whether ${name} is shown`);
    const unknown = form.answers.filter((a) => !choice.options.some((o) => o.code === a));
    if (unknown.length > 0) return refused('answers', `"${unknown.join('", "')}" is not an answer to "${choice.label}"`);
    showIf = { question: on, ...(item ? { item } : {}), [form.mode]: form.answers };
  }
  const withCondition = <T extends { showIf?: TCondition }>(holder: T): T => {
    const { showIf: _old, ...rest } = holder;
    return (showIf ? { ...rest, showIf } : rest) as T;
  };
  return checked({
    ...definition,
    sections: definition.sections.map((s) =>
      at.kind === 'section' ? (s.code === at.code ? withCondition(s) : s) : { ...s, questions: s.questions.map((q) => (q.code === at.code ? withCondition(q) : q)) },
    ),
  });
}

/** Audiences, one a line: `code | English | Welsh | role groups separated by spaces`. */
export function audienceLines(definition: TDefinition): string {
  return definition.audiences.map((a) => [a.code, a.label.en, a.label.cy ?? '', a.roleGroups.join(' ')].join(' | ')).join('\n');
}

export function editAudiences(definition: TDefinition, lines: string): BuilderResult {
  const errors: FieldError[] = [];
  const audiences: TDefinition['audiences'] = [];
  const lineOf = new Map<string, number>();
  lines
    .split(/\r?\n/)
    .map((l) => l.trim())
    .forEach((line, i) => {
      if (line === '') return;
      const [code = '', en = '', cy = '', groups = '', ...rest] = line.split('|').map((p) => p.trim());
      if (rest.length > 0 || en === '' || groups === '') {
        errors.push({ field: 'audiences', message: `Write audience line ${i + 1} as code | English | Welsh | role groups (the Welsh may be left out, the role groups separated by spaces)` });
        return;
      }
      const problem = codeProblem(code, `audience line ${i + 1}`);
      if (problem) errors.push({ field: 'audiences', message: problem });
      const first = lineOf.get(code);
      if (first !== undefined) errors.push({ field: 'audiences', message: `The audience code "${code}" is given twice (lines ${first + 1} and ${i + 1}): give each audience its own code` });
      lineOf.set(code, i);
      audiences.push({ code, label: cy === '' ? { en } : { en, cy }, roleGroups: groups.split(/\s+/) });
    });
  if (errors.length > 0) return { ok: false, errors };
  const result = checked({ ...definition, audiences });
  return result.ok ? result : { ok: false, errors: result.errors.map((e) => ({ ...e, field: 'audiences' })) };
}

/** A definition file uploaded into the builder replaces the draft's, if it is valid (Welsh may be missing). */
export function definitionFromFile(bytes: Buffer): BuilderResult {
  if (bytes.length === 0) return refused('file', 'Choose a definition file (YAML or JSON) to upload');
  if (linesWithBadBytes(bytes).length > 0) return refused('file', 'The definition file must be UTF-8 text');
  const result = validateDefinitionText(bytes.toString('utf8'));
  if (result.ok) return result;
  return { ok: false, errors: result.problems.map((p) => ({ field: 'file', message: describeProblem(p) })) };
}

// ---------------------------------------------------------------- the draft wave

/**
 * Applies one builder change to a draft wave's definition and stores it, audited, in one
 * transaction. Only a draft changes: opening a wave freezes its version, as for uploads.
 */
export async function changeDraft(
  db: Kysely<Database>,
  actor: Actor,
  surveyId: string,
  what: string,
  change: (definition: TDefinition, survey: { title: string }) => BuilderResult,
): Promise<BuilderResult> {
  const survey = await findSurveyById(db, surveyId);
  if (!survey) throw new Refusal(`No survey with id ${surveyId}`, 404);
  if (survey.state !== 'draft') throw new Refusal(draftOnly(survey.state));
  // The stored definition is frozen and shared: changes work on a copy.
  const result = change(structuredClone(survey.definition), survey);
  if (!result.ok) return result;
  await db.transaction().execute(async (trx) => {
    const instrumentVersionId = await publishInstrument(trx, result.definition);
    if (!(await replaceDraftInstrument(trx, surveyId, survey.instrumentVersionId, instrumentVersionId))) {
      const now = await trx.selectFrom('survey').select('state').where('id', '=', surveyId).executeTakeFirstOrThrow();
      throw new Refusal(now.state === 'draft' ? 'The questions were changed by someone else meanwhile: look at them again and repeat your change' : draftOnly(now.state));
    }
    await recordAudit(trx, auditBy(actor, { organisationId: survey.organisationId, action: 'wave.builder', target: `survey ${surveyId} (${survey.title}): ${what}` }));
  });
  return result;
}

const draftOnly = (state: string) => `This survey is ${state}, so its questions are frozen: only a draft survey's questions can be changed`;
