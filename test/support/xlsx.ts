import ExcelJS from 'exceljs';
import { zip } from './zip.js';

export type Cells = (string | number | ExcelJS.CellValue | null)[];

/** An .xlsx built cell by cell, as a person would type it into a spreadsheet. */
export async function workbook(sheets: Record<string, Cells[]>, edit?: (book: ExcelJS.Workbook) => void): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const sheet = book.addWorksheet(name);
    for (const row of rows) sheet.addRow(row);
  }
  edit?.(book);
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** A survey sheet of a heading and `questions` text questions, written as a spreadsheet program writes one (exceljs takes half a minute to write so many rows). */
export function manyRowsWorkbook(questions: number): Buffer {
  const cell = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
  const rows = Array.from(
    { length: questions + 1 },
    (_, i) => `<row r="${i + 1}">${i === 0 ? cell('A1', 'type') + cell('B1', 'name') : cell(`A${i + 1}`, 'text') + cell(`B${i + 1}`, `q${i}`)}</row>`,
  );
  return zip([
    { name: 'xl/workbook.xml', data: Buffer.from('<workbook xmlns:r="r"><sheets><sheet name="survey" sheetId="1" r:id="rId1"/></sheets></workbook>') },
    { name: 'xl/_rels/workbook.xml.rels', data: Buffer.from('<Relationships><Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>') },
    { name: 'xl/worksheets/sheet1.xml', data: Buffer.from(`<worksheet><sheetData>${rows.join('')}</sheetData></worksheet>`) },
  ]);
}
