import { Readable } from 'node:stream';

/**
 * A writer for SPSS system files (.sav), from PSPP's "System File Format" documentation:
 * uncompressed, little-endian, UTF-8 (character encoding record), numeric and string
 * variables up to 255 bytes, variable labels, value labels and up to three discrete
 * missing values per numeric variable, measurement levels, and long variable names. The npm packages for this
 * are small and unmaintained; the subset we need is a few hundred bytes of header.
 */

export interface SavVariable {
  /** Up to 64 bytes: letters, digits and underscores, starting with a letter. */
  name: string;
  label?: string;
  /** 0 for numeric, 1-255 for a string of that many bytes. */
  width: number;
  /** Decimal places shown for a numeric variable. */
  decimals?: number;
  valueLabels?: { value: number; label: string }[];
  /** Discrete user-missing values (numeric variables, at most three). */
  missing?: number[];
  /** Measurement level, so analysis software offers the right statistics (default: nominal). */
  measure?: 'nominal' | 'ordinal' | 'scale';
}

export type SavValue = number | string | undefined;

const SYSMIS = -Number.MAX_VALUE;
const MAX_STRING = 255;
const MAX_VAR_LABEL = 255;
/**
 * A value label's length is one byte in its record (type 3), so up to 255 bytes; SPSS documents
 * 120 but PSPP and SPSS since 14 read the whole label. The long value-labels record (7/21) is for
 * string variables only (PSPP ignores it for a numeric one), and every labelled variable here is
 * numeric, so this is as long as a label can be.
 */
const MAX_VALUE_LABEL = 255;

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
export function utf8Prefix(text: string, max: number): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return bytes;
  let end = max;
  // Step back over continuation bytes (10xxxxxx) to a character boundary.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

class Out {
  private parts: Buffer[] = [];
  int32(...values: number[]) {
    const b = Buffer.alloc(4 * values.length);
    values.forEach((v, i) => b.writeInt32LE(v, 4 * i));
    this.parts.push(b);
  }
  flt64(...values: number[]) {
    const b = Buffer.alloc(8 * values.length);
    values.forEach((v, i) => b.writeDoubleLE(v, 8 * i));
    this.parts.push(b);
  }
  /** Text padded with spaces to exactly `length` bytes. */
  padded(text: string | Buffer, length: number) {
    const b = Buffer.alloc(length, 0x20);
    (typeof text === 'string' ? utf8Prefix(text, length) : text.subarray(0, length)).copy(b);
    this.parts.push(b);
  }
  raw(b: Buffer) {
    this.parts.push(b);
  }
  buffer() {
    return Buffer.concat(this.parts);
  }
}

const segments = (v: SavVariable) => (v.width === 0 ? 1 : Math.ceil(v.width / 8));

/** Unique 8-byte upper-case short names, as the variable records need; long names go in record 7/13. */
function shortNames(variables: readonly SavVariable[]): string[] {
  const used = new Set<string>();
  return variables.map((v, i) => {
    let short = v.name.toUpperCase().slice(0, 8);
    for (let n = 1; used.has(short); n++) {
      const suffix = String(n);
      short = v.name.toUpperCase().slice(0, 8 - suffix.length) + suffix;
    }
    if (used.has(short)) short = `V${i}`;
    used.add(short);
    return short;
  });
}

function checkVariables(variables: readonly SavVariable[]) {
  const seen = new Set<string>();
  for (const v of variables) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(v.name)) throw new Error(`SPSS variable name "${v.name}" must start with a letter and be at most 64 letters, digits or underscores`);
    if (seen.has(v.name.toUpperCase())) throw new Error(`SPSS variable name "${v.name}" is used twice (names are not case-sensitive)`);
    seen.add(v.name.toUpperCase());
    if (!Number.isInteger(v.width) || v.width < 0 || v.width > MAX_STRING) throw new Error(`SPSS variable "${v.name}" has width ${v.width}; strings are 1-255 bytes`);
    if ((v.missing?.length ?? 0) > 3) throw new Error(`SPSS variable "${v.name}" has more than 3 missing values`);
  }
}

/** The dictionary: header, variable records, value labels, extension records, terminator. */
export function savDictionary(variables: readonly SavVariable[], fileLabel = '', created = new Date()): Buffer {
  checkVariables(variables);
  const out = new Out();
  const shorts = shortNames(variables);
  const caseSize = variables.reduce((s, v) => s + segments(v), 0);

  out.padded('$FL2', 4);
  out.padded('@(#) SPSS DATA FILE Sounding', 60);
  out.int32(2, caseSize, 0, 0, -1); // layout code, case size, not compressed, not weighted, cases unknown (streamed)
  out.flt64(100);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number) => String(n).padStart(2, '0');
  out.padded(`${two(created.getUTCDate())} ${months[created.getUTCMonth()]} ${two(created.getUTCFullYear() % 100)}`, 9);
  out.padded(`${two(created.getUTCHours())}:${two(created.getUTCMinutes())}:${two(created.getUTCSeconds())}`, 8);
  out.padded(fileLabel, 64);
  out.raw(Buffer.alloc(3));

  variables.forEach((v, i) => {
    const label = v.label ? utf8Prefix(v.label, MAX_VAR_LABEL) : undefined;
    const missing = v.width === 0 ? (v.missing ?? []) : [];
    const format = v.width === 0 ? (5 << 16) | (8 << 8) | (v.decimals ?? 0) : (1 << 16) | (v.width << 8);
    out.int32(2, v.width, label ? 1 : 0, missing.length, format, format);
    out.padded(shorts[i]!, 8);
    if (label) {
      out.int32(label.length);
      const padded = Buffer.alloc(Math.ceil(label.length / 4) * 4, 0x20);
      label.copy(padded);
      out.raw(padded);
    }
    if (missing.length > 0) out.flt64(...missing);
    for (let s = 1; s < segments(v); s++) {
      out.int32(2, -1, 0, 0, 0, 0);
      out.padded('', 8);
    }
  });

  // Value labels: a type 3 record with the labels, then a type 4 naming the variable by its 1-based position.
  let position = 1;
  variables.forEach((v) => {
    if (v.width === 0 && v.valueLabels && v.valueLabels.length > 0) {
      out.int32(3, v.valueLabels.length);
      for (const { value, label } of v.valueLabels) {
        out.flt64(value);
        const text = utf8Prefix(label, MAX_VALUE_LABEL);
        const entry = Buffer.alloc(Math.ceil((1 + text.length) / 8) * 8, 0x20);
        entry[0] = text.length;
        text.copy(entry, 1);
        out.raw(entry);
      }
      out.int32(4, 1, position);
    }
    position += segments(v);
  });

  // Machine integer info: version 1.0.0, machine -1, IEEE 754, compression 1, little-endian (2), UTF-8 (65001).
  out.int32(7, 3, 4, 8, 1, 0, 0, -1, 1, 1, 2, 65001);
  // Machine floating-point info: system-missing, highest and lowest values.
  out.int32(7, 4, 8, 3);
  out.flt64(SYSMIS, Number.MAX_VALUE);
  out.raw(Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xef, 0xff]));
  // Variable display parameters: measurement level, column width and alignment, one set per variable.
  const MEASURES = { nominal: 1, ordinal: 2, scale: 3 } as const;
  out.int32(7, 11, 4, 3 * variables.length);
  for (const v of variables) out.int32(MEASURES[v.measure ?? 'nominal'], v.width === 0 ? 8 : Math.min(v.width, 40), v.width === 0 ? 1 : 0);
  const longNames = Buffer.from(variables.map((v, i) => `${shorts[i]}=${v.name}`).join('\t'), 'utf8');
  out.int32(7, 13, 1, longNames.length);
  out.raw(longNames);
  const encoding = Buffer.from('UTF-8', 'ascii');
  out.int32(7, 20, 1, encoding.length);
  out.raw(encoding);
  out.int32(999, 0);
  return out.buffer();
}

/** Cases in the uncompressed layout: 8-byte doubles, strings space-padded to whole 8-byte segments. */
export function savCases(variables: readonly SavVariable[], rows: readonly (readonly SavValue[])[]): Buffer {
  const caseSize = variables.reduce((s, v) => s + 8 * segments(v), 0);
  // One buffer per batch rather than one per case: fewer, larger allocations keep memory flat.
  const b = Buffer.alloc(caseSize * rows.length, 0x20);
  let at = 0;
  for (const values of rows) {
    variables.forEach((v, i) => {
      const value = values[i];
      if (v.width === 0) {
        b.writeDoubleLE(typeof value === 'number' && Number.isFinite(value) ? value : SYSMIS, at);
        at += 8;
      } else {
        if (value !== undefined) utf8Prefix(String(value), v.width).copy(b, at);
        at += 8 * segments(v);
      }
    });
  }
  return b;
}

/** Streams a whole .sav file: the dictionary, then one case per row as rows arrive. */
export function savStream(variables: readonly SavVariable[], rows: AsyncIterable<readonly SavValue[][]>, fileLabel = ''): Readable {
  return Readable.from(
    (async function* () {
      yield savDictionary(variables, fileLabel);
      for await (const batch of rows) yield savCases(variables, batch);
    })(),
    { objectMode: false },
  );
}
