import { CsvError, parse, type Info } from 'csv-parse/sync';
import { z } from 'zod';
import { ZWorkforceProfile, type WorkforceProfile } from '../analysis/weighting.js';
import { findQuestion, type TDefinition } from '../instrument/definition.js';

export type { WorkforceProfile } from '../analysis/weighting.js';

/** One problem with an uploaded profile; `row` is the line in the file (the header is row 1). */
export interface ProfileProblem {
  row?: number;
  column?: string;
  message: string;
}

export type ParseProfileResult = { ok: true; profile: WorkforceProfile } | { ok: false; problems: ProfileProblem[] };

const COLUMNS = ['role_group', 'directorate', 'headcount'] as const;
type Column = (typeof COLUMNS)[number];

const ZHeadcount = z
  .string()
  .min(1, 'is missing')
  // Spreadsheets export "1,234" and "12.0"; both are refused rather than guessed at.
  .regex(/^\d+$/, 'must be a whole number of staff (digits only, no commas, decimals or minus sign)')
  .transform(Number)
  .pipe(z.number().max(Number.MAX_SAFE_INTEGER, 'is too large'));

function codesOf(definition: TDefinition, code: string | undefined): string[] {
  const question = code ? findQuestion(definition, code) : undefined;
  return question && question.type === 'single' ? question.options.map((o) => o.code) : [];
}

/**
 * Reads a workforce profile CSV (columns role_group, directorate, headcount, in any order; a
 * byte order mark from spreadsheet exports is allowed). All or nothing: every problem is
 * reported with its row, and no profile is returned unless the whole file is right.
 * The directorate column may be left out, or left blank in every row, for a profile by role
 * group only.
 */
export function parseWorkforceProfile(text: string, definition: TDefinition): ParseProfileResult {
  let records: { record: string[]; info: Info }[];
  try {
    // With `info` each record comes wrapped with its line number, which the typings do not describe.
    records = parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as typeof records;
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      return { ok: false, problems: [{ ...(line ? { row: line } : {}), message: `the file is not valid CSV: ${error.message}` }] };
    }
    throw error;
  }
  const [header, ...rows] = records;
  if (!header) return { ok: false, problems: [{ message: 'the file is empty: it needs a header row (role_group, directorate, headcount) and a row per role group' }] };

  const problems: ProfileProblem[] = [];
  const names = header.record.map((h) => h.toLowerCase());
  const position = new Map<Column, number>();
  names.forEach((name, i) => {
    if (!(COLUMNS as readonly string[]).includes(name)) {
      problems.push({ row: 1, column: header.record[i], message: `unknown column "${header.record[i]}"; the columns are role_group, directorate (optional) and headcount` });
    } else if (position.has(name as Column)) {
      problems.push({ row: 1, column: name, message: `column ${name} appears twice` });
    } else position.set(name as Column, i);
  });
  for (const required of ['role_group', 'headcount'] as const) {
    if (!position.has(required)) problems.push({ row: 1, column: required, message: `the header has no ${required} column (found: ${header.record.join(', ') || 'nothing'})` });
  }
  if (problems.length > 0) return { ok: false, problems };
  if (rows.length === 0) return { ok: false, problems: [{ row: 2, message: 'the file has a header but no rows of headcounts' }] };

  const roleGroups = codesOf(definition, definition.segments.roleGroup);
  const directorates = codesOf(definition, definition.segments.directorate);
  const cells: WorkforceProfile['cells'] = [];
  const firstRowOf = new Map<string, number>();
  let withDirectorate = 0;
  for (const { record, info } of rows) {
    const row = info.lines;
    if (record.length !== header.record.length) {
      problems.push({ row, message: `has ${record.length} value${record.length === 1 ? '' : 's'} but the header has ${header.record.length} columns` });
      continue;
    }
    const value = (column: Column) => (position.has(column) ? record[position.get(column)!]! : '');
    const before = problems.length;
    const roleGroup = value('role_group');
    if (roleGroup === '') problems.push({ row, column: 'role_group', message: 'role_group is missing' });
    else if (!roleGroups.includes(roleGroup)) {
      problems.push({ row, column: 'role_group', message: `"${roleGroup}" is not a role group of this survey; use one of ${roleGroups.join(', ')}` });
    }
    const directorate = value('directorate');
    if (directorate !== '') {
      withDirectorate++;
      if (directorates.length === 0) problems.push({ row, column: 'directorate', message: 'this survey does not ask for directorate, so leave directorate blank' });
      else if (!directorates.includes(directorate)) {
        problems.push({ row, column: 'directorate', message: `"${directorate}" is not a directorate of this survey; use one of ${directorates.join(', ')}` });
      }
    }
    const headcount = ZHeadcount.safeParse(value('headcount'));
    if (!headcount.success) problems.push({ row, column: 'headcount', message: `headcount "${value('headcount')}" ${headcount.error.issues[0]!.message}` });
    if (problems.length > before || !headcount.success) continue;

    const key = `${roleGroup}\u0000${directorate}`;
    const first = firstRowOf.get(key);
    if (first !== undefined) {
      problems.push({
        row,
        message: `repeats role group ${roleGroup}${directorate ? ` in directorate ${directorate}` : ''} (first given in row ${first}); give each combination once`,
      });
      continue;
    }
    firstRowOf.set(key, row);
    cells.push({ roleGroup, directorate, headcount: headcount.data });
  }
  if (withDirectorate > 0 && withDirectorate < rows.length) {
    const blank = rows.filter(({ record }) => record.length === header.record.length && position.has('directorate') && record[position.get('directorate')!] === '');
    for (const { info } of blank) {
      problems.push({ row: info.lines, column: 'directorate', message: 'directorate is blank here but given in other rows; give a directorate in every row or in none' });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  if (cells.every((c) => c.headcount === 0)) return { ok: false, problems: [{ message: 'every headcount is 0; the profile must count some staff' }] };
  // The checks above cover everything the schema checks; parsing again keeps the two in step.
  const checked = ZWorkforceProfile.safeParse({ cells });
  if (!checked.success) return { ok: false, problems: checked.error.issues.map((i) => ({ message: i.message })) };
  return { ok: true, profile: checked.data };
}
