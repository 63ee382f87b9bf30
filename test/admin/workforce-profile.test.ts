import { describe, expect, it } from 'vitest';
import { loadInstrumentFile, STANDARD_INSTRUMENT_PATH } from '../../src/instrument/load.js';
import { parseWorkforceProfile } from '../../src/admin/workforce-profile.js';
import { profileMargins } from '../../src/analysis/weighting.js';
import { rolesOnlyDefinition } from '../analysis/fixtures/definition.js';

const standard = loadInstrumentFile(STANDARD_INSTRUMENT_PATH);
const csv = (...lines: string[]) => lines.join('\n') + '\n';

function problems(text: string, definition = standard) {
  const result = parseWorkforceProfile(text, definition);
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.problems;
}

describe('parseWorkforceProfile', () => {
  it('reads headcounts by role group and directorate', () => {
    const result = parseWorkforceProfile(
      csv('role_group,directorate,headcount', 'frontline,housing,120', 'frontline,adult_social_care,300', 'manager,housing,15', ' senior_executive , housing , 2 '),
      standard,
    );
    expect(result).toEqual({
      ok: true,
      profile: {
        cells: [
          { roleGroup: 'frontline', directorate: 'housing', headcount: 120 },
          { roleGroup: 'frontline', directorate: 'adult_social_care', headcount: 300 },
          { roleGroup: 'manager', directorate: 'housing', headcount: 15 },
          { roleGroup: 'senior_executive', directorate: 'housing', headcount: 2 },
        ],
      },
    });
    if (result.ok) {
      expect(profileMargins(result.profile)).toEqual({
        roleGroups: { frontline: 420, manager: 15, senior_executive: 2 },
        directorates: { housing: 137, adult_social_care: 300 },
      });
    }
  });

  it('accepts a byte order mark, Windows line endings, blank lines and columns in any order', () => {
    const result = parseWorkforceProfile('\uFEFFheadcount,Role_Group,directorate\r\n10,frontline,housing\r\n\r\n4,manager,housing\r\n', standard);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.profile.cells.map((c) => c.headcount)).toEqual([10, 4]);
  });

  it('accepts a profile by role group only (no directorate column, or blank in every row)', () => {
    for (const text of [csv('role_group,headcount', 'frontline,100', 'manager,20'), csv('role_group,directorate,headcount', 'frontline,,100', 'manager,,20')]) {
      const result = parseWorkforceProfile(text, standard);
      expect(result.ok).toBe(true);
      if (result.ok) expect(profileMargins(result.profile)).toEqual({ roleGroups: { frontline: 100, manager: 20 } });
    }
  });

  it('reports unknown codes, bad headcounts and duplicates, each with its row, and returns no profile', () => {
    const found = problems(
      csv(
        'role_group,directorate,headcount',
        'frontline,housing,100', // row 2: fine
        'janitor,housing,5', // row 3: unknown role group
        'manager,parks,5', // row 4: unknown directorate
        'manager,housing,-3', // row 5: negative
        'manager,housing,2.5', // row 6: fractional
        'frontline,housing,7', // row 7: repeats row 2
        'it_digital,housing,"1,200"', // row 8: thousands separator
        'procurement,housing,', // row 9: missing headcount
      ),
    );
    expect(found).toEqual([
      { row: 3, column: 'role_group', message: expect.stringMatching(/^"janitor" is not a role group of this survey; use one of senior_executive, head_of_service/) },
      { row: 4, column: 'directorate', message: expect.stringMatching(/^"parks" is not a directorate of this survey; use one of adult_social_care/) },
      { row: 5, column: 'headcount', message: expect.stringMatching(/^headcount "-3" must be a whole number/) },
      { row: 6, column: 'headcount', message: expect.stringMatching(/^headcount "2.5" must be a whole number/) },
      { row: 7, message: 'repeats role group frontline in directorate housing (first given in row 2); give each combination once' },
      { row: 8, column: 'headcount', message: expect.stringMatching(/^headcount "1,200" must be a whole number/) },
      { row: 9, column: 'headcount', message: 'headcount "" is missing' },
    ]);
  });

  it('reports a wrong header on row 1, naming the columns', () => {
    expect(problems(csv('role,dept,staff', 'frontline,housing,10'))).toEqual([
      { row: 1, column: 'role', message: expect.stringMatching(/unknown column "role"; the columns are role_group, directorate \(optional\) and headcount/) },
      { row: 1, column: 'dept', message: expect.stringMatching(/unknown column "dept"/) },
      { row: 1, column: 'staff', message: expect.stringMatching(/unknown column "staff"/) },
      { row: 1, column: 'role_group', message: 'the header has no role_group column (found: role, dept, staff)' },
      { row: 1, column: 'headcount', message: 'the header has no headcount column (found: role, dept, staff)' },
    ]);
    expect(problems(csv('role_group,headcount,headcount', 'frontline,1,2'))).toEqual([{ row: 1, column: 'headcount', message: 'column headcount appears twice' }]);
  });

  it('reports rows with the wrong number of values, and directorates given in some rows only', () => {
    expect(problems(csv('role_group,directorate,headcount', 'frontline,housing', 'manager,housing,4,9'))).toEqual([
      { row: 2, message: 'has 2 values but the header has 3 columns' },
      { row: 3, message: 'has 4 values but the header has 3 columns' },
    ]);
    expect(problems(csv('role_group,directorate,headcount', 'frontline,housing,10', 'manager,,4'))).toEqual([
      { row: 3, column: 'directorate', message: 'directorate is blank here but given in other rows; give a directorate in every row or in none' },
    ]);
  });

  it('refuses a directorate when the survey does not ask for one', () => {
    const definition = rolesOnlyDefinition();
    const role = definition.segments.roleGroup;
    expect(definition.segments.directorate).toBeUndefined();
    const question = definition.sections.flatMap((s) => s.questions).find((q) => q.code === role);
    const code = question && question.type === 'single' ? question.options[0]!.code : 'missing';
    expect(problems(csv('role_group,directorate,headcount', `${code},housing,10`), definition)).toEqual([
      { row: 2, column: 'directorate', message: 'this survey does not ask for directorate, so leave directorate blank' },
    ]);
  });

  it('reports empty files, files with no rows, all-zero profiles and broken quoting', () => {
    expect(problems('')).toEqual([{ message: expect.stringMatching(/^the file is empty/) }]);
    expect(problems('\uFEFF')).toEqual([{ message: expect.stringMatching(/^the file is empty/) }]);
    expect(problems(csv('role_group,directorate,headcount'))).toEqual([{ row: 2, message: 'the file has a header but no rows of headcounts' }]);
    expect(problems(csv('role_group,headcount', 'frontline,0', 'manager,0'))).toEqual([{ message: 'every headcount is 0; the profile must count some staff' }]);
    expect(problems(csv('role_group,headcount', '"frontline,10', 'manager,3'))).toEqual([{ row: 3, message: expect.stringMatching(/^the file is not valid CSV: Quote Not Closed/) }]);
  });
});
