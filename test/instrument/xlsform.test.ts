import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { loadInstrumentFile, STANDARD_INSTRUMENT_PATH } from '../../src/instrument/load.js';
import type { DefinitionProblem } from '../../src/instrument/problems.js';
import { validateDefinition } from '../../src/instrument/validate.js';
import { convertDefinitionFile, readDefinitionFile, readXlsform, writeXlsform } from '../../src/instrument/xlsform/index.js';
import { manyRowsWorkbook, workbook, type Cells } from '../support/xlsx.js';
import { zip } from '../support/zip.js';

async function sheetRows(bytes: Buffer, name: string): Promise<Record<string, string>[]> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(bytes as unknown as ArrayBuffer);
  const sheet = book.getWorksheet(name)!;
  const header = (sheet.getRow(1).values as unknown[]).map(String);
  const rows: Record<string, string>[] = [];
  sheet.eachRow((row, number) => {
    if (number === 1) return;
    const values = row.values as unknown[];
    const entry: Record<string, string> = {};
    header.forEach((h, i) => {
      const value = values[i];
      if (h !== 'undefined') entry[h] = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
    });
    rows.push(entry);
  });
  return rows;
}

const problemsOf = async (bytes: Buffer): Promise<DefinitionProblem[]> => {
  const result = await readXlsform(bytes);
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.problems;
};

const standard = loadInstrumentFile(STANDARD_INSTRUMENT_PATH);

describe('XLSForm out and back in', () => {
  it('gives the standard instrument back unchanged', async () => {
    const result = await readXlsform(await writeXlsform(standard));
    if (!result.ok) throw new Error(JSON.stringify(result.problems, null, 2));
    expect(result.definition).toEqual(standard);
  });

  it('gives a survey without segments or audiences back unchanged', async () => {
    const pulse = validateDefinition({
      code: 'pulse',
      version: 1,
      title: 'Pulse',
      estimatedMinutes: 2,
      sections: [{ code: 'work', title: 'Your work', questions: [{ code: 'engaged', type: 'engagement', text: 'How engaged are you?' }] }],
    });
    if (!pulse.ok) throw new Error(JSON.stringify(pulse.problems));
    const result = await readXlsform(await writeXlsform(pulse.definition));
    if (!result.ok) throw new Error(JSON.stringify(result.problems, null, 2));
    expect(result.definition).toEqual(pulse.definition);
    expect(result.definition.segments).toEqual({});
  });

  it('writes scales as likert lists, a matrix as a table-list group, showIf as relevant and bounds as a constraint', async () => {
    const bytes = await writeXlsform(standard);
    const survey = await sheetRows(bytes, 'survey');
    const row = (name: string) => survey.find((r) => r.name === name)!;
    expect(row('role')).toMatchObject({ type: 'select_one role', required: 'yes', 'label::Welsh (cy)': "Pa un o'r rhain sy'n disgrifio eich rôl orau?" });
    expect(row('engaged')).toMatchObject({ type: 'select_one scale_engagement', appearance: 'likert' });
    expect(row('engaged_groups')).toMatchObject({ type: 'begin group', appearance: 'table-list' });
    expect(row('engaged_groups__heads')).toMatchObject({ type: 'select_one scale_engagement', 'label::English (en)': 'Heads of service' });
    expect(row('years_lg')).toMatchObject({ type: 'integer', constraint: '. >= 0 and . <= 60', 'suffix::English (en)': 'years', required: '' });
    expect(survey.some((r) => r.relevant === "${strategy} = 'yes'")).toBe(true);
    expect(survey.filter((r) => r.type === 'begin group').length).toBe(survey.filter((r) => r.type === 'end group').length);
    const choices = await sheetRows(bytes, 'choices');
    expect(choices.filter((c) => c.list_name === 'scale_agree_dk').map((c) => c.name)).toEqual(['strongly_agree', 'agree', 'neither', 'disagree', 'strongly_disagree', 'dont_know']);
    const [settings] = await sheetRows(bytes, 'settings');
    expect(settings).toMatchObject({ form_id: 'digital_readiness', version: '1', role_question: 'role', directorate_question: 'directorate', default_language: 'English (en)' });
  });

  it('converts YAML to XLSForm to JSON and back to the same definition', async () => {
    const yaml = await import('node:fs').then((fs) => fs.readFileSync(STANDARD_INSTRUMENT_PATH));
    const xlsx = await convertDefinitionFile(yaml, 'standard.yaml', 'standard.xlsx');
    if (!xlsx.ok) throw new Error('not converted');
    const json = await convertDefinitionFile(xlsx.bytes, 'standard.xlsx', 'standard.json');
    if (!json.ok) throw new Error('not converted');
    const back = await readDefinitionFile(json.bytes, 'standard.json');
    expect(back.ok && back.definition).toEqual(standard);
    const refused = await convertDefinitionFile(yaml, 'standard.yaml', 'standard.csv');
    expect(refused.ok || refused.problems[0]!.message).toBe('standard.csv: the file to write must end in .yaml, .yml, .json or .xlsx');
  });
});

// A form written as ODK's XLSForm documentation shows (https://xlsform.org/en/): groups, selects with a
// choices sheet, or_other, constraints, relevant, notes, translations; plus Sounding's role question and audiences in settings.
const L = ['label::English (en)', 'label::Welsh (cy)'];
const odkSurvey: Cells[] = [
  ['type', 'name', ...L, 'hint::English (en)', 'required', 'relevant', 'constraint', 'appearance', 'hint::Welsh (cy)'],
  ['begin group', 'about', 'About you', 'Amdanoch chi', null, null, null, null, 'field-list'],
  ['select_one role', 'role', 'What is your role?', 'Beth yw eich rôl?', null, 'yes'],
  ['integer', 'years', 'Years in post', 'Blynyddoedd yn y swydd', 'Whole years', 'no', null, '. >= 0 and . <= 50', null, 'Blynyddoedd cyfan'],
  ['end group'],
  ['begin group', 'tools', 'Your tools', 'Eich offer'],
  ['note', 'intro', 'Think about the last month.', 'Meddyliwch am y mis diwethaf.'],
  ['select_multiple tools', 'tools_used', 'Which tools do you use?', 'Pa offer ydych chi’n eu defnyddio?', null, 'yes', null, "not(selected(., 'none') and count-selected(.) > 1)"],
  ['select_multiple tools', 'tools_wanted', 'Which tools would you like?', 'Pa offer hoffech chi?', null, 'no', "${role} = 'manager'"],
  ['text', 'why', 'Why?', 'Pam?', null, 'no', "selected(${role}, 'staff') or selected(${role}, 'manager')", 'string-length(.) <= 500'],
  ['decimal', 'hours', 'Hours a week', 'Oriau yr wythnos', null, 'no', "${role} != 'manager'", '. >= 0.5 and . <= 80.5'],
  ['select_multiple tools or_other', 'tools_other', 'Anything else?', 'Unrhyw beth arall?', null, 'no'],
  ['end group'],
];
const odkChoices: Cells[] = [
  ['list_name', 'name', ...L],
  ['role', 'staff', 'Staff', 'Staff'],
  ['role', 'manager', 'Manager', 'Rheolwr'],
  ['tools', 'email', 'Email', 'E-bost'],
  ['tools', 'teams', 'Teams', 'Teams'],
  ['tools', 'none', 'None of these', 'Dim un o’r rhain'],
];
const odkSettings: Cells[] = [
  ['form_title', 'form_title::Welsh (cy)', 'form_id', 'version', 'role_question', 'audiences'],
  ['Tools survey', 'Arolwg offer', 'tools_survey', '2024061801', 'role', JSON.stringify([{ code: 'everyone', label: { en: 'Everyone', cy: 'Pawb' }, roleGroups: ['staff', 'manager'] }])],
];

describe('an XLSForm written by hand', () => {
  it('imports with the expected sections and questions', async () => {
    const result = await readXlsform(await workbook({ survey: odkSurvey, choices: odkChoices, settings: odkSettings }));
    if (!result.ok) throw new Error(JSON.stringify(result.problems, null, 2));
    const { definition } = result;
    expect(definition).toMatchObject({
      code: 'tools_survey',
      version: 2024061801,
      title: { en: 'Tools survey', cy: 'Arolwg offer' },
      languages: ['en', 'cy'],
      segments: { roleGroup: 'role' },
    });
    expect(definition.estimatedMinutes).toBe(2); // 7 questions, about 4 a minute
    expect(definition.sections.map((s) => [s.code, s.title.en, s.questions.map((q) => `${q.code}:${q.type}`)])).toEqual([
      ['about', 'About you', ['role:single', 'years:number']],
      ['tools', 'Your tools', ['tools_used:multiple', 'tools_wanted:multiple', 'why:text', 'hours:number', 'tools_other:multiple']],
    ]);
    const [role, years] = definition.sections[0]!.questions;
    expect(role).toMatchObject({ required: true, text: { en: 'What is your role?', cy: 'Beth yw eich rôl?' } });
    expect(role?.type === 'single' && role.options.map((o) => o.code)).toEqual(['staff', 'manager']);
    expect(years).toMatchObject({ required: false, min: 0, max: 50, integer: true, hint: { en: 'Whole years', cy: 'Blynyddoedd cyfan' } });
    const [used, wanted, why, hours, other] = definition.sections[1]!.questions;
    // The note becomes the hint of the question after it.
    expect(used).toMatchObject({ hint: { en: 'Think about the last month.', cy: 'Meddyliwch am y mis diwethaf.' } });
    expect(used?.type === 'multiple' && used.options.find((o) => o.code === 'none')?.exclusive).toBe(true);
    expect(wanted!.showIf).toEqual({ question: 'role', anyOf: ['manager'] });
    expect(why).toMatchObject({ maxLength: 500, showIf: { question: 'role', anyOf: ['staff', 'manager'] } });
    expect(hours).toMatchObject({ integer: false, min: 0.5, max: 80.5, showIf: { question: 'role', noneOf: ['manager'] } });
    expect(other).toMatchObject({ other: { code: 'other', label: { en: 'Other', cy: 'Arall' } } });
  });
  it('reads a column without a language in the default language the settings name', async () => {
    const result = await readXlsform(
      await workbook({
        survey: [
          ['type', 'name', 'label', 'label::English (en)', 'required'],
          ['text', 'name', 'Beth yw eich enw?', 'What is your name?'],
          ['select_one role', 'role', 'Eich rôl', 'Your role', 'yes'],
        ],
        choices: odkChoices,
        settings: [
          ['form_title::English (en)', 'form_title', 'form_id', 'version', 'role_question', 'audiences', 'default_language'],
          ['Names', 'Enwau', 'names', 1, 'role', odkSettings[1]![5]!, 'Welsh (cy)'],
        ],
      }),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems, null, 2));
    expect(result.definition.title).toEqual({ en: 'Names', cy: 'Enwau' });
    expect(result.definition.sections[0]!.questions[0]!.text).toEqual({ en: 'What is your name?', cy: 'Beth yw eich enw?' });
  });
});

describe('what an XLSForm holds that Sounding cannot translate', () => {
  it('is reported all at once, each by sheet, row and column', async () => {
    const bytes = await workbook({
      survey: [
        ['type', 'name', 'label::English (en)', 'relevant', 'constraint', 'required', 'constraint_message', 'label::French (fr)'],
        ['begin group', 's1', 'Section'],
        ['select_one role', 'role', 'Role', null, null, 'yes'],
        ['begin repeat', 'kids', 'Children'],
        ['text', 'kid_name', 'Name'],
        ['end repeat'],
        ['calculate', 'total', 'Total'],
        ['text', 'comment', 'Comment', "${role} = 'staff' and today() > 1"],
        ['select_one role or_other', 'role_again', 'Role again'],
        ['integer', 'age', 'Age', null, null, null, 'Too old', 'Âge'],
        ['decimal', 'amount', 'Amount', null, '. > 0 and . < 10'],
        ['note', 'bye', 'Thank you'],
        ['end group'],
      ],
      choices: [
        ['list_name', 'name', 'label::English (en)'],
        ['role', 'staff', 'Staff'],
        ['role', 'manager', 'Manager'],
      ],
      notes: [['anything']],
    });
    const problems = await problemsOf(bytes);
    const at = (sheet: string, row: number | undefined, column: string | undefined) => problems.filter((p) => p.sheet === sheet && p.line === row && p.column === column).map((p) => p.message);
    expect(at('notes', undefined, undefined)).toEqual([expect.stringContaining('the workbook has a sheet "notes", which cannot be translated')]);
    expect(at('survey', 4, 'type')).toEqual([expect.stringContaining('a repeat (begin repeat) cannot be translated')]);
    expect(at('survey', 7, 'type')).toEqual([expect.stringContaining('type "calculate" cannot be translated')]);
    expect(at('survey', 8, 'relevant')).toEqual([expect.stringContaining(`"\${role} = 'staff' and today() > 1" cannot be translated`)]);
    expect(at('survey', 9, 'type')).toEqual([expect.stringContaining('or_other on a select_one cannot be translated')]);
    expect(at('survey', 10, 'constraint')).toEqual(['integer questions need both bounds, such as ". >= 0 and . <= 100"']);
    expect(at('survey', 10, 'constraint_message')).toEqual([expect.stringContaining('column "constraint_message" cannot be translated')]);
    expect(at('survey', 10, 'label::French (fr)')).toEqual([expect.stringContaining('Sounding has English (en) and Welsh (cy) only')]);
    expect(at('survey', 11, 'constraint')).toEqual([expect.stringContaining('the constraint ". > 0 and . < 10" cannot be translated')]);
    expect(at('survey', 12, 'label::English (en)')).toEqual([expect.stringContaining('a note is translated as the hint of the question after it')]);
    // Nothing inside the refused repeat is translated, so its question is not reported again.
    expect(problems.some((p) => p.line === 5)).toBe(false);
  });

  it('names the place of a definition problem found once translated', async () => {
    const standardBytes = await writeXlsform(standard);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(standardBytes as unknown as ArrayBuffer);
    const survey = book.getWorksheet('survey')!;
    let roleRow = 0;
    survey.eachRow((row, n) => {
      if (row.getCell(2).value === 'directorate') roleRow = n;
    });
    survey.getRow(roleRow).getCell(2).value = 'Directorate Code';
    const problems = await problemsOf(Buffer.from(await book.xlsx.writeBuffer()));
    expect(problems).toContainEqual(
      expect.objectContaining({
        sheet: 'survey',
        line: roleRow,
        column: 'name',
        message: 'must start with a lower-case letter and use only a-z, 0-9 and _. Change it, for example to "directorate_code".',
      }),
    );
  });
});

const messageOf = async (bytes: Buffer, name = 'form.xlsx') => {
  const result = await readDefinitionFile(bytes, name);
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.problems.map((p) => p.message);
};

describe('a malformed or hostile .xlsx', () => {
  it('that is not a zip, an old .xls or a damaged zip is refused with what to do', async () => {
    expect(await messageOf(Buffer.from('type,name,label\ntext,q,Q\n'))).toEqual([
      expect.stringContaining('the file is not an .xlsx workbook (an .xlsx file is a zip archive, and this is not one)'),
    ]);
    const xls = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(600)]);
    expect(await messageOf(xls)).toEqual([expect.stringContaining('an old Excel workbook (.xls)')]);
    const whole = await writeXlsform(standard);
    expect(await messageOf(whole.subarray(0, whole.length / 2))).toEqual([expect.stringContaining('the .xlsx file is damaged')]);
    // A zip of something else is not a workbook.
    expect(await messageOf(zip([{ name: 'readme.txt', data: Buffer.from('hello') }]))).toEqual([expect.stringContaining('survey')]);
  });

  it('that unpacks to more than the limit (a zip bomb) is refused before it is parsed, whatever sizes it claims', async () => {
    const zeros = Buffer.alloc(40 * 1024 * 1024);
    for (const declaredSize of [undefined, 1000]) {
      const bomb = zip([{ name: 'xl/worksheets/sheet1.xml', data: zeros, declaredSize }]);
      expect(bomb.length).toBeLessThan(100_000);
      expect(await messageOf(bomb)).toEqual(['the .xlsx file is too large: it unpacks to more than 25 MB (a survey needs far less)']);
    }
  });

  it('with 100,000 rows is refused by its row count, naming the sheet', async () => {
    const bytes = manyRowsWorkbook(100_000);
    const started = performance.now();
    expect(await messageOf(bytes)).toEqual(['the sheet "survey" has 100,001 rows; an XLSForm may have at most 5,000']);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('with formulas or merged cells names each cell', async () => {
    const bytes = await workbook(
      {
        survey: [
          ['type', 'name', 'label'],
          ['text', 'q1', { formula: 'CONCATENATE("Your ","name")', result: 'Your name' }],
          ['text', 'q2', 'Merged', 'across'],
        ],
      },
      (book) => book.getWorksheet('survey')!.mergeCells('C3:D3'),
    );
    const problems = await problemsOf(bytes);
    expect(problems).toContainEqual(expect.objectContaining({ sheet: 'survey', line: 2, column: 'label', message: expect.stringContaining('cell C2 holds a formula') as string }));
    expect(problems).toContainEqual(expect.objectContaining({ sheet: 'survey', line: 3, message: 'cells C3:D3 are merged; unmerge them (XLSForm reads one value per cell)' }));
  });
});
