import { isQuestionShown } from '../../fieldwork/journey.js';
import { allQuestions, type TDefinition, type TSection } from '../../instrument/definition.js';
import type { TCondition, TOption } from '../../instrument/question-types/base.js';
import type { Answers, QuestionType, TQuestion } from '../../instrument/question-types/index.js';
import { matrixOptions } from '../../instrument/question-types/matrix.js';
import { multipleOptions, type MultipleAnswer } from '../../instrument/question-types/multiple.js';
import { agreeOptions } from '../../instrument/question-types/scale.js';
import { DONT_KNOW, ENGAGEMENT_SCALE } from '../../instrument/scales.js';
import type { ExportedResponse } from '../../storage/exports.js';
import { redactPii } from '../redact.js';
import { MERGED, type Coarsening } from './coarsen.js';

/** Codes for answers that are missing, the same in every format. */
export const MISSING = {
  /** The respondent was not asked the question (another audience, or a showIf condition). */
  notAsked: -1,
  /** Asked, but skipped (or, for the directorate, not stated). */
  notAnswered: -2,
} as const;

export const MISSING_LABELS: Record<number, string> = {
  [MISSING.notAsked]: 'Not asked (or withheld to protect anonymity)',
  [MISSING.notAnswered]: 'Not answered',
};

export interface ValueLabel {
  value: number;
  code: string;
  label: string;
}

export interface ExportVariable {
  /** Column name and SPSS variable name. */
  name: string;
  label: string;
  question: string;
  item: string;
  questionType: QuestionType | 'month';
  kind: 'numeric' | 'string';
  values: ValueLabel[];
  /** User-missing codes (SPSS allows at most three). */
  missing: number[];
  /** When the question is asked, in words. */
  askedWhen: string;
  note?: string;
  /** The coded value for one response; undefined means empty (system missing). */
  value(response: ExportedResponse, asked: boolean): number | string | undefined;
}

export interface ExportOptions {
  /** Include free-text answers (always redacted). Off unless the survey lead turns it on. */
  freeText: boolean;
}

/** Which respondents' free text may be exported: those in role groups whose results are shown. */
export type TextAllowed = (roleGroup: string) => boolean;

export interface RespondentDictionary {
  variables: ExportVariable[];
  /** One response's coded values, in variable order. */
  row(response: ExportedResponse): (number | string | undefined)[];
}

const codeOf = (options: readonly TOption[], i: number) => options[i]!.value ?? i + 1;

function valueLabels(options: readonly TOption[]): ValueLabel[] {
  return options.map((o, i) => ({ value: codeOf(options, i), code: o.code, label: o.label.en }));
}

function describeCondition(c: TCondition): string {
  const what = c.item ? `${c.question}_${c.item}` : c.question;
  return c.anyOf ? `${what} is one of ${c.anyOf.join(', ')}` : `${what} is none of ${(c.noneOf ?? []).join(', ')}`;
}

function askedWhen(definition: TDefinition, section: TSection, question: TQuestion): string {
  const parts: string[] = [];
  const audiences = [section.audiences, question.audiences].filter((a): a is string[] => a !== undefined);
  for (const a of audiences) {
    const roles = a.flatMap((code) => definition.audiences.find((x) => x.code === code)?.roleGroups ?? []);
    parts.push(`role group is one of ${roles.join(', ')}`);
  }
  if (section.showIf) parts.push(describeCondition(section.showIf));
  if (question.showIf) parts.push(describeCondition(question.showIf));
  return parts.length === 0 ? 'always' : parts.join(' and ');
}

function closedOptions(question: TQuestion): readonly TOption[] {
  switch (question.type) {
    case 'single':
      return question.options;
    case 'agree':
      return agreeOptions(question.dontKnow);
    case 'engagement':
      return ENGAGEMENT_SCALE;
    default:
      return [];
  }
}

/** "Don't know" on an agreement scale is left out of percentages, so analysts get it as user-missing too. */
function dontKnowMissing(options: readonly TOption[], agreeScale: boolean): number[] {
  const i = options.findIndex((o) => o.code === DONT_KNOW.code);
  return agreeScale && i >= 0 ? [codeOf(options, i)] : [];
}

const BASE_MISSING = [MISSING.notAsked, MISSING.notAnswered];
const baseMissingLabels: ValueLabel[] = [
  { value: MISSING.notAsked, code: 'not_asked', label: MISSING_LABELS[MISSING.notAsked]! },
  { value: MISSING.notAnswered, code: 'not_answered', label: MISSING_LABELS[MISSING.notAnswered]! },
];

function coded(options: readonly TOption[], code: string | undefined, asked: boolean): number {
  if (code === undefined) return asked ? MISSING.notAnswered : MISSING.notAsked;
  const i = options.findIndex((o) => o.code === code);
  return i < 0 ? MISSING.notAnswered : codeOf(options, i);
}

/**
 * The variables of a respondent-level file, in definition order: one per closed question or
 * matrix item, one 0/1 variable per option of a multiple-choice question, numbers as they
 * are, free text only when asked for (redacted, and blank for role groups whose results are
 * withheld), the segment questions coarsened, and the
 * month of submission (never the day). No response id.
 */
export function respondentDictionary(
  definition: TDefinition,
  coarsening: Coarsening,
  options: ExportOptions,
  textAllowed: TextAllowed,
): RespondentDictionary {
  const variables: ExportVariable[] = [];
  const placed = allQuestions(definition);
  for (const { question, section } of placed) {
    const when = askedWhen(definition, section, question);
    const base = { question: question.code, askedWhen: when };
    if (question.code === definition.segments.roleGroup || question.code === definition.segments.directorate) {
      const isRole = question.code === definition.segments.roleGroup;
      const map = isRole ? coarsening.roleGroup : coarsening.directorate;
      const opts = closedOptions(question);
      const otherValue = Math.max(0, ...opts.map((_, i) => codeOf(opts, i))) + 1;
      const merged = isRole ? coarsening.mergedRoleGroups : coarsening.mergedDirectorates;
      const values = valueLabels(opts).filter((v) => !merged.includes(v.code));
      if (merged.length > 0) values.push({ value: otherValue, code: 'other_merged', label: `Other (${merged.map((m) => (m === '' ? 'not stated' : m)).join(', ')})` });
      variables.push({
        ...base,
        name: question.code,
        label: question.text.en,
        item: '',
        questionType: question.type,
        kind: 'numeric',
        values: [...values, ...baseMissingLabels],
        missing: BASE_MISSING,
        note: merged.length > 0 ? `coarsened: ${merged.length} merged into "Other"` : undefined,
        value(r) {
          const stored = isRole ? r.roleGroup : r.directorate;
          if (map[stored] === MERGED) return otherValue;
          return coded(opts, stored === '' ? undefined : stored, true);
        },
      });
      continue;
    }
    switch (question.type) {
      case 'single':
      case 'agree':
      case 'engagement': {
        const opts = closedOptions(question);
        variables.push({
          ...base,
          name: question.code,
          label: question.text.en,
          item: '',
          questionType: question.type,
          kind: 'numeric',
          values: [...valueLabels(opts), ...baseMissingLabels],
          missing: [...BASE_MISSING, ...dontKnowMissing(opts, question.type === 'agree')],
          value: (r, asked) => coded(opts, r.answers[question.code] as string | undefined, asked),
        });
        break;
      }
      case 'matrix': {
        const opts = matrixOptions(question);
        for (const item of question.items) {
          variables.push({
            ...base,
            name: `${question.code}_${item.code}`,
            label: `${question.text.en}: ${item.text.en}`,
            item: item.code,
            questionType: 'matrix',
            kind: 'numeric',
            values: [...valueLabels(opts), ...baseMissingLabels],
            missing: [...BASE_MISSING, ...dontKnowMissing(opts, question.scale === 'agree')],
            value: (r, asked) => coded(opts, (r.answers[question.code] as Record<string, string> | undefined)?.[item.code], asked),
          });
        }
        break;
      }
      case 'multiple': {
        for (const option of multipleOptions(question)) {
          variables.push({
            ...base,
            name: `${question.code}_${option.code}`,
            label: `${question.text.en}: ${option.label.en}`,
            item: option.code,
            questionType: 'multiple',
            kind: 'numeric',
            values: [
              { value: 1, code: 'selected', label: 'Selected' },
              { value: 0, code: 'not_selected', label: 'Not selected' },
              ...baseMissingLabels,
            ],
            missing: BASE_MISSING,
            value(r, asked) {
              const answer = r.answers[question.code] as MultipleAnswer | undefined;
              if (!answer) return asked ? MISSING.notAnswered : MISSING.notAsked;
              return answer.selected.includes(option.code) ? 1 : 0;
            },
          });
        }
        if (question.other && options.freeText) {
          variables.push({
            ...base,
            name: `${question.code}_${question.other.code}_text`,
            label: `${question.text.en}: ${question.other.label.en} (please specify)`,
            item: question.other.code,
            questionType: 'text',
            kind: 'string',
            values: [],
            missing: [],
            note: 'free text, personal data redacted; blank for role groups whose results are withheld',
            value: (r) => {
              const other = (r.answers[question.code] as MultipleAnswer | undefined)?.other;
              return other === undefined || !textAllowed(r.roleGroup) ? undefined : redactPii(other);
            },
          });
        }
        break;
      }
      case 'number':
        variables.push({
          ...base,
          name: question.code,
          label: question.text.en,
          item: '',
          questionType: 'number',
          kind: 'numeric',
          values: baseMissingLabels,
          missing: BASE_MISSING,
          note: `${question.min} to ${question.max}`,
          value: (r, asked) => (r.answers[question.code] as number | undefined) ?? (asked ? MISSING.notAnswered : MISSING.notAsked),
        });
        break;
      case 'text':
        if (options.freeText) {
          variables.push({
            ...base,
            name: question.code,
            label: question.text.en,
            item: '',
            questionType: 'text',
            kind: 'string',
            values: [],
            missing: [],
            note: 'free text, personal data redacted; blank for role groups whose results are withheld',
            value: (r) => {
              const text = r.answers[question.code] as string | undefined;
              return text === undefined || !textAllowed(r.roleGroup) ? undefined : redactPii(text);
            },
          });
        }
        break;
    }
  }
  variables.push({
    name: 'submitted_month',
    label: 'Month the response was submitted',
    question: '',
    item: '',
    questionType: 'month',
    kind: 'string',
    values: [],
    missing: [],
    askedWhen: 'always',
    note: 'YYYY-MM; the day is never exported',
    value: (r) => r.submittedOn.slice(0, 7),
  });

  const byQuestion = new Map(placed.map((p) => [p.question.code, p]));
  // A question with no audience or condition on it or its section is asked of everyone, so
  // the journey need not be replayed for it on every row (most of a large export's work).
  const unconditional = new Set(
    placed.filter((p) => !p.question.audiences && !p.question.showIf && !p.section.audiences && !p.section.showIf).map((p) => p.question.code),
  );
  return {
    variables,
    row(response) {
      const asked = new Map<string, boolean>();
      const answers: Answers = response.answers;
      return variables.map((v) => {
        let shown = asked.get(v.question);
        if (shown === undefined && v.question !== '' && !unconditional.has(v.question)) {
          const p = byQuestion.get(v.question)!;
          shown = isQuestionShown(definition, p.section, p.question, answers);
          asked.set(v.question, shown);
        }
        return v.value(response, shown ?? true);
      });
    },
  };
}
