import type { TDefinition } from '../instrument/definition.js';
import type { Answers, TQuestion } from '../instrument/question-types/index.js';
import type { TOption } from '../instrument/question-types/base.js';
import type { SyntheticSource } from '../instrument/question-types/contract.js';
import { moduleFor } from '../instrument/question-types/index.js';
import { isQuestionShown } from './journey.js';

/**
 * Realistic synthetic answers for demos and benchmarks. Each role group has a leaning
 * (leaders more positive about digital than frontline staff, as the published studies
 * found), so the demo shows a perception gap, barriers and suppression at work.
 */

/** A small seeded generator (mulberry32), so a demo or benchmark is the same every time. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LEANING: Record<string, number> = {
  senior_executive: 0.75,
  head_of_service: 0.68,
  it_digital: 0.6,
  manager: 0.5,
  procurement: 0.45,
  elected_member: 0.42,
  frontline: 0.33,
};

/** Shares of a typical council workforce answering, elected members included. */
export const ROLE_MIX: Record<string, number> = {
  frontline: 0.44,
  manager: 0.2,
  head_of_service: 0.09,
  elected_member: 0.09,
  it_digital: 0.08,
  senior_executive: 0.05,
  procurement: 0.05,
};

const FREE_TEXT = [
  'One system for case notes instead of three.',
  'Laptops that start in less than ten minutes.',
  'Being asked before a new system is bought.',
  'Training that fits around shifts.',
  'Decent wifi in the depots and community buildings.',
  'Fewer passwords and a single sign-in.',
  'Letting residents book and pay online so we can focus on complex cases.',
  'Budget pressures mean projects stop halfway.',
  'Old contracts lock us into systems nobody likes.',
  'Managers who understand what digital can do.',
];

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

function weighted(random: () => number, weights: Record<string, number>): string {
  const entries = Object.entries(weights);
  let u = random() * entries.reduce((s, [, w]) => s + w, 0);
  for (const [code, w] of entries) {
    u -= w;
    if (u <= 0) return code;
  }
  return entries[entries.length - 1]![0];
}

/** Options listed most positive first; a leaning near 1 picks early ones. */
function ordered(random: () => number, options: readonly TOption[], leaning: number): string {
  const scale = options.filter((o) => o.code !== 'dont_know' && o.code !== 'prefer_not_to_say');
  if (scale.length < options.length && random() < 0.05) return options.find((o) => !scale.includes(o))!.code;
  const noise = (random() + random() + random() - 1.5) * 0.5;
  const position = Math.min(0.999, Math.max(0, 1 - leaning + noise));
  return scale[Math.floor(position * scale.length)]!.code;
}

/**
 * What a type module's `synthetic` draws on for one respondent of a role group: the group's
 * leaning, options drawn for it, and comments.
 */
export function syntheticSource(role: string, random: () => number): SyntheticSource {
  const leaning = LEANING[role] ?? 0.5;
  return { random, leaning, ordered: (options) => ordered(random, options, leaning), comment: () => pick(random, FREE_TEXT) };
}

function answerFor(question: TQuestion, role: string, random: () => number): Answers[string] | undefined {
  if (!question.required && random() < 0.3) return undefined;
  return moduleFor(question).synthetic(question, syntheticSource(role, random));
}

/** One synthetic respondent's complete answers, following the journey (audiences and showIf). */
export function syntheticAnswers(definition: TDefinition, random: () => number): Answers {
  const { roleGroup } = definition.segments;
  const roleQuestion = definition.sections[0]!.questions.find((q) => q.code === roleGroup);
  const roles = roleQuestion?.type === 'single' ? roleQuestion.options.map((o) => o.code) : [];
  // A survey without a role question leans as an unknown role does.
  const role = roles.length > 0 ? weighted(random, Object.fromEntries(roles.map((code) => [code, ROLE_MIX[code] ?? 0.05]))) : '';
  const answers: Answers = roleGroup === undefined ? {} : { [roleGroup]: role };
  for (const section of definition.sections) {
    for (const question of section.questions) {
      // Checked one by one, so a showIf on an answer just given on the same page holds.
      if (question.code === roleGroup || !isQuestionShown(definition, section, question, answers)) continue;
      const answer = answerFor(question, role, random);
      if (answer !== undefined) answers[question.code] = answer;
    }
  }
  return answers;
}
