/**
 * Design-based variances for weighted estimates by Taylor linearisation (Binder 1983; Särndal,
 * Swensson & Wretman 1992, ch. 6-7), as R's survey package gives them for `svymean` on a
 * `rake()` design (Lumley 2010, ch. 7): every respondent is an independent draw (ids = ~1), an
 * estimate's influence values z_i are replaced by their residuals after removing the raking
 * margins (the backfitting of z on the indicators of each margin's groups in turn, run here
 * until it converges: the residuals of z regressed on those indicators), and
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

/** Influence values' moments in one cell for K statistics: Σ z and Σ z zᵀ over its respondents. */
export interface CellMoments {
  cell: number;
  sums: readonly number[];
  crossProducts: readonly (readonly number[])[];
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
  }

  /**
   * The covariance matrix of K linearised statistics from their influence values' per-cell
   * moments: for each cell where any is not zero, Σ z (K values) and Σ z zᵀ (K × K).
   */
  covariance(k: number, moments: readonly CellMoments[]): number[][] {
    const cells = this.responses.length;
    const sums = new Float64Array(cells * k);
    const cross = new Map<number, readonly (readonly number[])[]>();
    for (const m of moments) {
      for (let s = 0; s < k; s++) sums[m.cell * k + s]! += m.sums[s]!;
      if (cross.has(m.cell)) throw new Error('linearisation: one entry per cell');
      cross.set(m.cell, m.crossProducts);
    }
    // Offsets r_c (per cell, per statistic) that the margins remove: e_i = z_i − r_c.
    const offsets = new Float64Array(cells * k);
    if (this.margins.length > 0) this.backfit(sums, offsets, k);

    const v = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    const totals = new Float64Array(k);
    for (let c = 0; c < cells; c++) {
      const w = this.weights[c] ?? 0;
      const nc = this.responses[c] ?? 0;
      if (!(nc > 0)) continue;
      const q = cross.get(c);
      for (let a = 0; a < k; a++) {
        const ra = offsets[c * k + a]!;
        const sa = sums[c * k + a]!;
        totals[a]! += w * (sa - nc * ra);
        if (ra === 0 && sa === 0 && !q) continue;
        for (let b = a; b < k; b++) {
          const rb = offsets[c * k + b]!;
          const sb = sums[c * k + b]!;
          v[a]![b]! += w * w * ((q?.[a]?.[b] ?? 0) - sa * rb - sb * ra + nc * ra * rb);
        }
      }
    }
    const n = this.n;
    const scale = n > 1 ? n / (n - 1) : Number.NaN;
    for (let a = 0; a < k; a++) {
      for (let b = a; b < k; b++) {
        const value = scale * (v[a]![b]! - (totals[a]! * totals[b]!) / n);
        v[a]![b] = value;
        v[b]![a] = value;
      }
    }
    return v;
  }

  /**
   * The variance of one linearised statistic whose influence values are, in each cell, linear in
   * one variable (parts for the same cell are over the same respondents and add up).
   */
  variance(parts: readonly CellInfluence[]): number {
    const byCell = new Map<number, CellInfluence>();
    for (const p of parts) {
      const seen = byCell.get(p.cell);
      if (!seen) byCell.set(p.cell, { ...p });
      else if (seen.count !== p.count || seen.sum !== p.sum || seen.sumSquares !== p.sumSquares) throw new Error('linearisation: parts in one cell must be over the same respondents');
      else {
        seen.u += p.u;
        seen.t += p.t;
      }
    }
    const moments = [...byCell.values()].map((p) => ({
      cell: p.cell,
      sums: [p.u * p.sum + p.t * p.count],
      crossProducts: [[p.u * p.u * p.sumSquares + 2 * p.u * p.t * p.sum + p.t * p.t * p.count]],
    }));
    return this.covariance(1, moments)[0]![0]!;
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
