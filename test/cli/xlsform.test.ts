import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { loadInstrumentFile, STANDARD_INSTRUMENT_PATH } from '../../src/instrument/load.js';
import { readDefinitionFile } from '../../src/instrument/xlsform/index.js';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');

function cli(...args: string[]): { status: number; output: string } {
  try {
    return { status: 0, output: execFileSync(tsx, ['src/cli/index.ts', ...args], { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { status: failed.status, output: failed.stdout + failed.stderr };
  }
}

// Each command is a process of its own under tsx: seconds each on a busy 2-core machine.
describe('sounding convert and validate on XLSForm', { timeout: 180_000 }, () => {
  it('converts YAML to .xlsx and on to JSON, each valid and the same definition', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sounding-xlsform-'));
    const xlsx = join(dir, 'standard.xlsx');
    const json = join(dir, 'standard.json');
    const toXlsx = cli('convert', STANDARD_INSTRUMENT_PATH.pathname, xlsx);
    expect(toXlsx).toEqual({ status: 0, output: `${xlsx}: written (digital_readiness version 1)\n` });
    expect(cli('validate', xlsx)).toEqual({ status: 0, output: `${xlsx}: valid (digital_readiness version 1)\n` });
    expect(cli('convert', xlsx, json).status).toBe(0);
    const back = await readDefinitionFile(readFileSync(json), json);
    expect(back.ok && back.definition).toEqual(loadInstrumentFile(STANDARD_INSTRUMENT_PATH));
  });

  it('lists an XLSForm’s problems by sheet, row and column, and writes nothing from it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sounding-xlsform-'));
    const book = new ExcelJS.Workbook();
    const survey = book.addWorksheet('survey');
    survey.addRow(['type', 'name', 'label']);
    survey.addRow(['select_one yes_no', 'ok', 'All right?']);
    survey.addRow(['geopoint', 'where', 'Where are you?']);
    book.addWorksheet('choices').addRow(['list_name', 'name', 'label']);
    const file = join(dir, 'form.xlsx');
    writeFileSync(file, Buffer.from(await book.xlsx.writeBuffer()));
    const result = cli('validate', file);
    expect(result.status).toBe(1);
    expect(result.output).toContain('Sheet survey, row 2, column type: list "yes_no" is not in the choices sheet; add its choices there');
    expect(result.output).toContain('Sheet survey, row 3, column type: type "geopoint" cannot be translated');
    const converted = cli('convert', file, join(dir, 'form.yaml'));
    expect(converted.status).toBe(1);
    expect(converted.output).toContain(`Nothing written; ${file} has`);
    writeFileSync(join(dir, 'fake.xlsx'), 'code: not a workbook');
    expect(cli('validate', join(dir, 'fake.xlsx')).output).toContain('the file is not an .xlsx workbook');
  });
});
