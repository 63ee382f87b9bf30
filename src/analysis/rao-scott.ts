import { fUpperP } from './distributions.js';
import type { LinearisedDesign } from './linearisation.js';

/**
 * Rao and Scott's second-order corrected test of independence for a weighted two-way table
 * (Rao & Scott 1981, 1984; Thomas & Rao 1987), computed as R's survey::svychisq does with
 * statistic = "F" (Lumley 2010, 6.3): Pearson's X² of the weighted table divided by the mean of
 * the generalised design effects, tr(Δ), referred to F on d0 and d0·ν degrees of freedom, with
 * Δ = (C'D⁻¹C/N)⁻¹ C'D⁻¹VD⁻¹C, d0 = tr(Δ)²/tr(Δ²), V the design-based covariance of the joint
 * proportions, D their diagonal, C a basis of the interaction contrasts (orthogonal to the
 * main effects) and ν the design's degrees of freedom (responses − 1).
 */
export interface RaoScottResult {
  /** The F statistic, X²/tr(Δ). */
  statistic: number;
  /** Numerator and denominator degrees of freedom, d0 and d0·ν. */
  df: number;
  ddf: number;
  p: number;
  /** Pearson's X² of the weighted table, scaled to the design's responses (R's svytable with Ntotal). */
  pearson: number;
  /** Smallest expected count of the table scaled to the respondents it rests on. */
  minExpected: number;
}

/**
 * The test over rows (each a group's cells) × columns (each option's per-cell counts), with
 * `base` the respondents per cell the table counts. Options nobody in the rows chose are left
 * out, as R does (its columns are the answers given). Undefined for fewer than 2 × 2.
 */
export function raoScottF(
  design: LinearisedDesign,
  rows: readonly (readonly number[])[],
  columns: readonly ArrayLike<number>[],
  base: ArrayLike<number>,
  weights: ArrayLike<number>,
): RaoScottResult | undefined {
  let total = 0;
  let respondents = 0;
  const rowWeight = rows.map((cells) => cells.reduce((s, c) => s + (weights[c] ?? 0) * (base[c] ?? 0), 0));
  rows.forEach((cells) => cells.forEach((c) => (respondents += base[c] ?? 0)));
  for (const w of rowWeight) total += w;
  const keptRows = rows.map((_, r) => r).filter((r) => rowWeight[r]! > 0);
  const keptColumns = columns.map((_, j) => j).filter((j) => keptRows.some((r) => rows[r]!.some((c) => (columns[j]![c] ?? 0) > 0)));
  const R = keptRows.length;
  const J = keptColumns.length;
  if (R < 2 || J < 2 || !(total > 0)) return undefined;

  // Joint proportions p_k, k = r + R·j (rows fastest, as R orders the interaction).
  const K = R * J;
  const p = new Float64Array(K);
  keptRows.forEach((row, r) => {
    for (const c of rows[row]!) {
      const w = weights[c] ?? 0;
      keptColumns.forEach((col, j) => (p[r + R * j]! += (w * (columns[col]![c] ?? 0)) / total));
    }
  });
  const rowShare = Array.from({ length: R }, (_, r) => keptColumns.reduce((s, _c, j) => s + p[r + R * j]!, 0));
  const columnShare = Array.from({ length: J }, (_, j) => keptRows.reduce((s, _r, r) => s + p[r + R * j]!, 0));
  const N = design.n;
  let pearson = 0;
  let minExpected = Number.POSITIVE_INFINITY;
  for (let r = 0; r < R; r++) {
    for (let j = 0; j < J; j++) {
      const expected = rowShare[r]! * columnShare[j]!;
      pearson += (N * (p[r + R * j]! - expected) ** 2) / expected;
      minExpected = Math.min(minExpected, respondents * expected);
    }
  }

  // Influence values of p_k: (δ_ik − p_k)/total for every respondent in the table's base. Their
  // cross-products in a cell are (δ_kl N_ck − p_k N_cl − p_l N_ck + p_k p_l D_c)/total², so summed
  // over cells with weights w_c² they need only G = Σ w_c² N_c and H = Σ w_c² D_c.
  const cellSums: { cell: number; sums: Float64Array }[] = [];
  const G = new Float64Array(K);
  let H = 0;
  keptRows.forEach((row, r) => {
    for (const c of rows[row]!) {
      const d = base[c] ?? 0;
      if (!(d > 0)) continue;
      const w2 = (weights[c] ?? 0) ** 2;
      H += w2 * d;
      const sums = new Float64Array(K);
      for (let k = 0; k < K; k++) sums[k] = (-p[k]! * d) / total;
      keptColumns.forEach((col, j) => {
        const count = columns[col]![c] ?? 0;
        sums[r + R * j]! += count / total;
        G[r + R * j]! += w2 * count;
      });
      cellSums.push({ cell: c, sums });
    }
  });
  const cross = new Float64Array(K * K);
  for (let k = 0; k < K; k++) {
    for (let l = 0; l < K; l++) cross[k * K + l] = ((k === l ? G[k]! : 0) - p[k]! * G[l]! - p[l]! * G[k]! + p[k]! * p[l]! * H) / (total * total);
  }
  const V = design.covariance(K, cellSums, cross);

  // C: contrasts a ⊗ b with a, b summing to zero (e_a − e_last), a basis of the interaction space.
  const Q = (R - 1) * (J - 1);
  const DC = new Float64Array(K * Q); // D⁻¹C
  const C = new Float64Array(K * Q);
  for (let k = 0; k < K; k++) {
    const r = k % R;
    const j = Math.floor(k / R);
    for (let q = 0; q < Q; q++) {
      const a = q % (R - 1);
      const b = Math.floor(q / (R - 1));
      const value = ((r === a ? 1 : 0) - (r === R - 1 ? 1 : 0)) * ((j === b ? 1 : 0) - (j === J - 1 ? 1 : 0));
      C[k * Q + q] = value;
      DC[k * Q + q] = p[k]! > 0 ? value / p[k]! : 0;
    }
  }
  // denominator = C'D⁻¹C/N; numerator = (D⁻¹C)' V (D⁻¹C).
  const VDC = new Float64Array(K * Q);
  for (let k = 0; k < K; k++) {
    for (let l = 0; l < K; l++) {
      const v = V[k * K + l]!;
      if (v === 0) continue;
      for (let q = 0; q < Q; q++) VDC[k * Q + q]! += v * DC[l * Q + q]!;
    }
  }
  const denominator: number[][] = [];
  const numerator: number[][] = [];
  for (let a = 0; a < Q; a++) {
    const den = new Array<number>(Q).fill(0);
    const num = new Array<number>(Q).fill(0);
    for (let k = 0; k < K; k++) {
      const ca = C[k * Q + a]!;
      const da = DC[k * Q + a]!;
      if (ca === 0 && da === 0) continue;
      for (let b = 0; b < Q; b++) {
        den[b]! += (ca * DC[k * Q + b]!) / N;
        num[b]! += da * VDC[k * Q + b]!;
      }
    }
    denominator.push(den);
    numerator.push(num);
  }
  const delta = solve(denominator, numerator);
  if (!delta) return undefined;
  let trace = 0;
  let traceSquare = 0;
  for (let a = 0; a < Q; a++) {
    trace += delta[a]![a]!;
    for (let b = 0; b < Q; b++) traceSquare += delta[a]![b]! * delta[b]![a]!;
  }
  if (!(trace > 0) || !(traceSquare > 0)) return undefined;
  const df = (trace * trace) / traceSquare;
  const ddf = df * (N - 1);
  const statistic = pearson / trace;
  return { statistic, df, ddf, p: fUpperP(statistic, df, ddf), pearson, minExpected };
}

/** A⁻¹B by Gaussian elimination with partial pivoting; undefined when A is singular. */
function solve(a: number[][], b: number[][]): number[][] | undefined {
  const n = a.length;
  const m = b[0]?.length ?? 0;
  const A = a.map((row) => [...row]);
  const B = b.map((row) => [...row]);
  const scale = Math.max(...A.flat().map(Math.abs));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(A[r]![col]!) > Math.abs(A[pivot]![col]!)) pivot = r;
    if (!(Math.abs(A[pivot]![col]!) > 1e-13 * scale)) return undefined;
    [A[col], A[pivot]] = [A[pivot]!, A[col]!];
    [B[col], B[pivot]] = [B[pivot]!, B[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = A[r]![col]! / A[col]![col]!;
      if (f === 0) continue;
      for (let c = col; c < n; c++) A[r]![c]! -= f * A[col]![c]!;
      for (let c = 0; c < m; c++) B[r]![c]! -= f * B[col]![c]!;
    }
  }
  return B.map((row, r) => row.map((v) => v / A[r]![r]!));
}
