import type { TDefinition } from '../definition.js';
import type { DefinitionProblem } from '../problems.js';
import { definitionYaml, validateDefinitionText, type ValidationResult } from '../validate.js';
import { readXlsform } from './read.js';
import { writeXlsform } from './write.js';

export { readXlsform, writeXlsform };

/** The formats a definition file comes in, told apart by the file's extension. */
export const DEFINITION_FORMATS = ['yaml', 'json', 'xlsx'] as const;
export type DefinitionFormat = (typeof DEFINITION_FORMATS)[number];

export function formatOfName(name: string): DefinitionFormat | undefined {
  const extension = /\.([a-z]+)$/i.exec(name)?.[1]?.toLowerCase();
  if (extension === 'yml') return 'yaml';
  return DEFINITION_FORMATS.find((format) => format === extension);
}

/** A zip's first bytes: an .xlsx is one, text never starts so. */
const isZip = (bytes: Buffer) => bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50;

/**
 * Reads and validates a definition file of any format: an XLSForm when its name ends in .xlsx
 * or (with no name, or another) its bytes are a zip; YAML or JSON text otherwise.
 */
export async function readDefinitionFile(bytes: Buffer, name = ''): Promise<ValidationResult> {
  if (formatOfName(name) === 'xlsx' || isZip(bytes)) return readXlsform(bytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, problems: [{ path: '', message: 'the file is neither UTF-8 text (YAML or JSON) nor an .xlsx workbook; save it as one of those' }] };
  }
  return validateDefinitionText(text);
}

/** A valid definition written in a format: YAML and JSON as the files are written, or an XLSForm. */
export async function writeDefinitionFile(definition: TDefinition, format: DefinitionFormat): Promise<Buffer> {
  if (format === 'xlsx') return writeXlsform(definition);
  if (format === 'json') return Buffer.from(`${JSON.stringify(definition, null, 2)}\n`);
  return Buffer.from(definitionYaml(definition));
}

export type ConvertResult = { ok: true; bytes: Buffer; definition: TDefinition } | { ok: false; problems: DefinitionProblem[] };

/** Converts a definition file to another format by the names' extensions; a definition with problems is not converted. */
export async function convertDefinitionFile(bytes: Buffer, from: string, to: string): Promise<ConvertResult> {
  const format = formatOfName(to);
  const known = `.yaml, .yml, .json or .xlsx`;
  if (!formatOfName(from)) return { ok: false, problems: [{ path: '', message: `${from}: the file to convert must end in ${known}` }] };
  if (!format) return { ok: false, problems: [{ path: '', message: `${to}: the file to write must end in ${known}` }] };
  const read = await readDefinitionFile(bytes, from);
  if (!read.ok) return read;
  return { ok: true, bytes: await writeDefinitionFile(read.definition, format), definition: read.definition };
}
