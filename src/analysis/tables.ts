/**
 * The input contract between counting and analysis: counts per segment cell (role group ×
 * directorate), made in one pass over a wave's responses when its publication is built, so
 * analysis never sees individual responses.
 */

export interface CellKey {
  roleGroup: string;
  /** '' when the directorate question is not asked or was not answered. */
  directorate: string;
}

export interface SurveyTables {
  /** Completed responses per cell. */
  cells: (CellKey & { responses: number })[];
  /** Respondents who answered the variable (including "don't know"); item '' unless matrix. */
  answered: (CellKey & { question: string; item: string; n: number })[];
  /** Respondents choosing each option (multiple choice: one row per selected option). */
  options: (CellKey & { question: string; item: string; option: string; n: number })[];
  /** Number questions (variable = question code) and per-respondent index scores (variable = `index:<code>`). */
  numeric: (CellKey & { variable: string; n: number; sum: number; sumSquares: number })[];
}

/** The numeric variable name under which storage keeps a respondent's score for an index. */
export function indexVariable(code: string): string {
  return `index:${code}`;
}

/**
 * Tables of several shares of one wave's responses added up: every count and sum of a cell,
 * variable or option summed over the shares, rows in the order of their keys (the same
 * whichever share met a row first). One share is returned as it is.
 */
export function mergeTables(parts: readonly SurveyTables[]): SurveyTables {
  if (parts.length === 1) return parts[0]!;
  const rows = <Row>(pick: (t: SurveyTables) => Row[], key: (row: Row) => string, add: (into: Row, row: Row) => void): Row[] => {
    const byKey = new Map<string, Row>();
    for (const part of parts) {
      for (const row of pick(part)) {
        const k = key(row);
        const into = byKey.get(k);
        if (into) add(into, row);
        else byKey.set(k, { ...row });
      }
    }
    return [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  };
  return {
    cells: rows(
      (t) => t.cells,
      cellId,
      (into, row) => (into.responses += row.responses),
    ),
    answered: rows(
      (t) => t.answered,
      (r) => `${cellId(r)}\u0000${variableId(r.question, r.item)}`,
      (into, row) => (into.n += row.n),
    ),
    options: rows(
      (t) => t.options,
      (r) => `${cellId(r)}\u0000${variableId(r.question, r.item)}\u0000${r.option}`,
      (into, row) => (into.n += row.n),
    ),
    numeric: rows(
      (t) => t.numeric,
      (r) => `${cellId(r)}\u0000${r.variable}`,
      (into, row) => {
        into.n += row.n;
        into.sum += row.sum;
        into.sumSquares += row.sumSquares;
      },
    ),
  };
}

export function cellId(key: CellKey): string {
  return `${key.roleGroup}\u0000${key.directorate}`;
}

export function variableId(question: string, item: string): string {
  return `${question}\u0000${item}`;
}

/** Numeric moments of one cell. */
export interface Moments {
  n: number;
  sum: number;
  sumSquares: number;
}

/**
 * Tables re-indexed for fast lookup: every cell gets a position, and each variable's counts
 * become arrays by cell position. Built once per analysis.
 */
export class IndexedTables {
  readonly cells: CellKey[] = [];
  readonly responses: number[] = [];
  private readonly position = new Map<string, number>();
  private readonly answeredBy = new Map<string, Float64Array>();
  private readonly optionsBy = new Map<string, Map<string, Float64Array>>();
  private readonly numericBy = new Map<string, { n: Float64Array; sum: Float64Array; sumSquares: Float64Array }>();

  constructor(tables: SurveyTables) {
    for (const row of tables.cells) this.responses[this.cellOf(row)] = (this.responses[this.cellOf(row)] ?? 0) + row.responses;
    // Cells seen only in answer rows still get a position (with 0 completed responses).
    for (const row of tables.answered) this.cellOf(row);
    for (const row of tables.options) this.cellOf(row);
    for (const row of tables.numeric) this.cellOf(row);
    for (let i = 0; i < this.cells.length; i++) this.responses[i] ??= 0;
    const size = this.cells.length;
    for (const row of tables.answered) {
      const id = variableId(row.question, row.item);
      let arr = this.answeredBy.get(id);
      if (!arr) this.answeredBy.set(id, (arr = new Float64Array(size)));
      arr[this.cellOf(row)] = (arr[this.cellOf(row)] ?? 0) + row.n;
    }
    for (const row of tables.options) {
      const id = variableId(row.question, row.item);
      let byOption = this.optionsBy.get(id);
      if (!byOption) this.optionsBy.set(id, (byOption = new Map<string, Float64Array>()));
      let arr = byOption.get(row.option);
      if (!arr) byOption.set(row.option, (arr = new Float64Array(size)));
      arr[this.cellOf(row)] = (arr[this.cellOf(row)] ?? 0) + row.n;
    }
    for (const row of tables.numeric) {
      let m = this.numericBy.get(row.variable);
      if (!m) {
        m = { n: new Float64Array(size), sum: new Float64Array(size), sumSquares: new Float64Array(size) };
        this.numericBy.set(row.variable, m);
      }
      const c = this.cellOf(row);
      m.n[c] = (m.n[c] ?? 0) + row.n;
      m.sum[c] = (m.sum[c] ?? 0) + row.sum;
      m.sumSquares[c] = (m.sumSquares[c] ?? 0) + row.sumSquares;
    }
  }

  private cellOf(key: CellKey): number {
    const id = cellId(key);
    let p = this.position.get(id);
    if (p === undefined) {
      p = this.cells.length;
      this.cells.push({ roleGroup: key.roleGroup, directorate: key.directorate });
      this.position.set(id, p);
    }
    return p;
  }

  indexOf(key: CellKey): number | undefined {
    return this.position.get(cellId(key));
  }

  get size(): number {
    return this.cells.length;
  }

  /** Respondents answering a variable, by cell (zeros when storage has no row). */
  answered(question: string, item: string): Float64Array {
    return this.answeredBy.get(variableId(question, item)) ?? new Float64Array(this.size);
  }

  /** Respondents choosing an option, by cell. */
  option(question: string, item: string, option: string): Float64Array {
    return this.optionsBy.get(variableId(question, item))?.get(option) ?? new Float64Array(this.size);
  }

  numeric(variable: string): { n: Float64Array; sum: Float64Array; sumSquares: Float64Array } | undefined {
    return this.numericBy.get(variable);
  }
}
