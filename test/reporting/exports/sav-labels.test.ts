import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { groupCode, groupLabel } from '../../../src/analysis/index.js';
import { savCases, savDictionary, type SavVariable } from '../../../src/reporting/exports/sav.js';

const PSPP = '/usr/bin/pspp';
const skip = existsSync(PSPP) ? '' : ` (skipped: ${PSPP} is not installed; CI installs it)`;

// 131 characters, 134 bytes in UTF-8 (three two-byte characters): longer than the 120 bytes SPSS documents.
const LONG = 'Neither agree nor disagree — the statement does not apply to my team, or I’m not sure what it means for the way we work day to day';
// 250 bytes: kept whole.
const LONGEST = 'Strongly agree that the organisation is ready '.repeat(6).slice(0, 249) + '.';

describe('SPSS value labels', () => {
  it.skipIf(!existsSync(PSPP))(`PSPP reads labels longer than 120 bytes whole, and scales as ordinal${skip}`, () => {
    expect(Buffer.byteLength(LONG)).toBeGreaterThan(120);
    expect(Buffer.byteLength(LONGEST)).toBe(250);
    const variables: SavVariable[] = [
      {
        name: 'views',
        label: 'How far do you agree?',
        width: 0,
        measure: 'ordinal',
        valueLabels: [
          { value: 1, label: 'Agree' },
          { value: 2, label: LONG },
          { value: 3, label: LONGEST },
        ],
      },
      { name: 'role', label: 'Your role', width: 0, measure: 'nominal', valueLabels: [{ value: 1, label: 'Other (Senior leader, Manager)' }] },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'sav-labels-'));
    const sav = join(dir, 'labels.sav');
    writeFileSync(
      sav,
      Buffer.concat([
        savDictionary(variables),
        savCases(variables, [
          [1, 1],
          [2, 1],
          [2, 1],
          [3, 1],
        ]),
      ]),
    );
    const syntax = join(dir, 'check.sps');
    writeFileSync(syntax, `GET FILE='${sav}'.\nDISPLAY DICTIONARY.\nFREQUENCIES VARIABLES=views role.\n`);
    const out = execFileSync(PSPP, ['-O', 'format=csv', syntax], { encoding: 'utf8' });
    expect(out).not.toMatch(/warning|error/i);
    const lines = out.split('\n');
    const table = (title: string) => {
      const start = lines.indexOf(`Table: ${title}`);
      const rows: string[][] = [];
      for (let i = start + 2; i < lines.length && lines[i] !== ''; i++) rows.push(parse(lines[i]!)[0] as string[]);
      return rows;
    };
    const views = table('How far do you agree?');
    expect(views.find((r) => r[1] === LONG)?.[2]).toBe('2');
    expect(views.find((r) => r[1] === LONGEST)?.[2]).toBe('1');
    expect(table('Your role').find((r) => r[1] === 'Other (Senior leader, Manager)')?.[2]).toBe('4');
    const dictionary = lines.filter((l) => /^(views|role),\d+,/.test(l)).map((l) => parse(l)[0] as string[]);
    expect(dictionary.map((d) => [d[0], d[3]])).toEqual([
      ['views', 'Ordinal'],
      ['role', 'Nominal'],
    ]);
  });

  it('cuts a label over 255 bytes at a character boundary (the record holds its length in one byte)', () => {
    const label = 'é'.repeat(200); // 400 bytes
    const dictionary = savDictionary([{ name: 'x', width: 0, valueLabels: [{ value: 1, label }] }]);
    // The type 3 record: its label's length byte follows the 8-byte value.
    const at = dictionary.indexOf(Buffer.from('é'.repeat(10)));
    expect(dictionary[at - 1]).toBe(254);
  });
});

describe('group codes in exported tables', () => {
  it('tell the frontline role group from the perception gap’s frontline comparison group', () => {
    const codes = [groupCode({ kind: 'roleGroup', code: 'frontline' }), groupCode({ kind: 'frontline' }), groupCode({ kind: 'roleGroup', code: 'leaders' }), groupCode({ kind: 'leaders' })];
    expect(codes).toEqual(['frontline', 'comparison:frontline', 'leaders', 'comparison:leaders']);
    // Before, the two frontline groups were both "frontline".
    expect(groupLabel({ kind: 'frontline' })).toBe(groupLabel({ kind: 'roleGroup', code: 'frontline' }));
  });
});
