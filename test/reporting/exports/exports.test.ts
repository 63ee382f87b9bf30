import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseSurvey } from '../../../src/analysis/index.js';
import { coarsenSegments, MERGED } from '../../../src/reporting/exports/coarsen.js';
import { MISSING } from '../../../src/reporting/exports/dictionary.js';
import { EXPORT_FORMAT_NAMES, planExport, planStoredExport, respondentRefusal, writeExport, type ExportPlan } from '../../../src/reporting/exports/index.js';
import { responseBatches } from '../../../src/storage/exports.js';
import { freshPostgres, freshSqlite, POSTGRES_SKIP_REASON, postgresUrl } from '../../storage/targets.js';
import { answersFor, exportDefinition, exportFixture, PII_COMMENT, SIZES, SMALL_GROUP_COMMENT, THRESHOLD, type ExportFixture } from './fixture.js';

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** exceljs's load() is typed for the pre-generic Buffer; the bytes are the same. */
async function xlsxBytes(stream: Readable): Promise<ArrayBuffer> {
  return (await bytes(stream)) as unknown as ArrayBuffer;
}

async function csvRows(plan: ExportPlan, format: 'respondents.csv' | 'codebook.csv' | 'aggregates.csv'): Promise<Record<string, string>[]> {
  return parse<Record<string, string>>(await bytes(writeExport(plan, format)), { columns: true });
}

/** Every respondent of the fixture, recomputed independently of storage and export code. */
const everyone = (Object.keys(SIZES) as (keyof typeof SIZES)[]).flatMap((role) => Array.from({ length: SIZES[role] }, (_, i) => answersFor(role, i)));
const countWhere = (test: (a: (typeof everyone)[number]) => boolean) => everyone.filter(test).length;

let fixture: ExportFixture;
let plan: ExportPlan;
let withText: ExportPlan;
beforeAll(async () => {
  fixture = await exportFixture(freshSqlite());
  plan = (await planStoredExport(fixture.storage.db, fixture.surveyId, { freeText: false }))!;
  withText = (await planStoredExport(fixture.storage.db, fixture.surveyId, { freeText: true }))!;
});
afterAll(async () => fixture.storage.close());

describe('segment coarsening', () => {
  it('merges the small role group and the role group withheld to protect it, and every directorate the results withhold', () => {
    // senior (4) is under the threshold; manager (12) is withheld so senior cannot be found by subtraction;
    // planning (1) is under the threshold and housing (19) withheld to protect it; finance (20) is then alone, so it goes too.
    expect(plan.coarsening.mergedRoleGroups.sort()).toEqual(['manager', 'senior']);
    expect(plan.coarsening.mergedDirectorates.sort()).toEqual(['finance', 'housing', 'planning']);
  });

  it('merges the smallest directorate of a small combination even when every role group and directorate is large', () => {
    const cells = [
      { roleGroup: 'frontline', directorate: 'housing', responses: 28 },
      { roleGroup: 'frontline', directorate: 'finance', responses: 2 },
      { roleGroup: 'manager', directorate: 'housing', responses: 7 },
      { roleGroup: 'manager', directorate: 'finance', responses: 23 },
    ];
    const analysis = analyseSurvey(exportDefinition, { cells, answered: [], options: [], numeric: [] }, { threshold: THRESHOLD });
    const c = coarsenSegments(cells, analysis, THRESHOLD);
    // finance (25) is smaller than housing (35), so it goes first; frontline × other is then still 2, so housing goes too.
    expect(c.mergedDirectorates.sort()).toEqual(['finance', 'housing']);
    expect(c.mergedRoleGroups).toEqual([]);
    expect(c.roleGroup.manager).toBe('manager');
    expect(c.directorate.housing).toBe(MERGED);
  });

  it('refuses a respondent-level file when the whole survey is under the threshold', async () => {
    const cells = [{ roleGroup: 'frontline', directorate: 'housing', responses: 9 }];
    const analysis = analyseSurvey(exportDefinition, { cells, answered: [], options: [], numeric: [] }, { threshold: THRESHOLD });
    const small = planExport(
      {
        survey: { id: 'x', title: 'Tiny' },
        definition: exportDefinition,
        threshold: THRESHOLD,
        analysis,
        coarsening: coarsenSegments(cells, analysis, THRESHOLD),
        masks: { mergedRoleWithheld: [], segments: [], groups: [] },
        responses: 9,
      },
      { freeText: false },
      async function* () {},
    );
    expect(respondentRefusal(small)).toContain('fewer than 10 responses');
    expect(() => writeExport(small, 'respondents.csv')).toThrow(/fewer than 10 responses/);
    // Aggregates are still available, and show nothing.
    const rows = parse<Record<string, string>>(await bytes(writeExport(small, 'aggregates.csv')), { columns: true });
    expect(rows.every((r) => r.count === '' && r.estimate === '')).toBe(true);
  });
});

/** Reads in batches of 7 and checks every response arrives once, in batches of the size asked for. */
async function checkBatches(f: ExportFixture) {
  const sizes: number[] = [];
  const seen = new Set<string>();
  for await (const batch of responseBatches(f.storage.db, f.surveyId, 7)) {
    sizes.push(batch.length);
    for (const r of batch) seen.add(JSON.stringify(r));
  }
  expect(sizes).toEqual([7, 7, 7, 7, 7, 5]);
  expect(seen.size).toBe(everyone.length);
}

it('reads responses from SQLite in batches, each response once', async () => checkBatches(fixture));

describe('respondent-level CSV', () => {
  it('is RFC 4180: CRLF line ends, quoted fields with commas and quotes; a BOM only when asked for', async () => {
    const plain = await bytes(writeExport(withText, 'respondents.csv'));
    const text = plain.toString('utf8');
    expect(plain[0]).not.toBe(0xef);
    expect(text.split('\r\n')).toHaveLength(everyone.length + 2); // header, rows, and the final CRLF
    expect(text).toMatch(/"We need better training, comment 6\."/);
    const bom = await bytes(writeExport(withText, 'respondents.csv', { bom: true }));
    expect([...bom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bom.subarray(3).toString('utf8')).toBe(text);
  });

  it('has one row per response, no id and no date finer than the month', async () => {
    const rows = await csvRows(plan, 'respondents.csv');
    expect(rows).toHaveLength(everyone.length);
    expect(Object.keys(rows[0]!).some((c) => /id$/i.test(c))).toBe(false);
    expect(new Set(rows.map((r) => r.submitted_month))).toEqual(new Set(['2026-11']));
    expect(JSON.stringify(rows)).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });

  it('never shows a combination of segment values with fewer respondents than the threshold', async () => {
    const rows = await csvRows(plan, 'respondents.csv');
    const combos = new Map<string, number>();
    for (const r of rows) combos.set(`${r.role}|${r.directorate}`, (combos.get(`${r.role}|${r.directorate}`) ?? 0) + 1);
    for (const n of combos.values()) expect(n).toBeGreaterThanOrEqual(THRESHOLD);
    // The senior leaders' own code (1) never appears: they are inside "Other" (4) with the managers.
    expect(new Set(rows.map((r) => r.role))).toEqual(new Set(['3', '4']));
    expect(rows.filter((r) => r.role === '3')).toHaveLength(SIZES.frontline);
  });

  it('codes answers as the codebook says, with -1 for not asked and -2 for not answered', async () => {
    const rows = await csvRows(plan, 'respondents.csv');
    const count = (column: string, value: string) => rows.filter((r) => r[column] === value).length;
    expect(count('strategy', '1')).toBe(countWhere((a) => a.strategy === 'yes'));
    // Only 8 frontline staff were asked "achievable" (it follows strategy = yes): under the threshold, so the publication
    // withholds frontline's figures for it and the file withholds their answers (coded -1), or tabulating it would give them;
    // and the merged "Other" rows' too, or the total less "Other" would. So no answer to it is in the file.
    expect(countWhere((a) => a.role === 'frontline' && a.strategy === 'yes')).toBe(8);
    expect(count('achievable', String(MISSING.notAsked))).toBe(everyone.length);
    // Which optional questions someone skipped is withheld where fewer than the threshold share the pattern: 6 frontline
    // staff and 4 in "Other" skipped the years question, so it is withheld (coded -1) in both segments, no -2 left.
    expect(countWhere((a) => a.years === undefined)).toBe(10);
    expect(count('years', String(MISSING.notAnswered))).toBe(0);
    expect(count('years', String(MISSING.notAsked))).toBe(40);
    // Asked of senior leaders only; they are merged with managers into "Other", so their answers would pick them out
    // of it: withheld (coded -1) in every merged row, and nobody's answer to it is in the file.
    expect(plan.masks.mergedRoleWithheld).toContain('lead_view');
    expect(count('lead_view', String(MISSING.notAsked))).toBe(SIZES.frontline + SIZES.manager + SIZES.senior);
    expect(count('barriers_money', '1')).toBe(countWhere((a) => (a.barriers as { selected: string[] }).selected.includes('money')));
    expect(count('tools_laptop', '4')).toBe(countWhere((a) => (a.tools as Record<string, string>).laptop === 'agree'));
  });

  it('leaves free text out unless asked, and then redacts it and drops it for the small group', async () => {
    const without = (await bytes(writeExport(plan, 'respondents.csv'))).toString('utf8');
    expect(without).not.toContain('training');
    expect(Object.keys((await csvRows(plan, 'respondents.csv'))[0]!)).not.toContain('comment');

    const rows = await csvRows(withText, 'respondents.csv');
    const comments = rows.map((r) => r.comment).filter((c) => c !== '');
    expect(comments).toContain('Ask [name] ([email], [phone], staff no [staff number]) at [postcode] about training.');
    const all = JSON.stringify(rows);
    for (const leak of ['Patel', 'patel.r@', '900123', 'AB123456', 'LS1 4AP', 'Jones']) expect(all).not.toContain(leak);
    expect(PII_COMMENT).toContain('Patel');
    expect(all).not.toContain(SMALL_GROUP_COMMENT);
    // Only frontline comments (every other one: 12): managers' results are withheld to protect the senior leaders, so theirs go too.
    expect(comments).toHaveLength(SIZES.frontline / 2);
  });
});

describe('codebook', () => {
  it('lists every variable with wording, type, when asked, missing codes and value labels, and states the rules', async () => {
    const rows = await csvRows(withText, 'codebook.csv');
    const variable = (name: string) => rows.find((r) => r.variable === name && r.question !== '')!;
    const values = (name: string) => rows.filter((r) => r.variable === name && r.question === '').map((r) => [r.value, r.value_label]);
    expect(variable('achievable')).toMatchObject({
      question_type: 'agree',
      label: 'Our digital strategy can be achieved',
      asked_when: 'strategy is one of yes',
      missing_values: '-1 -2 9',
    });
    expect(variable('lead_view').asked_when).toBe('role group is one of senior');
    expect(variable('tools_wifi')).toMatchObject({ question: 'tools', item: 'wifi', question_type: 'matrix' });
    expect(values('strategy')).toEqual([
      ['1', 'Yes'],
      ['2', 'No'],
      ['3', "I don't know"],
      ['-1', 'Not asked (or withheld to protect anonymity)'],
      ['-2', 'Not answered'],
    ]);
    expect(values('role')).toContainEqual(['4', 'Other (Senior leader, Manager)']);
    expect(values('role').map((v) => v[1])).not.toContain('Senior leader');
    expect(variable('comment').note).toContain('redacted');
    const notes = rows.filter((r) => r.question_type === 'note').map((r) => r.label);
    expect(notes.join(' ')).toContain(`fewer than ${THRESHOLD} respondents`);
    expect(notes.join(' ')).toContain('no response id');
  });
});

describe('aggregate tables', () => {
  it('come from the suppressed analysis: figures match independent counts and the small group has no numbers', async () => {
    const rows = await csvRows(plan, 'aggregates.csv');
    const row = (question: string, group: string, measure: string) => rows.find((r) => r.question === question && r.group === group && r.measure === measure);
    const frontlineYes = everyone.filter((a) => a.role === 'frontline' && a.strategy === 'yes').length;
    expect(row('strategy', 'frontline', 'option:yes')).toMatchObject({
      count: String(frontlineYes),
      base: String(SIZES.frontline),
      estimate: String(Math.round((1000 * frontlineYes) / SIZES.frontline) / 10),
    });
    expect(row('strategy', 'all respondents', 'option:yes')!.count).toBe(String(countWhere((a) => a.strategy === 'yes')));
    // "achievable" is asked of the 14 who said strategy = yes: frontline's 8 (shown on strategy) and the rest's 6. Any
    // figure of it would be taken apart by those, so it is withheld whole, its total too, rather than frontline's
    // strategy figures (which would withhold more).
    const achievable = rows.filter((r) => r.question === 'achievable');
    expect(achievable.length).toBeGreaterThan(0);
    for (const r of achievable) expect([r.count, r.estimate, r.base].join(''), `${r.group} ${r.measure}`).toBe('');
    // Groups under the threshold have no figure at all; groups withheld to protect them have no response count.
    const hidden = (group: string) => rows.filter((r) => r.group === group && (group === 'senior' || group === 'planning' || r.measure === 'responses'));
    for (const group of ['senior', 'manager', 'planning', 'housing']) {
      const hiddenRows = hidden(group);
      expect(hiddenRows.length).toBeGreaterThan(0);
      for (const r of hiddenRows) {
        expect(r.status).toMatch(/^withheld/);
        expect([r.count, r.estimate, r.ci_lower, r.ci_upper, r.base].join('')).toBe('');
      }
    }
  });

  it('in XLSX hold the same rows as the CSV', async () => {
    const csv = await csvRows(plan, 'aggregates.csv');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await xlsxBytes(writeExport(plan, 'aggregates.xlsx')));
    const sheet = book.getWorksheet('Aggregates')!;
    expect(sheet.rowCount).toBe(csv.length + 1);
    const seniorRows: unknown[][] = [];
    sheet.eachRow((r) => {
      const v = (r.values as (string | number | null | undefined)[]).slice(1);
      if (v[2] === 'senior') seniorRows.push(v);
    });
    expect(seniorRows.length).toBe(csv.filter((r) => r.group === 'senior').length);
    for (const r of seniorRows) expect(r.slice(5, 10).every((c) => c === undefined || c === null || c === '')).toBe(true);
  });
});

describe('respondent-level XLSX', () => {
  it('holds the same rows as the CSV, and the codebook as a second sheet', async () => {
    const csv = await csvRows(withText, 'respondents.csv');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await xlsxBytes(writeExport(withText, 'respondents.xlsx')));
    const responses = book.getWorksheet('Responses')!;
    const header = (responses.getRow(1).values as string[]).slice(1);
    expect(header).toEqual(Object.keys(csv[0]!));
    const rows: Record<string, string>[] = [];
    responses.eachRow((r, n) => {
      if (n === 1) return;
      const v = (r.values as (string | number | null | undefined)[]).slice(1);
      rows.push(Object.fromEntries(header.map((h, i) => [h, v[i] === undefined || v[i] === null ? '' : String(v[i])])));
    });
    expect(rows).toEqual(csv);
    expect(JSON.stringify(rows)).not.toContain(SMALL_GROUP_COMMENT);
    expect(JSON.stringify(rows)).not.toContain('Patel');
    const codebook = book.getWorksheet('Codebook')!;
    expect((codebook.getRow(1).values as unknown[]).slice(1)).toContain('missing_values');
    expect(codebook.rowCount).toBe((await csvRows(withText, 'codebook.csv')).length + 1);
  });
});

const PSPP = '/usr/bin/pspp';
describe('SPSS .sav', () => {
  const skip = existsSync(PSPP) ? '' : ` (skipped: ${PSPP} is not installed; CI installs it)`;
  it.skipIf(!existsSync(PSPP))(`PSPP reads it back with our variables, labels, missing values and frequencies${skip}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sounding-sav-'));
    const sav = join(dir, 'respondents.sav');
    writeFileSync(sav, await bytes(writeExport(withText, 'respondents.sav')));
    const syntax = join(dir, 'check.sps');
    writeFileSync(syntax, `GET FILE='${sav}'.\nDISPLAY DICTIONARY.\nFREQUENCIES VARIABLES=role strategy achievable barriers_money.\n`);
    const out = execFileSync(PSPP, ['-O', 'format=csv', syntax], { encoding: 'utf8' });
    const lines = out.split('\n');

    const variables = new Map(
      lines
        .filter((l) => /^[a-z_]+,\d+,/.test(l))
        .map((l) => {
          const cells = parse(l)[0] as string[];
          return [cells[0]!, { position: Number(cells[1]), label: cells[2]!, measure: cells[3]!, format: cells[7]!, missing: cells[9]! }];
        }),
    );
    expect([...variables.keys()]).toEqual(withText.dictionary.variables.map((v) => v.name));
    expect(variables.get('tools_laptop')).toMatchObject({ label: 'How far do you agree?: My laptop is good enough', measure: 'Ordinal', format: 'F8.0', missing: '-1; -2; 9' });
    expect(variables.get('strategy')?.measure).toBe('Nominal');
    expect(variables.get('years')).toMatchObject({ measure: 'Scale', format: 'F8.2' });
    expect(variables.get('barriers_other_text')?.format).toBe('A255');
    expect(variables.get('submitted_month')?.format).toBe('A7');

    // A frequency table: PSPP's counts against ours, computed from the fixture's answers.
    const table = (title: string) => {
      const start = lines.indexOf(`Table: ${title}`);
      const rows: string[][] = [];
      for (let i = start + 2; i < lines.length && lines[i] !== ''; i++) rows.push(parse(lines[i]!)[0] as string[]);
      return rows;
    };
    const freq = (rows: string[][], label: string) => Number(rows.find((r) => r[1] === label)?.[2]);
    const strategy = table('Does your organisation have a digital strategy?');
    expect(freq(strategy, 'Yes')).toBe(countWhere((a) => a.strategy === 'yes'));
    expect(freq(strategy, 'No')).toBe(countWhere((a) => a.strategy === 'no'));
    expect(freq(strategy, "I don't know")).toBe(countWhere((a) => a.strategy === 'dont_know'));
    const achievable = table('Our digital strategy can be achieved');
    // Every answer to it is withheld (see the CSV test above).
    expect(freq(achievable, 'Not asked (or withheld to protect anonymity)')).toBe(everyone.length);
    // "Don't know" is user-missing: listed under Missing, not Valid.
    const dk = achievable.findIndex((r) => r[1] === "Don't know");
    expect(achievable.slice(0, dk).some((r) => r[0] === 'Missing')).toBe(true);
    const role = table('What is your role?');
    expect(freq(role, 'Frontline staff')).toBe(SIZES.frontline);
    expect(freq(role, 'Other (Senior leader, Manager)')).toBe(SIZES.manager + SIZES.senior);
    // The senior leaders have no value of their own: only the merged group names them.
    expect(role.map((r) => r[1])).not.toContain('Senior leader');
    expect(out).not.toMatch(/warning|error/i);
  });
});

describe.skipIf(!postgresUrl)(`exports from PostgreSQL (${postgresUrl ? 'TEST_DATABASE_URL set' : POSTGRES_SKIP_REASON})`, () => {
  it('reads responses in batches and writes the same files as from SQLite', async () => {
    const pgFixture = await exportFixture(await freshPostgres());
    try {
      await checkBatches(pgFixture);
      const pgPlan = (await planStoredExport(pgFixture.storage.db, pgFixture.surveyId, { freeText: true }))!;
      const rowsOf = async (p: ExportPlan) => (await csvRows(p, 'respondents.csv')).map((r) => JSON.stringify(r)).sort();
      expect(await rowsOf(pgPlan)).toEqual(await rowsOf(withText));
      expect(await csvRows(pgPlan, 'aggregates.csv')).toEqual(await csvRows(withText, 'aggregates.csv'));
    } finally {
      await pgFixture.storage.close();
    }
  });
});

describe('every format', () => {
  it.each(EXPORT_FORMAT_NAMES)('%s never carries the small group or raw personal data', async (format) => {
    // The small group is named only as part of the merged group it is in ("Other (Senior leader, Manager)"), never as a value of its own.
    const content = (await bytes(writeExport(withText, format))).toString('latin1').replaceAll('Other (Senior leader, Manager)', '');
    for (const leak of ['Senior leader', SMALL_GROUP_COMMENT, 'Patel', '900123']) expect(content).not.toContain(leak);
  });
});
