import type { TOption } from './question-types/base.js';

/**
 * The fixed answer scales. Their codes are part of the data contract (exports, indices,
 * benchmarks), so an instrument cannot redefine them.
 */
export const AGREE_SCALE: readonly TOption[] = [
  { code: 'strongly_agree', label: { en: 'Strongly agree', cy: "Cytuno'n gryf" }, value: 5 },
  { code: 'agree', label: { en: 'Agree', cy: 'Cytuno' }, value: 4 },
  { code: 'neither', label: { en: 'Neither agree nor disagree', cy: 'Ddim yn cytuno nac yn anghytuno' }, value: 3 },
  { code: 'disagree', label: { en: 'Disagree', cy: 'Anghytuno' }, value: 2 },
  { code: 'strongly_disagree', label: { en: 'Strongly disagree', cy: "Anghytuno'n gryf" }, value: 1 },
];

export const DONT_KNOW: TOption = { code: 'dont_know', label: { en: "Don't know", cy: 'Ddim yn gwybod' }, value: 9 };

export const ENGAGEMENT_SCALE: readonly TOption[] = [
  { code: 'very', label: { en: 'Very engaged', cy: 'Ymgysylltiedig iawn' }, value: 4 },
  { code: 'quite', label: { en: 'Quite engaged', cy: 'Eithaf ymgysylltiedig' }, value: 3 },
  { code: 'not_very', label: { en: 'Not very engaged', cy: 'Ddim yn ymgysylltiedig iawn' }, value: 2 },
  { code: 'not_at_all', label: { en: 'Not at all engaged', cy: 'Ddim yn ymgysylltiedig o gwbl' }, value: 1 },
];

/** Scores used by the 0-100 indices: strongly disagree 0 … strongly agree 100 (Civil Service People Survey). */
export const AGREE_SCORES: Readonly<Record<string, number>> = {
  strongly_agree: 100,
  agree: 75,
  neither: 50,
  disagree: 25,
  strongly_disagree: 0,
};
export const ENGAGEMENT_SCORES: Readonly<Record<string, number>> = {
  very: 100,
  quite: 200 / 3,
  not_very: 100 / 3,
  not_at_all: 0,
};

/** Answers counted as "% positive": agree + strongly agree; very + quite engaged. */
export const POSITIVE_CODES: Readonly<Record<'agree' | 'engagement', readonly string[]>> = {
  agree: ['strongly_agree', 'agree'],
  engagement: ['very', 'quite'],
};
