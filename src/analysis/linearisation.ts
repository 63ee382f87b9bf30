/**
 * Design-based variances for weighted estimates by Taylor linearisation (Binder 1983; Särndal,
 * Swensson & Wretman 1992, ch. 6-7), as R's survey package gives them for `svymean` on a
 * `rake()` design (Lumley 2010, ch. 7): every respondent is an independent draw (ids = ~1), an
 * estimate's influence values z_i are replaced by their residuals after removing the raking
 * margins (survey backfits z on the indicators of each margin's groups in turn; its limit,
 * solved here directly, is the residual of z regressed on those indicators), and
 * V = n/(n − 1) Σ (w_i e_i − mean)², over every respondent of the survey (Lumley's svyrecvar).
 *
 * Weights are one per segment cell and the influence values of the estimates analysis makes are,
 * within a cell, a linear function of one answer (z_i = u·y_i + t for the respondents the
 * estimate counts, 0 for the rest), so everything is computed from per-cell counts, sums and
 * sums of squares: no respondent's answers are needed.
 */

/** One statistic's influence values in one cell: z_i = u·y_i + t over the `count` respondents it counts, with Σy = sum, Σy² = sumSquares. */
export interface CellInfluence {
  cell: number;
  u: number;
  t: number;
  count: number;
  sum: number;
  sumSquares: number;
}

/** The raked design: one weight per cell, its responses, and each raking margin's group per cell. */
export class LinearisedDesign {
  /** Responses in the whole survey (the design's n). */
  readonly n: number;
  private readonly groupSizes: Float64Array[];

  constructor(
    readonly weights: ArrayLike<number>,
    readonly responses: ArrayLike<number>,
    /** For each raking margin, the group index of every cell (cells in no group of it: −1). */
    readonly margins: readonly Int32Array[],
  ) {
    let n = 0;
    for (let c = 0; c < responses.length; c++) n += responses[c] ?? 0;
    this.n = n;
    this.groupSizes = margins.map((groupOf) => {
      const sizes = new Float64Array(Math.max(0, ...groupOf) + 1);
      groupOf.forEach((g, c) => {
        if (g >= 0) sizes[g]! += responses[c] ?? 0;
      });
      return sizes;
    });
    this.normal = this.normalInverse();
    const cells = responses.length;
    this.scratch = {
      u: new Float64Array(cells),
      t: new Float64Array(cells),
      count: new Float64Array(cells),
      sum: new Float64Array(cells),
      sumSquares: new Float64Array(cells),
      sums: new Float64Array(cells),
      squares: new Float64Array(cells),
      offsets: new Float64Array(cells),
    };
  }

  /** Work arrays of `variance`, one per cell each. */
  private readonly scratch: Record<'u' | 't' | 'count' | 'sum' | 'sumSquares' | 'sums' | 'squares' | 'offsets', Float64Array>;

  /**
   * The least-squares projection on the margins' indicators, solved once: the inverse of the
   * normal equations' matrix (responses per pair of groups), with the last group of every
   * margin after the first left out (each margin's indicators add up to the constant, as the
   * first's do). Undefined when singular (margins that split the respondents into unconnected
   * parts): backfitting then finds the same residuals by iterating.
   */
  private readonly normal: { cellColumns: Int32Array; size: number; inverse: Float64Array } | undefined;

  private normalInverse(): { cellColumns: Int32Array; size: number; inverse: Float64Array } | undefined {
    let size = 0;
    const columns = this.groupSizes.map((sizes, m) => {
      const keep = m === 0 ? sizes.length : sizes.length - 1;
      const column = Int32Array.from(sizes, (_, g) => (g < keep ? size + g : -1));
      size += keep;
      return column;
    });
    if (size === 0) return undefined;
    const a = new Float64Array(size * size);
    const cells = this.responses.length;
    for (let c = 0; c < cells; c++) {
      const nc = this.responses[c] ?? 0;
      if (!(nc > 0)) continue;
      const at: number[] = [];
      this.margins.forEach((groupOf, m) => {
        const g = groupOf[c]!;
        const j = g >= 0 ? columns[m]![g]! : -1;
        if (j >= 0) at.push(j);
      });
      for (const i of at) for (const j of at) a[i * size + j]! += nc;
    }
    // Gauss-Jordan with partial pivoting on [A | I].
    const inverse = new Float64Array(size * size);
    for (let i = 0; i < size; i++) inverse[i * size + i] = 1;
    const scale = Math.max(...a);
    for (let col = 0; col < size; col++) {
      let pivot = col;
      for (let r = col + 1; r < size; r++) if (Math.abs(a[r * size + col]!) > Math.abs(a[pivot * size + col]!)) pivot = r;
      if (!(Math.abs(a[pivot * size + col]!) > 1e-12 * scale)) return undefined;
      if (pivot !== col) {
        for (let j = 0; j < size; j++) {
          [a[col * size + j], a[pivot * size + j]] = [a[pivot * size + j]!, a[col * size + j]!];
          [inverse[col * size + j], inverse[pivot * size + j]] = [inverse[pivot * size + j]!, inverse[col * size + j]!];
        }
      }
      const d = a[col * size + col]!;
      for (let j = 0; j < size; j++) {
        a[col * size + j]! /= d;
        inverse[col * size + j]! /= d;
      }
      for (let r = 0; r < size; r++) {
        if (r === col) continue;
        const f = a[r * size + col]!;
        if (f === 0) continue;
        for (let j = 0; j < size; j++) {
          a[r * size + j]! -= f * a[col * size + j]!;
          inverse[r * size + j]! -= f * inverse[col * size + j]!;
        }
      }
    }
    // Each cell's column in each margin (−1 for a group left out, or none).
    const cellColumns = new Int32Array(cells * this.margins.length);
    for (let c = 0; c < cells; c++) {
      this.margins.forEach((groupOf, m) => {
        const g = groupOf[c]!;
        cellColumns[c * this.margins.length + m] = g >= 0 ? columns[m]![g]! : -1;
      });
    }
    return { cellColumns, size, inverse };
  }

  /**
   * The covariance matrix of K linearised statistics from their influence values' per-cell sums
   * (Σ z, K values, for each cell where any is not zero) and the weighted sum over cells of their
   * cross-products, Σ_c w_c² Σ_{i∈c} z_i z_iᵀ (K × K; the caller knows its structure, so gives it
   * summed rather than per cell).
   */
  covariance(k: number, cellSums: readonly { cell: number; sums: ArrayLike<number> }[], weightedCross: ArrayLike<number>): Float64Array {
    const cells = this.responses.length;
    const sums = new Float64Array(cells * k);
    for (const m of cellSums) for (let s = 0; s < k; s++) sums[m.cell * k + s]! += m.sums[s]!;
    // Offsets r_c (per cell, per statistic) that the margins remove: e_i = z_i − r_c.
    const offsets = new Float64Array(cells * k);
    if (this.margins.length > 0 && !this.project(sums, offsets, k)) this.backfit(sums, offsets, k);

    const v = Float64Array.from(weightedCross);
    const totals = new Float64Array(k);
    for (let c = 0; c < cells; c++) {
      const w = this.weights[c] ?? 0;
      const nc = this.responses[c] ?? 0;
      if (!(nc > 0)) continue;
      const w2 = w * w;
      const at = c * k;
      for (let a = 0; a < k; a++) {
        const ra = offsets[at + a]!;
        const sa = sums[at + a]!;
        totals[a]! += w * (sa - nc * ra);
        if (ra === 0 && sa === 0) continue;
        for (let b = 0; b < k; b++) v[a * k + b]! += w2 * (nc * ra * offsets[at + b]! - sa * offsets[at + b]! - sums[at + b]! * ra);
      }
    }
    const n = this.n;
    const scale = n > 1 ? n / (n - 1) : Number.NaN;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) v[a * k + b] = scale * (v[a * k + b]! - (totals[a]! * totals[b]!) / n);
    return v;
  }

  /**
   * The variance of one linearised statistic whose influence values are, in each cell, linear in
   * one variable (parts for the same cell are over the same respondents and add up). The hot
   * path of a weighted analysis (every figure and comparison), so done without allocating.
   */
  variance(parts: readonly CellInfluence[]): number {
    const cells = this.responses.length;
    const u = this.scratch.u.fill(0);
    const t = this.scratch.t.fill(0);
    const count = this.scratch.count.fill(Number.NaN);
    const sum = this.scratch.sum;
    const sumSquares = this.scratch.sumSquares;
    for (const p of parts) {
      const c = p.cell;
      if (Number.isNaN(count[c]!)) {
        count[c] = p.count;
        sum[c] = p.sum;
        sumSquares[c] = p.sumSquares;
      } else if (count[c] !== p.count || sum[c] !== p.sum || sumSquares[c] !== p.sumSquares) {
        throw new Error('linearisation: parts in one cell must be over the same respondents');
      }
      u[c]! += p.u;
      t[c]! += p.t;
    }
    const sums = this.scratch.sums.fill(0);
    const squares = this.scratch.squares.fill(0);
    for (let c = 0; c < cells; c++) {
      if (Number.isNaN(count[c]!)) continue;
      sums[c] = u[c]! * sum[c]! + t[c]! * count[c]!;
      squares[c] = u[c]! * u[c]! * sumSquares[c]! + 2 * u[c]! * t[c]! * sum[c]! + t[c]! * t[c]! * count[c]!;
    }
    const offsets = this.scratch.offsets.fill(0);
    if (this.margins.length > 0 && !this.project(sums, offsets, 1)) this.backfit(sums, offsets, 1);
    let v = 0;
    let total = 0;
    for (let c = 0; c < cells; c++) {
      const nc = this.responses[c] ?? 0;
      if (!(nc > 0)) continue;
      const w = this.weights[c] ?? 0;
      const r = offsets[c]!;
      total += w * (sums[c]! - nc * r);
      v += w * w * (squares[c]! - 2 * sums[c]! * r + nc * r * r);
    }
    const n = this.n;
    return n > 1 ? (n / (n - 1)) * (v - (total * total) / n) : Number.NaN;
  }

  /** The offsets from the solved normal equations (false when they are singular). */
  private project(sums: Float64Array, offsets: Float64Array, k: number): boolean {
    const normal = this.normal;
    if (!normal) return false;
    const { cellColumns, size, inverse } = normal;
    const margins = this.margins.length;
    const cells = this.responses.length;
    const b = new Float64Array(size);
    const beta = new Float64Array(size);
    for (let s = 0; s < k; s++) {
      b.fill(0);
      for (let c = 0; c < cells; c++) {
        const value = sums[c * k + s]!;
        if (value === 0) continue;
        for (let m = 0; m < margins; m++) {
          const j = cellColumns[c * margins + m]!;
          if (j >= 0) b[j]! += value;
        }
      }
      for (let i = 0; i < size; i++) {
        let v = 0;
        for (let j = 0; j < size; j++) v += inverse[i * size + j]! * b[j]!;
        beta[i] = v;
      }
      for (let c = 0; c < cells; c++) {
        let r = 0;
        for (let m = 0; m < margins; m++) {
          const j = cellColumns[c * margins + m]!;
          if (j >= 0) r += beta[j]!;
        }
        offsets[c * k + s] = r;
      }
    }
    return true;
  }

  /**
   * Removes each margin's group means of the residuals in turn (unweighted, as survey's
   * svyrecvar does for a raking design) until nothing changes: the limit is the least-squares
   * residual on all the margins' indicators together.
   */
  private backfit(sums: Float64Array, offsets: Float64Array, k: number): void {
    const cells = this.responses.length;
    const scaleOf = new Float64Array(k);
    for (let c = 0; c < cells; c++) for (let s = 0; s < k; s++) scaleOf[s] = Math.max(scaleOf[s]!, Math.abs(sums[c * k + s]!));
    for (let sweep = 0; sweep < 10000; sweep++) {
      let change = 0;
      this.margins.forEach((groupOf, m) => {
        const sizes = this.groupSizes[m]!;
        const residual = new Float64Array(sizes.length * k);
        for (let c = 0; c < cells; c++) {
          const g = groupOf[c]!;
          if (g < 0) continue;
          const nc = this.responses[c] ?? 0;
          for (let s = 0; s < k; s++) residual[g * k + s]! += sums[c * k + s]! - nc * offsets[c * k + s]!;
        }
        for (let c = 0; c < cells; c++) {
          const g = groupOf[c]!;
          if (g < 0 || !(sizes[g]! > 0)) continue;
          for (let s = 0; s < k; s++) {
            const mean = residual[g * k + s]! / sizes[g]!;
            offsets[c * k + s]! += mean;
            change = Math.max(change, (Math.abs(mean) * sizes[g]!) / (scaleOf[s]! || 1));
          }
        }
      });
      if (change < 1e-15) break;
    }
  }
}
