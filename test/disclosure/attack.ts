import type { Highs as HighsApi } from 'highs';
import type { FileRow, ReadOutputs, Target } from './facts.js';
import type { Cell, Expr, Fact, SurveyModel } from './model.js';
import { cellName, evaluate, exprKey, sumExprs } from './model.js';

/**
 * The attack: every fact an analyst can read in the outputs (facts.ts) and every fact the
 * definition implies (model.ts) go into one integer program per wave, and each hidden figure
 * is minimised and maximised with HiGHS. LP relaxations come first: their bounds, rounded
 * inwards, already hold for the integers, and they are exact when the LP optimum is an
 * integer point. The integer program is solved where integrality could still turn a bound
 * into a leak. Every bound claimed is a proof (an LP or MILP optimum, or a MILP dual bound),
 * never a heuristic, and every bound is checked against the true value.
 */

export type Highs = HighsApi;
type Model = ReturnType<Highs['createModel']>;

/**
 * Loads the HiGHS WebAssembly solver. The package's types are CommonJS-shaped, while Node's
 * ESM import of it gives the loader as `default`; this bridges the two.
 */
export async function loadHighs(): Promise<Highs> {
  const mod = (await import('highs')) as unknown as { default: () => Promise<Highs> };
  return mod.default();
}

export interface Finding {
  wave: string;
  kind: 'pinned' | 'small' | 'linked';
  what: string;
  lo: number;
  hi: number;
  truth: number;
  /** How the attacker gets there: the released facts the proof combines (LP duals, with their multipliers), or the file's pattern. */
  how: string[];
  /** Which outputs the leak needs: the published figures alone, those and the reasons given for withheld figures, or the respondent-level file too. */
  needs: 'figures' | 'figures and reasons' | 'respondent-level file';
  target?: Target;
  /** Kinds of fact the proofs found use. */
  uses?: Set<Fact['kind']>;
  /** The facts those proofs combine (LP duals of the bounds that make the leak; every fact when integrality narrowed a bound). */
  proof?: Fact[];
  /** The leak category it falls in (categories.ts). */
  category?: string;
  /** Shown with its proof in the failure message. */
  explained?: boolean;
  /** The lower bound was computed (it is only needed when the upper bound is the true value). */
  loKnown?: boolean;
  /** A traced row, and the groups it was shown not to belong to (for explaining the trace). */
  row?: FileRow;
  excluded?: { group: string; cells: Cell[] }[];
}

export interface AttackStats {
  variables: number;
  facts: number;
  targets: number;
  lpSolves: number;
  /** LP optima that were integer points, so exact for the integer program too. */
  lpIntegral: number;
  milpSolves: number;
  /** MILP solves that narrowed the LP bound. */
  milpNarrowed: number;
  /** Integer programs not run because the budget was spent (the LP bounds then stand). */
  milpSkipped: number;
  feasibilitySolves: number;
  /** Released facts the true data contradicts: the outputs say something untrue. They are left out of the program. */
  untrue: Fact[];
  ms: number;
}

export interface AttackOptions {
  threshold: number;
  /** Run the integer program when the LP bound is this close to a leak and not already exact. */
  milpSlack: number;
  /** Time limit of one integer program. */
  milpSeconds: number;
  /** Total time for integer programs per attack; beyond it the LP bounds stand (still proofs, maybe looser). */
  milpBudgetSeconds: number;
}

const EPS = 1e-6;

interface Bound {
  value: number;
  /** The LP optimum is an integer point, so it is the integer optimum too. */
  integral: boolean;
  proof: { fact: Fact; dual: number }[];
}

export class WaveAttack {
  readonly stats: AttackStats;
  private readonly names: string[];
  /** Variable name → column of the loaded models (HiGHS numbers columns as they first appear in the LP text). */
  private readonly column = new Map<string, number>();
  private readonly rows: Fact[] = [];
  /** The fact behind each row of the loaded models. */
  private readonly rowFacts: Fact[];
  private readonly numCols: number;
  private readonly lp: Model;
  private readonly milp: Model;
  private readonly truthVector: Float64Array;
  /** Points the LP solves found (each satisfies every fact): witnesses that a row fits somewhere. */
  private readonly pool: Float64Array[] = [];
  private milpSpentMs = 0;

  /**
   * @param include which released facts this attacker reads (the definition's own facts are always known)
   */
  constructor(
    private readonly highs: Highs,
    readonly wave: string,
    readonly model: SurveyModel,
    readonly read: ReadOutputs,
    readonly truth: ReadonlyMap<string, number>,
    readonly options: AttackOptions,
    include: (f: Fact) => boolean = () => true,
  ) {
    const started = Date.now();
    // Unknowns the definition fixes at 0 (a question not asked of a role group) are left out.
    this.names = [...model.variables].filter((n) => !model.structuralZero.has(n));
    const untrue: Fact[] = [];
    const seen = new Set<string>();
    for (const f of [...model.facts, ...read.facts.filter(include)]) {
      const value = evaluate(f.expr, truth);
      if (value < f.lo - EPS || value > f.hi + EPS) {
        if (f.kind === 'structure') throw new Error(`the attack's model of the definition contradicts the true data: ${f.source} (true value ${value})`);
        untrue.push(f);
        continue;
      }
      if ([...f.expr.keys()].every((n) => model.structuralZero.has(n))) continue;
      const key = `${exprKey(f.expr)}|${f.lo}|${f.hi}`;
      if (seen.has(key)) continue;
      seen.add(key);
      this.rows.push(f);
    }
    const text = this.lpText();
    this.lp = highs.createModel({ format: 'lp', data: text.replace(/\nGenerals\n[\s\S]*?\nEnd/, '\nEnd') });
    this.milp = highs.createModel({ format: 'lp', data: text });
    for (const m of [this.lp, this.milp]) m.options.set({ output_flag: false });
    // Only the objective changes between bounds, so the last basis stays primal feasible:
    // primal simplex from it, without presolve (which would drop the basis), is fast.
    this.lp.options.set({ solver: 'simplex', presolve: 'off', simplex_strategy: 4 });
    // The programs are small; HiGHS's MIP presolve costs more than it saves on them.
    this.milp.options.set({ time_limit: options.milpSeconds, mip_abs_gap: 0.999, mip_rel_gap: 0, presolve: 'off' });
    this.numCols = this.lp.getDimensions().numCols;
    this.names.forEach((n, i) => {
      const col = this.lp.getColByName(`x${i}`);
      if (this.milp.getColByName(`x${i}`) !== col) throw new Error('the LP and MILP models number their columns differently');
      this.column.set(n, col);
    });
    const byName = new Map<string, Fact>();
    this.rows.forEach((f, j) => {
      byName.set(`r${j}`, f);
      byName.set(`s${j}`, f);
    });
    this.rowFacts = Array.from({ length: this.lp.getDimensions().numRows }, (_, i) => byName.get(this.lp.getRowName(i))!);
    this.truthVector = new Float64Array(this.numCols);
    for (const [n, col] of this.column) this.truthVector[col] = truth.get(n) ?? 0;
    this.stats = {
      variables: this.names.length,
      facts: this.rows.length,
      targets: 0,
      lpSolves: 0,
      lpIntegral: 0,
      milpSolves: 0,
      milpNarrowed: 0,
      milpSkipped: 0,
      feasibilitySolves: 0,
      untrue,
      ms: Date.now() - started,
    };
  }

  dispose() {
    this.lp.dispose();
    this.milp.dispose();
  }

  /** The program in CPLEX LP format: x<i> for the i-th unknown, r<j>/s<j> for the j-th fact's lower/upper side. */
  lpText(): string {
    const index = new Map(this.names.map((n, i) => [n, i]));
    const term = (e: Expr) =>
      [...e]
        .filter(([name]) => index.has(name))
        .map(([name, k]) => `${k < 0 ? '-' : '+'} ${Math.abs(k) === 1 ? '' : `${Math.abs(k)} `}x${index.get(name)}`)
        .join(' ');
    const lines = ['Minimize', ' obj: x0', 'Subject To'];
    this.rows.forEach((f, j) => {
      const t = term(f.expr);
      if (f.lo === f.hi) lines.push(` r${j}: ${t} = ${f.lo}`);
      else {
        if (f.lo > -Infinity) lines.push(` r${j}: ${t} >= ${f.lo}`);
        if (f.hi < Infinity) lines.push(` s${j}: ${t} <= ${f.hi}`);
      }
    });
    lines.push('Bounds');
    this.names.forEach((_, i) => lines.push(` x${i} >= 0`));
    lines.push('Generals', this.names.map((_, i) => `x${i}`).join(' '), 'End');
    return lines.join('\n');
  }

  private setObjective(m: Model, e: Expr, sense: 'min' | 'max') {
    const costs = new Float64Array(this.numCols);
    for (const [name, k] of e) {
      const col = this.column.get(name);
      if (col !== undefined) costs[col] = k;
    }
    m.changeColsCost({ kind: 'range', from: 0, to: this.numCols - 1 }, costs);
    m.changeObjectiveSense(sense === 'min' ? this.highs.constants.objectiveSense.minimize : this.highs.constants.objectiveSense.maximize);
  }

  /** LP bound of an expression, and the facts whose duals make up its proof. */
  private lpBound(e: Expr, sense: 'min' | 'max'): Bound {
    this.setObjective(this.lp, e, sense);
    this.lp.run();
    this.stats.lpSolves++;
    const status = this.lp.getModelStatus();
    if (status !== this.highs.constants.modelStatus.optimal) throw new Error(`LP ${sense} ended with status ${status} (${this.wave})`);
    const solution = this.lp.getSolution();
    const colValue = solution.colValue;
    if (this.pool.length < 600) this.pool.push(Float64Array.from(colValue));
    const duals = solution.rowDual;
    const proof: Bound['proof'] = [];
    this.rowFacts.forEach((fact, r) => {
      if (Math.abs(duals[r] ?? 0) > 1e-9) proof.push({ fact, dual: duals[r]! });
    });
    const integral = colValue.every((x) => Math.abs(x - Math.round(x)) < 1e-7);
    if (integral) this.stats.lpIntegral++;
    return { value: this.lp.getObjectiveValue(), integral, proof };
  }

  /** MILP bound: the optimum, or the proven dual bound when the time limit stops it; undefined once the budget is spent. */
  private milpBound(e: Expr, sense: 'min' | 'max'): number | undefined {
    if (this.milpSpentMs >= this.options.milpBudgetSeconds * 1000) {
      this.stats.milpSkipped++;
      return undefined;
    }
    this.setObjective(this.milp, e, sense);
    this.milp.setSolution({ colValue: this.truthVector });
    const t0 = performance.now();
    this.milp.run();
    this.milpSpentMs += performance.now() - t0;
    this.stats.milpSolves++;
    const status = this.milp.getModelStatus();
    if (status === this.highs.constants.modelStatus.optimal) return this.milp.getObjectiveValue();
    const bound = this.milp.info.get('mip_dual_bound') as number;
    return Number.isFinite(bound) ? bound : undefined;
  }

  private describe(proof: Bound['proof']): string[] {
    return proof
      .filter((p) => p.fact.kind !== 'structure' && +Math.abs(p.dual).toFixed(3) !== 0)
      .sort((a, b) => Math.abs(b.dual) - Math.abs(a.dual))
      .map((p) => multiplied(p.dual, p.fact.source));
  }

  /**
   * Bounds one target; a finding when it leaks: pinned (min = max, true value > 0) or, for a
   * number of respondents, provably under the threshold while the true value is > 0.
   */
  probe(target: Target, needs: Finding['needs']): Finding | undefined {
    const t = this.options.threshold;
    const slack = this.options.milpSlack;
    const truth = evaluate(target.expr, this.truth);
    if (truth === 0) return undefined; // nothing to protect: neither criterion applies
    this.stats.targets++;
    const max = this.lpBound(target.expr, 'max');
    let hi = Math.floor(max.value + EPS);
    let integral = false;
    const couldBeSmall = target.kind !== 'answer' && hi >= t && hi - (t - 1) <= slack;
    if (!max.integral && hi > truth && (hi - truth <= slack || couldBeSmall)) {
      const h = this.milpBound(target.expr, 'max');
      if (h !== undefined && Math.floor(h + EPS) < hi) {
        this.stats.milpNarrowed++;
        integral = true;
        hi = Math.floor(h + EPS);
      }
    }
    // The lower bound matters only when the upper one is the true value (the figure may be pinned).
    let lo = 0;
    let min: Bound | undefined;
    if (target.kind !== 'sum' && hi === truth) {
      min = this.lpBound(target.expr, 'min');
      lo = Math.ceil(min.value - EPS);
      if (!min.integral && lo < truth && truth - lo <= slack) {
        const l = this.milpBound(target.expr, 'min');
        if (l !== undefined && Math.ceil(l - EPS) > lo) {
          this.stats.milpNarrowed++;
          integral = true;
          lo = Math.ceil(l - EPS);
        }
      }
    }
    if (lo > truth || hi < truth) throw new Error(`bounds [${lo}, ${hi}] of ${target.what} exclude its true value ${truth}: the attack is wrong`);
    const how = [...(integral ? ['(narrowed by integrality: integer program)'] : []), ...this.describe(max.proof)];
    const pinned = target.kind !== 'sum' && lo === hi;
    // A bound the integer program narrowed rests on more than the LP proof: count every fact as used.
    const proof = integral ? [...this.rows] : [...new Set([...max.proof, ...(pinned ? (min?.proof ?? []) : [])].map((p) => p.fact))];
    const uses = new Set(proof.map((f) => f.kind));
    if (pinned) return { wave: this.wave, kind: 'pinned', what: target.what, lo, hi, truth, how, needs, target, uses, proof, loKnown: true };
    if (target.kind !== 'answer' && hi < t) return { wave: this.wave, kind: 'small', what: target.what, lo, hi, truth, how, needs, target, uses, proof, loKnown: min !== undefined };
    return undefined;
  }

  /**
   * A readable proof of a finding's bound: among all LP dual certificates proving it, one with
   * the fewest released facts (an L1-minimal dual, facts weighted so the definition's own
   * facts are nearly free). Lines are the facts with their multipliers; the definition's facts
   * are listed once each, without their cell.
   */
  explain(f: Finding): string[] {
    if (!f.target || f.kind === 'linked') return f.how;
    const sides: { f: Fact; sign: 1 | -1; rhs: number; weight: number }[] = [];
    const weight = { structure: 0.01, figure: 1, reason: 1, file: 1.5 } as const;
    for (const fact of this.rows) {
      if (fact.hi < Infinity) sides.push({ f: fact, sign: 1, rhs: fact.hi, weight: weight[fact.kind] });
      if (fact.lo > -Infinity) sides.push({ f: fact, sign: -1, rhs: fact.lo, weight: weight[fact.kind] });
    }
    // max c·x ≤ B proven by y ≥ 0 with Σ y·sign·a ≥ c on every free column and Σ y·sign·rhs ≤ B.
    // The tightest statement first (exactly the bound: a clean, integral certificate), then
    // anything below the next integer (an LP bound with a fraction, rounded down).
    for (const bound of [f.hi + 1e-6, f.hi + 0.999]) {
      const lines = this.dualText(f.target.expr, bound, sides);
      if (!lines) return f.how;
      const explained = this.solveDual(lines, sides);
      if (explained) return explained;
    }
    return f.how;
  }

  private dualText(target: Expr, bound: number, sides: { f: Fact; sign: 1 | -1; rhs: number; weight: number }[]): string | undefined {
    const c = new Map<string, number>(target);
    const columns = new Map<string, [number, number][]>();
    sides.forEach((side, i) => {
      for (const [name, k] of side.f.expr) {
        if (this.model.structuralZero.has(name)) continue;
        columns.set(name, [...(columns.get(name) ?? []), [i, side.sign * k]]);
      }
    });
    const lines = ['Minimize', ` obj: ${sides.map((side, i) => `+ ${side.weight} y${i}`).join(' ')}`, 'Subject To'];
    let r = 0;
    for (const name of this.names) {
      if (this.model.structuralZero.has(name)) continue;
      const terms = columns.get(name) ?? [];
      const need = c.get(name) ?? 0;
      if (terms.length === 0) {
        if (need > 0) return undefined; // unbounded direction: no certificate (cannot happen for a proven bound)
        continue;
      }
      lines.push(` c${r++}: ${terms.map(([i, k]) => `${k < 0 ? '-' : '+'} ${Math.abs(k)} y${i}`).join(' ')} >= ${need}`);
    }
    lines.push(` b: ${sides.map((side, i) => `${side.sign * side.rhs < 0 ? '-' : '+'} ${Math.abs(side.rhs)} y${i}`).join(' ')} <= ${bound}`, 'End');
    return lines.join('\n');
  }

  private solveDual(text: string, sides: { f: Fact; sign: 1 | -1; rhs: number; weight: number }[]): string[] | undefined {
    const dual = this.highs.createModel({ format: 'lp', data: text });
    try {
      dual.options.set({ output_flag: false });
      dual.run();
      if (dual.getModelStatus() !== this.highs.constants.modelStatus.optimal) return undefined;
      const y = dual.getSolution().colValue;
      // The multiplier of each fact (an equality's two sides net out).
      const net = new Map<Fact, number>();
      sides.forEach((side, i) => {
        const col = dual.getColByName(`y${i}`);
        const v = col >= 0 ? (y[col] ?? 0) : 0;
        if (v > 1e-9) net.set(side.f, (net.get(side.f) ?? 0) + v * side.sign);
      });
      const definition = new Set<string>();
      const out: string[] = [];
      for (const [fact, k] of [...net].sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))) {
        if (+Math.abs(k).toFixed(3) === 0) continue;
        if (fact.kind === 'structure') definition.add(fact.source.replace(/ \([^()]*\)$/, ''));
        else out.push(multiplied(k, fact.source));
      }
      return [...out, ...[...definition].map((g) => `  (definition: ${g})`)];
    } finally {
      dual.dispose();
    }
  }

  /**
   * Why a traced row cannot be in each excluded group, where one of its answers alone rules
   * the group out: the most respondents of that group the facts allow with that answer (under
   * 1), and the facts that say so.
   */
  explainRow(f: Finding): string[] {
    if (!f.row || !f.excluded) return f.how;
    const out = f.how.filter((h) => !h.includes('the published figures leave no'));
    for (const { group, cells } of f.excluded) {
      if (cells.length === 0 || f.row.ruledOut.has(group)) continue;
      let said = false;
      const codes = [{ column: 'respondents', value: 'any', per: (c: Cell) => this.model.N(c) as Expr | undefined }, ...f.row.codeExprs];
      for (const ce of codes) {
        const parts = cells.map(ce.per);
        if (parts.some((p) => p === undefined)) continue;
        const e = sumExprs(parts as Expr[]);
        if (![...e.keys()].some((n) => this.column.has(n))) {
          out.push(`not ${group}: no one there can have ${ce.column} = ${ce.value} (the survey definition)`);
          said = true;
          break;
        }
        const max = this.lpBound(e, 'max');
        if (max.value < 1 - EPS) {
          out.push(
            `not ${group}: at most ${+max.value.toFixed(3)} respondents there can have ${ce.column} = ${ce.value}, from:`,
            ...this.describe(max.proof)
              .slice(0, 6)
              .map((l) => `    ${l}`),
          );
          said = true;
          break;
        }
      }
      if (!said) out.push(`not ${group}: no single answer rules it out, but all of the row's answers together do not fit the published figures`);
    }
    return out;
  }

  /** Bounds every hidden figure the outputs name or imply; returns the leaks. */
  attackAggregates(needs: Finding['needs']): Finding[] {
    const started = Date.now();
    // A cell an output releases as it stands (a combination of the respondent-level file) is not hidden.
    const released = new Set(this.rows.filter((f) => f.release && f.lo === f.hi).map((f) => exprKey(f.expr)));
    const findings: Finding[] = [];
    for (const target of this.read.targets) {
      if (this.model.isStructuralZero(target.expr)) continue;
      if (target.origin === 'unpublished' && released.has(exprKey(target.expr))) continue;
      const finding = this.probe(target, needs);
      if (finding) findings.push(finding);
    }
    this.stats.ms += Date.now() - started;
    return findings;
  }

  /** Whether the facts allow at least one respondent in `cells` with every code the row has. */
  private fits(row: FileRow, cells: Cell[]): boolean {
    const extra: Expr[] = [this.model.over(cells, (c) => this.model.N(c))];
    for (const ce of row.codeExprs) {
      const parts = cells.map(ce.per);
      if (parts.every((p) => p !== undefined)) extra.push(sumExprs(parts));
    }
    // The true data, or a point an earlier solve found, may already hold such a respondent:
    // then it fits, with no solve.
    if (extra.every((e) => evaluate(e, this.truth) >= 1)) return true;
    const at = (e: Expr, x: Float64Array) => {
      let v = 0;
      for (const [name, k] of e) {
        const col = this.column.get(name);
        if (col !== undefined) v += k * x[col]!;
      }
      return v;
    };
    if (this.pool.some((x) => extra.every((e) => at(e, x) >= 1 - EPS))) return true;
    const rows = extra.map((e) =>
      [...e]
        .filter(([name]) => this.column.has(name))
        .map(([name, k]) => [this.column.get(name)!, k] as const)
        .sort((a, b) => a[0] - b[0]),
    );
    // Only unknowns the definition fixes at 0: no such respondent can exist.
    if (rows.some((entries) => entries.length === 0)) return false;
    const before = this.lp.getDimensions().numRows;
    for (const entries of rows) {
      this.lp.addRow(1, Infinity, { indices: Int32Array.from(entries.map((x) => x[0])), values: Float64Array.from(entries.map((x) => x[1])) });
    }
    this.setObjective(this.lp, new Map(), 'min');
    // New rows keep the basis dual feasible: dual simplex.
    this.lp.options.set({ simplex_strategy: 1 });
    this.lp.run();
    this.lp.options.set({ simplex_strategy: 4 });
    this.stats.feasibilitySolves++;
    const status = this.lp.getModelStatus();
    const c = this.highs.constants.modelStatus;
    if (status === c.optimal && this.pool.length < 1200) this.pool.push(Float64Array.from(this.lp.getSolution().colValue.subarray(0, this.numCols)));
    this.lp.deleteRows({ kind: 'range', from: before, to: this.lp.getDimensions().numRows - 1 });
    if (status !== c.optimal && status !== c.infeasible) throw new Error(`feasibility check ended with status ${status} (${this.wave})`);
    return status === c.optimal;
  }

  /**
   * Rows of the respondent-level file whose role group or directorate is exported as the
   * merged "Other": which of the original groups fit the row's codes (who is asked what)
   * and everything the other outputs say? One group left means the row is identified.
   * `trueCells` gives the cells of the true respondents the row may be (to check the claim).
   */
  attackRows(trueCells: (row: FileRow) => Cell[]): Finding[] {
    const started = Date.now();
    const findings: Finding[] = [];
    const label = (exported: string, codes: string[], all: string[]) =>
      exported !== 'other_merged' ? codes.join('') || 'not stated' : codes.length === all.length ? 'Other (all)' : `Other (${codes.map((c) => c || 'not stated').join('+')})`;
    for (const row of this.read.mergedRows) {
      const where = `respondents.csv line ${row.line} (role ${label(row.roleExported, row.roleGroups, this.model.roles)}, directorate ${label(row.directorateExported, row.directorates, this.model.directorates)})`;
      const truth = trueCells(row);
      const check = (claim: (c: Cell) => boolean, what: string) => {
        if (truth.length > 0 && !truth.some(claim)) throw new Error(`${where} was identified as ${what}, which no true respondent with its answers is: the attack is wrong`);
      };
      if (row.roleGroups.length > 1) {
        const byPattern = [...new Set(row.consistentCells.map((c) => c.roleGroup))];
        const fitting = firstTwo(
          byPattern,
          (r) =>
            byPattern.length === 1 ||
            this.fits(
              row,
              row.consistentCells.filter((c) => c.roleGroup === r),
            ),
        );
        if (fitting.length === 1) {
          const r = fitting[0]!;
          check((c) => c.roleGroup === r, r);
          const how = row.roleGroups
            .filter((x) => x !== r)
            .map((x) => (row.ruledOut.has(x) ? `not ${x}: ${row.ruledOut.get(x)}` : `not ${x}: the published figures leave no ${x} respondent with all of this row's answers`));
          const excluded = byPattern.filter((x) => x !== r).map((x) => ({ group: x, cells: row.consistentCells.filter((c) => c.roleGroup === x) }));
          findings.push({ wave: this.wave, kind: 'linked', what: `${where} is role group ${r}`, lo: 1, hi: 1, truth: 1, how, needs: 'respondent-level file', row, excluded });
        }
      }
      if (row.directorates.length > 1) {
        const byPattern = [...new Set(row.consistentCells.map((c) => c.directorate))];
        const fitting = firstTwo(
          byPattern,
          (d) =>
            byPattern.length === 1 ||
            this.fits(
              row,
              row.consistentCells.filter((c) => c.directorate === d),
            ),
        );
        if (fitting.length === 1) {
          const d = fitting[0]!;
          check((c) => c.directorate === d, d);
          const others = row.directorates.filter((x) => x !== d).map((x) => x || 'not stated');
          findings.push({
            wave: this.wave,
            kind: 'linked',
            what: `${where} is directorate ${d || 'not stated'}`,
            lo: 1,
            hi: 1,
            truth: 1,
            how: [`not ${others.join(', ')}: the published figures leave no respondent ${row.roleGroups.length === 1 ? `of ${row.roleGroups[0]} ` : ''}there with all of this row's answers`],
            needs: 'respondent-level file',
            row,
            excluded: byPattern.filter((x) => x !== d).map((x) => ({ group: x || 'not stated', cells: row.consistentCells.filter((c) => c.directorate === x) })),
          });
        }
      }
    }
    this.stats.ms += Date.now() - started;
    return findings;
  }
}

/** "+ fact", "− fact" or "+ 0.5 × fact": a fact with its multiplier in a proof. */
function multiplied(k: number, source: string): string {
  const r = +Math.abs(k).toFixed(3);
  return `${k > 0 ? '+' : '−'}${r === 1 ? '' : ` ${r} ×`} ${source}`;
}

/** The first two items that pass (two are enough to know a row is not identified). */
function firstTwo<T>(items: readonly T[], test: (item: T) => boolean): T[] {
  const out: T[] = [];
  for (const item of items) {
    if (test(item)) out.push(item);
    if (out.length === 2) break;
  }
  return out;
}

export { cellName };
