import { isQuestionShown } from '../../fieldwork/journey.js';
import { allQuestions, type TDefinition, type TSection } from '../../instrument/definition.js';
import type { TCondition, TOption } from '../../instrument/question-types/base.js';
import { codeOf, codedOption as coded, MISSING, valueLabels, type ValueLabel } from '../../instrument/question-types/coding.js';
import { moduleFor, type Answers, type QuestionType, type TQuestion } from '../../instrument/question-types/index.js';
import type { ExportedResponse } from '../../storage/exports.js';
import { redactPii } from '../redact.js';
import { MERGED, type Coarsening } from './coarsen.js';

/** Codes for answers that are missing, the same in every format (the question-type modules code answers with them). */
export { MISSING, type ValueLabel };

export const MISSING_LABELS: Record<number, string> = {
  [MISSING.notAsked]: 'Not asked (or withheld to protect anonymity)',
  [MISSING.notAnswered]: 'Not answered',
};

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

/** Whether a respondent's free text to a question may be exported: only where the group's figures for it are shown. */
export type TextAllowed = (roleGroup: string, question: string) => boolean;

export interface RespondentDictionary {
  variables: ExportVariable[];
  /** One response's coded values, in variable order. */
  row(response: ExportedResponse): (number | string | undefined)[];
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

/** The options of a question answered by choosing one (as segment questions are); none for other questions. */
function closedOptions(question: TQuestion): readonly TOption[] {
  const variables = moduleFor(question).closedVariables(question);
  const only = variables.length === 1 ? variables[0]! : undefined;
  return only && only.item === '' && !only.multiple ? only.options : [];
}

const BASE_MISSING = [MISSING.notAsked, MISSING.notAnswered];
const baseMissingLabels: ValueLabel[] = [
  { value: MISSING.notAsked, code: 'not_asked', label: MISSING_LABELS[MISSING.notAsked]! },
  { value: MISSING.notAnswered, code: 'not_answered', label: MISSING_LABELS[MISSING.notAnswered]! },
];

/**
 * The variables of a respondent-level file, in definition order: one per closed question or
 * matrix item, one 0/1 variable per option of a multiple-choice question, numbers as they
 * are, free text only when asked for (redacted, and blank for role groups whose results are
 * withheld), the segment questions coarsened, and the
 * month of submission (never the day). No response id.
 */
export function respondentDictionary(definition: TDefinition, coarsening: Coarsening, options: ExportOptions, textAllowed: TextAllowed): RespondentDictionary {
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
      // Labelled in English by the groups' own labels, as every other value is (codes mean nothing to a reader of the file).
      const labelOf = (code: string) => (code === '' ? 'not stated' : (opts.find((o) => o.code === code)?.label.en ?? code));
      if (merged.length > 0) values.push({ value: otherValue, code: 'other_merged', label: `Other (${merged.map(labelOf).join(', ')})` });
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
    // How each question is coded is its type module's; what may be disclosed is decided here.
    for (const column of moduleFor(question).exportColumns(question)) {
      const { freeText, value, values, missing, ...described } = column;
      if (freeText) {
        if (!options.freeText) continue;
        variables.push({
          ...base,
          ...described,
          values,
          missing,
          note: 'free text, personal data redacted; blank for role groups whose results are withheld',
          value: (r) => {
            const text = value(r.answers[question.code], true) as string | undefined;
            return text === undefined || !textAllowed(r.roleGroup, question.code) ? undefined : redactPii(text);
          },
        });
        continue;
      }
      variables.push({
        ...base,
        ...described,
        values: [...values, ...baseMissingLabels],
        missing: [...BASE_MISSING, ...missing],
        value: (r, asked) => value(r.answers[question.code], asked),
      });
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
  const unconditional = new Set(placed.filter((p) => !p.question.audiences && !p.question.showIf && !p.section.audiences && !p.section.showIf).map((p) => p.question.code));
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
