import { describe, expect, it } from 'vitest';
import { analyseSurvey, type SurveyAnalysis } from '../../src/analysis/analyse.js';
import { tablesFromAnswers } from '../../src/analysis/aggregate.js';
import type { GroupRef } from '../../src/analysis/segments.js';
import type { Answers } from '../../src/instrument/question-types/index.js';
import { validateDefinition } from '../../src/instrument/validate.js';
import { times } from './fixtures/respondents.js';

/**
 * Disclosure control decided once for the whole analysis. The case from the issue: one
 * question (asked of staff only) published procurement's base, 11, where another (asked of
 * everyone) hid it to protect 4 councillors, so "total less the groups shown less 11" gave
 * the councillors' group exactly.
 */
const checked = validateDefinition({
  code: 'once',
  version: 1,
  title: 'Once',
  estimatedMinutes: 2,
  segments: { roleGroup: 'role', directorate: 'directorate' },
  audiences: [
    { code: 'staff', label: 'Staff', roleGroups: ['frontline', 'manager', 'procurement'] },
    { code: 'members', label: 'Members', roleGroups: ['councillor'] },
  ],
  sections: [
    {
      code: 'about',
      title: 'About',
      questions: [
        {
          code: 'role',
          type: 'single',
          text: 'Role',
          options: ['frontline', 'manager', 'procurement', 'councillor'].map((code) => ({ code, label: code })),
        },
        { code: 'directorate', type: 'single', required: false, text: 'Directorate', options: ['north', 'south', 'tiny'].map((code) => ({ code, label: code })) },
        { code: 'everyone', type: 'single', text: 'Asked of everyone', options: ['yes', 'no'].map((code) => ({ code, label: code })) },
        { code: 'staff_only', type: 'single', text: 'Staff only', audiences: ['staff'], options: ['yes', 'no'].map((code) => ({ code, label: code })) },
        { code: 'members_only', type: 'single', text: 'Members only', audiences: ['members'], options: ['yes', 'no'].map((code) => ({ code, label: code })) },
        { code: 'optional', type: 'single', required: false, text: 'Optional', options: ['yes', 'no'].map((code) => ({ code, label: code })) },
      ],
    },
  ],
});
if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
const definition = checked.definition;

function people(role: string, directorate: string, count: number, answerOptional: number): Answers[] {
  const base: Answers = { role, directorate, everyone: 'yes' };
  if (role === 'councillor') base.members_only = 'no';
  else base.staff_only = 'yes';
  return times(count, base).map((a, i) => (i < answerOptional ? { ...a, optional: 'no' } : a));
}

const answers = [
  ...people('frontline', 'north', 25, 25),
  ...people('frontline', 'south', 15, 15),
  ...people('manager', 'north', 12, 12),
  ...people('manager', 'south', 18, 3),
  ...people('procurement', 'south', 11, 11),
  ...people('councillor', 'north', 3, 3),
  ...people('councillor', 'tiny', 1, 1),
];

const key = (g: GroupRef) => JSON.stringify(g);
const base = (f: { shown: true; value: unknown }) => (f.value as { base?: number }).base ?? 0;

/** Each closed variable's shown bases by group, and the hidden groups. */
function published(analysis: SurveyAnalysis) {
  return analysis.variables.flatMap((v) =>
    v.kind !== 'closed'
      ? []
      : [
          {
            question: v.question,
            shown: new Map(v.groups.flatMap((g) => (g.figure.shown ? [[key(g.group), base(g.figure)] as const] : []))),
            hidden: new Set(v.groups.filter((g) => !g.figure.shown).map((g) => key(g.group))),
          },
        ],
  );
}

describe('suppression decided once for the whole analysis', () => {
  const analysis = analyseSurvey(definition, tablesFromAnswers(definition, answers), { threshold: 10 });
  const variables = published(analysis);
  const role = (code: string) => key({ kind: 'roleGroup', code });

  it('hides a role group in every question once it is hidden in one, so no question shows its base', () => {
    const roles = ['frontline', 'manager', 'procurement', 'councillor'];
    const asked: Record<string, string[]> = { everyone: roles, staff_only: ['frontline', 'manager', 'procurement'], members_only: ['councillor'], optional: roles };
    const hiddenAnywhere = new Set(roles.filter((r) => variables.some((v) => asked[v.question]!.includes(r) && v.hidden.has(role(r)) && v.question !== 'optional')));
    // 4 councillors are under the threshold; one more group has to go with them, and stays gone everywhere.
    expect(hiddenAnywhere.has('councillor')).toBe(true);
    expect(hiddenAnywhere.size).toBeGreaterThanOrEqual(2);
    for (const v of variables) {
      for (const r of hiddenAnywhere) if (asked[v.question]!.includes(r)) expect(v.shown.has(role(r)), `${v.question} shows ${r}`).toBe(false);
    }
    const responses = new Map(analysis.responses.map((r) => [key(r.group), r.figure]));
    for (const r of hiddenAnywhere) expect(responses.get(role(r))!.shown).toBe(false);
  });

  it('never leaves a hidden remainder of 1 to 9 under a shown total, in any question or the responses table', () => {
    const total = key({ kind: 'total' });
    const roleKeys = ['frontline', 'manager', 'procurement', 'councillor'].map(role);
    for (const v of variables) {
      const t = v.shown.get(total);
      if (t === undefined) continue;
      const rest = t - roleKeys.reduce((s, k) => s + (v.shown.get(k) ?? 0), 0);
      expect(rest === 0 || rest >= 10, `${v.question}: total ${t} less the role groups shown leaves ${rest}`).toBe(true);
    }
    // The optional question: managers in the south mostly skipped it (3 of 18 answered), so managers' base there is 15 —
    // still shown; nothing else about it differs.
    const optional = variables.find((v) => v.question === 'optional')!;
    expect(optional.shown.get(role('manager'))).toBe(15);
  });

  it('keeps every role group with at least the threshold on every question it is asked, unless it covers a smaller one', () => {
    const shownRoles = analysis.responses.filter((r) => r.group.kind === 'roleGroup' && r.figure.shown).map((r) => (r.group as { code: string }).code);
    // frontline 40 and manager 30 are shown; of procurement (11) and councillors (4), councillors are under the
    // threshold and procurement is the only other group small enough to be the cheapest cover.
    expect(shownRoles.sort()).toEqual(['frontline', 'manager']);
  });
});
