import { describe, expect, it } from 'vitest';
import type { SurveyAnalysis } from '../../src/analysis/index.js';
import { AnswerPatterns } from '../../src/publications/respondent-file.js';
import { MERGED, type Coarsening } from '../../src/reporting/exports/coarsen.js';
import type { Answers } from '../../src/instrument/question-types/index.js';
import { validateDefinition } from '../../src/instrument/validate.js';

const checked = validateDefinition({
  code: 'patterns',
  version: 1,
  title: 'Patterns',
  estimatedMinutes: 2,
  segments: { roleGroup: 'role' },
  audiences: [
    { code: 'staff', label: 'Staff', roleGroups: ['frontline', 'procurement'] },
    { code: 'members', label: 'Members', roleGroups: ['councillor'] },
  ],
  sections: [
    {
      code: 'about',
      title: 'About',
      questions: [
        { code: 'role', type: 'single', text: 'Role', options: ['frontline', 'procurement', 'councillor'].map((code) => ({ code, label: code })) },
        { code: 'years', type: 'number', text: 'Years', min: 0, max: 50, required: false },
        { code: 'staff_q', type: 'single', text: 'Staff', audiences: ['staff'], options: ['a', 'b'].map((code) => ({ code, label: code })) },
        { code: 'member_q', type: 'single', text: 'Members', audiences: ['members'], options: ['a', 'b'].map((code) => ({ code, label: code })) },
        { code: 'everyone', type: 'single', text: 'Everyone', options: ['a', 'b'].map((code) => ({ code, label: code })) },
      ],
    },
  ],
});
if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
const definition = checked.definition;

/** An analysis that hides nothing (the masks from hidden figures are tested through the exports). */
const NOTHING_HIDDEN = { variables: [] } as unknown as SurveyAnalysis;

const row = (role: string, answers: Answers) => ({ roleGroup: role, directorate: '', submittedOn: '2026-11', answers: { role, everyone: 'a', ...answers } });
const coarsening = (merged: string[]): Coarsening => ({
  roleGroup: Object.fromEntries(['frontline', 'procurement', 'councillor'].map((r) => [r, merged.includes(r) ? MERGED : r])),
  directorate: { '': '' },
  mergedRoleGroups: merged,
  mergedDirectorates: [],
  exportable: true,
  rule: '',
});

describe('what the respondent-level file withholds', () => {
  it('keeps a skipped question where at least the threshold share the pattern, and withholds it where fewer would stand out', () => {
    const patterns = new AnswerPatterns(definition);
    // Frontline: 12 skipped "years", 18 answered it: both patterns shared by at least 10.
    for (let i = 0; i < 30; i++) patterns.add(row('frontline', i < 12 ? { staff_q: 'a' } : { staff_q: 'a', years: i }));
    // Procurement: 3 of 25 skipped it: those 3 would stand out, so the question is withheld for the whole group.
    for (let i = 0; i < 25; i++) patterns.add(row('procurement', i < 3 ? { staff_q: 'b' } : { staff_q: 'b', years: i }));
    for (let i = 0; i < 12; i++) patterns.add(row('councillor', { member_q: 'a', years: 3 }));
    const masks = patterns.decide(coarsening([]), 10, NOTHING_HIDDEN);
    expect(masks.mergedRoleWithheld).toEqual([]);
    expect(masks.segments).toEqual([{ roleGroup: 'procurement', directorate: '', questions: ['years'] }]);
  });

  it('withholds, for a merged group, the questions only some of its groups were asked, so no merged row is picked out by them', () => {
    const patterns = new AnswerPatterns(definition);
    for (let i = 0; i < 40; i++) patterns.add(row('frontline', { staff_q: 'a', years: 1 }));
    for (let i = 0; i < 8; i++) patterns.add(row('procurement', { staff_q: 'a', years: 1 }));
    for (let i = 0; i < 4; i++) patterns.add(row('councillor', { member_q: 'b', years: 1 }));
    const masks = patterns.decide(coarsening(['procurement', 'councillor']), 10, NOTHING_HIDDEN);
    // staff_q was asked of procurement but not councillors, member_q the other way round; "everyone" of both.
    expect(masks.mergedRoleWithheld.sort()).toEqual(['member_q', 'staff_q']);
    expect(masks.segments).toEqual([]);
    expect(masks.groups).toEqual([]);
  });
});
