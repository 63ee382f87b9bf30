import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { loadInstrumentFile, STANDARD_INSTRUMENT_PATH } from '../../src/instrument/load.js';
import { writeXlsform } from '../../src/instrument/xlsform/index.js';
import { findSurveyById } from '../../src/storage/surveys.js';
import { accountsApp, userWithRoles } from '../support/accounts.js';
import { Browser, text } from '../support/browser.js';
import { manyRowsWorkbook, workbook } from '../support/xlsx.js';
import { zip } from '../support/zip.js';

const opened: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of opened.splice(0)) await app.close();
});

async function lead() {
  const setup = await accountsApp();
  opened.push(setup.app);
  const user = await userWithRoles(setup.storage.db, { [setup.organisationId]: 'org_admin' });
  const browser = new Browser(setup.app, user.cookie);
  await browser.get(`/admin/organisations/${setup.organisationId}/surveys/new`);
  const upload = (name: string, content: Buffer | string) =>
    browser.upload(`/admin/organisations/${setup.organisationId}/surveys`, { title: 'From a spreadsheet', source: 'upload', threshold: '10' }, { definition: { name, content } });
  return { ...setup, upload };
}

describe('uploading an XLSForm for a new wave', () => {
  it('creates the wave from an .xlsx', async () => {
    const { upload, storage } = await lead();
    const standard = loadInstrumentFile(STANDARD_INSTRUMENT_PATH);
    const response = await upload('standard.xlsx', await writeXlsform(standard));
    expect(response.statusCode).toBe(303);
    const survey = await findSurveyById(storage.db, String(response.headers.location).split('/').pop()!);
    expect(survey?.definition).toEqual(standard);
  });

  it('refuses a malformed .xlsx or a zip bomb with a specific message and a 422, never a 500', async () => {
    const { upload } = await lead();
    const notZip = await upload('form.xlsx', 'type,name,label\n');
    expect(notZip.statusCode).toBe(422);
    expect(text(notZip.body)).toContain('The file: the file is not an .xlsx workbook (an .xlsx file is a zip archive, and this is not one)');
    const damaged = (await writeXlsform(loadInstrumentFile(STANDARD_INSTRUMENT_PATH))).subarray(0, 3000);
    const broken = await upload('form.xlsx', damaged);
    expect(broken.statusCode).toBe(422);
    expect(text(broken.body)).toContain('the .xlsx file is damaged');
    const bomb = await upload('form.xlsx', zip([{ name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(40 * 1024 * 1024), declaredSize: 1000 }]));
    expect(bomb.statusCode).toBe(422);
    expect(text(bomb.body)).toContain('the .xlsx file is too large: it unpacks to more than 25 MB');
  });

  it('refuses 100,000 rows, formulas, merged cells and an unknown sheet with a 422 naming each place, never a 500', async () => {
    const { upload } = await lead();
    const rows = await upload('form.xlsx', manyRowsWorkbook(100_000));
    expect(rows.statusCode).toBe(422);
    expect(text(rows.body)).toContain('The file: the sheet "survey" has 100,001 rows; an XLSForm may have at most 5,000');
    const odd = await workbook(
      {
        survey: [
          ['type', 'name', 'label'],
          ['text', 'q1', { formula: 'CONCATENATE("Your ","name")', result: 'Your name' }],
          ['text', 'q2', 'Merged', 'across'],
        ],
        notes: [['anything']],
      },
      (book) => book.getWorksheet('survey')!.mergeCells('C3:D3'),
    );
    const refused = await upload('form.xlsx', odd);
    expect(refused.statusCode).toBe(422);
    const page = text(refused.body);
    expect(page).toContain('Sheet survey, row 2, column label: cell C2 holds a formula');
    expect(page).toContain('Sheet survey, row 3: cells C3:D3 are merged; unmerge them (XLSForm reads one value per cell)');
    expect(page).toContain('Sheet notes: the workbook has a sheet "notes", which cannot be translated');
  });

  it('answers a file over the upload limit with 413 and the limit in words', async () => {
    const { upload } = await lead();
    const response = await upload('huge.xlsx', Buffer.alloc(17 * 1024 * 1024));
    expect(response.statusCode).toBe(413);
    expect(text(response.body)).toContain('The file is larger than 16 MB, the most one upload takes.');
  });
});
