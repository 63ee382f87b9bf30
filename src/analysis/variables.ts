import { allQuestions, type TDefinition } from '../instrument/definition.js';
import type { TOption } from '../instrument/question-types/base.js';
import { moduleFor, type QuestionType, type TQuestion } from '../instrument/question-types/index.js';
import type { Polarity } from '../instrument/question-types/contract.js';
import { DONT_KNOW, POSITIVE_CODES } from '../instrument/scales.js';

/** How "don't know" is treated in a closed variable's percentages. */
export type DontKnowRule =
  /** Agreement scales: "don't know" is reported as a share of everyone answering, and left out of the base of the other percentages. */
  | 'excluded'
  /** Single choice questions offering "don't know": it is a substantive answer (e.g. not knowing whether a strategy exists) and stays in the base. */
  | 'in_base'
  /** The variable has no "don't know" option. */
  | 'none';

export interface ClosedVariable {
  kind: 'closed';
  question: TQuestion;
  code: string;
  item: string;
  type: QuestionType;
  /** Options reported as percentages of the base, in definition order. */
  options: readonly TOption[];
  multiple: boolean;
  scale?: 'agree' | 'engagement';
  dontKnow: DontKnowRule;
  /** Options counted as "% positive" (agree + strongly agree; very + quite engaged). */
  positive?: readonly string[];
  /**
   * Scales: whether choosing the `positive` options is favourable. 'negative' for a statement
   * agreeing with which is unfavourable ("we are missing opportunities"): its "% positive" is
   * the share agreeing, reported as "% agree", and a higher figure is worse.
   */
  polarity?: Polarity;
  /** Role groups the question is asked of; undefined = everyone. */
  roleGroups?: ReadonlySet<string>;
  /** The base of the percentages, in plain words. */
  baseNote: string;
}

export interface NumberVariable {
  kind: 'number';
  question: TQuestion;
  code: string;
  roleGroups?: ReadonlySet<string>;
}

export interface TextVariable {
  kind: 'text';
  question: TQuestion;
  code: string;
  roleGroups?: ReadonlySet<string>;
}

export type Variable = ClosedVariable | NumberVariable | TextVariable;

/**
 * Every variable a definition yields for analysis, in definition order (matrix questions give
 * one per item). The segment questions (role group, directorate) are left out: they define the
 * groups, and their counts are the responses by group.
 */
export function variablesOf(definition: TDefinition): Variable[] {
  const segmentQuestions = new Set([definition.segments.roleGroup, definition.segments.directorate].filter((c): c is string => c !== undefined));
  const audience = new Map(definition.audiences.map((a) => [a.code, a.roleGroups]));
  const roleGroupsFor = (codes: readonly string[] | undefined): Set<string> | undefined => (codes ? new Set(codes.flatMap((c) => audience.get(c) ?? [])) : undefined);
  const out: Variable[] = [];
  for (const { question, section } of allQuestions(definition)) {
    if (segmentQuestions.has(question.code)) continue;
    const s = roleGroupsFor(section.audiences);
    const q = roleGroupsFor(question.audiences);
    const roleGroups = s && q ? new Set([...s].filter((r) => q.has(r))) : (s ?? q);
    // What analysis makes of a question, and on which scale its options are, is its type module's.
    const module = moduleFor(question);
    if (module.kind !== 'closed') {
      out.push({ kind: module.kind, question, code: question.code, roleGroups });
      continue;
    }
    for (const variable of module.closedVariables(question)) {
      const scale = variable.scale;
      const hasDontKnow = variable.options.some((o) => o.code === DONT_KNOW.code);
      const dontKnow: DontKnowRule = !hasDontKnow ? 'none' : scale === 'agree' ? 'excluded' : 'in_base';
      const options = dontKnow === 'excluded' ? variable.options.filter((o) => o.code !== DONT_KNOW.code) : variable.options;
      const baseNote = variable.multiple
        ? 'respondents who answered the question (each could choose more than one option, so percentages can add up to more than 100)'
        : dontKnow === 'excluded'
          ? 'respondents who gave an answer other than "don\'t know"; "don\'t know" is shown as a share of everyone who answered'
          : dontKnow === 'in_base'
            ? 'respondents who answered the question, including "don\'t know"'
            : 'respondents who answered the question';
      out.push({
        kind: 'closed',
        question,
        code: question.code,
        item: variable.item,
        type: question.type,
        options,
        multiple: variable.multiple,
        scale,
        dontKnow,
        positive: scale ? POSITIVE_CODES[scale] : undefined,
        polarity: scale ? (variable.polarity ?? 'positive') : undefined,
        roleGroups,
        baseNote: `${baseNote}; respondents who skipped the question or were not shown it are left out and counted separately`,
      });
    }
  }
  return out;
}
