import { inflateRawSync } from 'node:zlib';

/** The most an .xlsx may hold once unpacked: a survey of a few thousand rows is well under 5 MB. */
export const MAX_UNPACKED_BYTES = 25 * 1024 * 1024;
/** The most rows one sheet may have: far more than any survey, far fewer than a spreadsheet of data. */
export const MAX_SHEET_ROWS = 5000;
const MAX_ENTRIES = 500;

export type ZipCheck = { ok: true } | { ok: false; message: string };

/**
 * Checks an .xlsx before a spreadsheet library reads it, so a hostile file costs little: it must
 * be a zip, hold at most MAX_ENTRIES parts that unpack (measured by unpacking them, not by what
 * the zip claims) to MAX_UNPACKED_BYTES in all, and no sheet may have more than MAX_SHEET_ROWS rows.
 */
export function checkXlsxZip(bytes: Buffer): ZipCheck {
  const refuse = (message: string): ZipCheck => ({ ok: false, message });
  if (bytes.length < 22 || bytes.readUInt32LE(0) !== 0x04034b50) {
    if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0xd0cf11e0)
      return refuse('the file is an old Excel workbook (.xls) or a password-protected one; save it as an Excel workbook (.xlsx) without a password');
    return refuse('the file is not an .xlsx workbook (an .xlsx file is a zip archive, and this is not one); save the spreadsheet as an Excel workbook (.xlsx)');
  }
  const end = findEndOfDirectory(bytes);
  if (end < 0) return refuse('the .xlsx file is damaged (its zip directory is missing); save it again from the spreadsheet program');
  const entries = bytes.readUInt16LE(end + 10);
  let offset = bytes.readUInt32LE(end + 16);
  if (entries === 0xffff || offset === 0xffffffff) return refuse(`the .xlsx file is too large: it may unpack to at most ${MAX_UNPACKED_BYTES / 1024 / 1024} MB`);
  if (entries > MAX_ENTRIES) return refuse(`the .xlsx file has ${entries} parts; a workbook of at most ${MAX_ENTRIES} is expected`);

  const parts = new Map<string, Buffer>();
  let budget = MAX_UNPACKED_BYTES;
  for (let i = 0; i < entries; i++) {
    if (offset + 46 > bytes.length || bytes.readUInt32LE(offset) !== 0x02014b50) return refuse('the .xlsx file is damaged (its zip directory cannot be read); save it again');
    const flags = bytes.readUInt16LE(offset + 8);
    const method = bytes.readUInt16LE(offset + 10);
    const packed = bytes.readUInt32LE(offset + 20);
    const size = bytes.readUInt32LE(offset + 24);
    const nameLength = bytes.readUInt16LE(offset + 28);
    const local = bytes.readUInt32LE(offset + 42);
    const name = bytes.toString('utf8', offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + bytes.readUInt16LE(offset + 30) + bytes.readUInt16LE(offset + 32);
    if (flags & 1) return refuse('the .xlsx file is password-protected; save it without a password');
    if (size > budget) return refuse(`the .xlsx file is too large: it unpacks to more than ${MAX_UNPACKED_BYTES / 1024 / 1024} MB (a survey needs far less)`);
    if (local + 30 > bytes.length || bytes.readUInt32LE(local) !== 0x04034b50) return refuse(`the .xlsx file is damaged (part ${name} is missing); save it again`);
    const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const data = bytes.subarray(start, start + packed);
    let unpacked: Buffer;
    try {
      // Never more than the budget left, whatever the zip says: a zip bomb stops here.
      unpacked = method === 0 ? data : method === 8 ? inflateRawSync(data, { maxOutputLength: budget + 1 }) : Buffer.alloc(0);
    } catch (error) {
      if (error instanceof RangeError) return refuse(`the .xlsx file is too large: it unpacks to more than ${MAX_UNPACKED_BYTES / 1024 / 1024} MB (a survey needs far less)`);
      return refuse(`the .xlsx file is damaged (part ${name} cannot be unpacked); save it again`);
    }
    if (method !== 0 && method !== 8) return refuse(`the .xlsx file uses a compression method spreadsheet programs do not (part ${name}); save it again from Excel or LibreOffice`);
    if (unpacked.length > budget) return refuse(`the .xlsx file is too large: it unpacks to more than ${MAX_UNPACKED_BYTES / 1024 / 1024} MB (a survey needs far less)`);
    budget -= unpacked.length;
    parts.set(name, unpacked);
  }

  for (const [part, rows] of sheetRows(parts)) {
    if (rows > MAX_SHEET_ROWS) return refuse(`the sheet "${part}" has ${rows.toLocaleString('en-GB')} rows; an XLSForm may have at most ${MAX_SHEET_ROWS.toLocaleString('en-GB')}`);
  }
  return { ok: true };
}

/** The end-of-central-directory record: the last 22 bytes, or earlier when the zip has a comment. */
function findEndOfDirectory(bytes: Buffer): number {
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) return i;
  }
  return -1;
}

/** Rows per worksheet, named as the workbook names them (the part's file name when that cannot be read). */
function sheetRows(parts: Map<string, Buffer>): [string, number][] {
  const attributes = (tag: string) => Object.fromEntries([...tag.matchAll(/([\w:]+)="([^"]*)"/g)].map((m) => [m[1]!.replace(/^.*:/, ''), m[2]!]));
  const targets = new Map(
    [...(parts.get('xl/_rels/workbook.xml.rels')?.toString('utf8') ?? '').matchAll(/<(?:\w+:)?Relationship\b[^>]*>/g)]
      .map((m) => attributes(m[0]))
      .map((a) => [a.Id ?? '', `xl/${(a.Target ?? '').replace(/^\/?xl\//, '')}`]),
  );
  const names = new Map(
    [...(parts.get('xl/workbook.xml')?.toString('utf8') ?? '').matchAll(/<(?:\w+:)?sheet\b[^>]*>/g)].map((m) => attributes(m[0])).map((a) => [targets.get(a.id ?? '') ?? '', a.name ?? '']),
  );
  return [...parts]
    .filter(([part]) => /^xl\/worksheets\/[^/]+\.xml$/.test(part))
    .map(([part, xml]) => [names.get(part) || part, xml.toString('latin1').match(/<(?:\w+:)?row[\s>]/g)?.length ?? 0]);
}
