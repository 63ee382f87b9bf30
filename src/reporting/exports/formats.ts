import { PassThrough, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';

export type Cell = string | number | undefined;

/** A named table whose rows arrive in batches, so a file of any size is never held whole. */
export interface Sheet {
  name: string;
  header: readonly string[];
  rows: AsyncIterable<readonly Cell[][]>;
}

/** Hands a generator's failure to the stream it feeds, so the reader sees an error, not a truncated file. */
function feed(source: Readable, into: NodeJS.WritableStream & { destroy(error?: Error): void }) {
  source.on('error', (error) => into.destroy(error));
  source.pipe(into);
}

/** RFC 4180 CSV (CRLF line ends, quotes where needed), UTF-8, with an optional byte-order mark for Excel. */
export function csvStream(sheet: Sheet, options: { bom?: boolean } = {}): Readable {
  const stringifier = stringify({ bom: options.bom ?? false, record_delimiter: 'windows', cast: { number: (n) => String(n) } });
  const lines = Readable.from(
    (async function* () {
      yield [...sheet.header];
      for await (const batch of sheet.rows) for (const row of batch) yield row.map((c) => c ?? '');
    })(),
  );
  feed(lines, stringifier);
  return stringifier;
}

/**
 * An XLSX workbook with one worksheet per sheet, written with exceljs's streaming writer:
 * each row is committed (and so leaves memory) as soon as it is added. Strings are written
 * inline, not shared, so the writer keeps no table of every string seen.
 */
export function xlsxStream(sheets: readonly Sheet[]): Readable {
  const out = new PassThrough();
  (async () => {
    // Loaded when first needed: exceljs adds about 20 MB to a process that never writes a workbook.
    const { default: ExcelJS } = await import('exceljs');
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    for (const sheet of sheets) {
      const worksheet = workbook.addWorksheet(sheet.name, { views: [{ state: 'frozen', ySplit: 1 }] });
      const header = worksheet.addRow([...sheet.header]);
      header.font = { bold: true };
      header.commit();
      for await (const batch of sheet.rows) {
        for (const row of batch) worksheet.addRow(row.map((c) => c ?? null)).commit();
        // Let the zip stream drain before producing more rows.
        if (out.writableNeedDrain) await new Promise((resolve) => out.once('drain', resolve));
      }
      worksheet.commit();
    }
    await workbook.commit();
  })().catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
  return out;
}

/** An in-memory sheet (codebooks and aggregate tables are small) as the one batch `Sheet` expects. */
export function staticRows(rows: readonly Cell[][]): AsyncIterable<readonly Cell[][]> {
  return (async function* () {
    yield rows;
  })();
}
