import { z } from 'zod';
import type { LinearisedDesign } from './linearisation.js';
import { cellId, type CellKey } from './tables.js';

/**
 * Weighting to the workforce profile by raking (iterative proportional fitting, Deming &
 * Stephan 1940): one weight per segment cell (role group × directorate), adjusted in turn
 * until the weighted responses match the headcount of every role group and every directorate.
 */

const ZHeadcounts = z.record(z.string().min(1), z.number().finite().nonnegative());

/** The margins raking meets: headcount by role group and (optionally) by directorate. */
export const ZWeightingMargins = z
  .strictObject({
    roleGroups: ZHeadcounts.refine((h) => Object.keys(h).length > 0, 'must list at least one role group'),
    directorates: ZHeadcounts.optional(),
  })
  .superRefine((margins, ctx) => {
    if (!margins.directorates) return;
    const roles = sum(Object.values(margins.roleGroups));
    const dirs = sum(Object.values(margins.directorates));
    if (Math.abs(roles - dirs) > 1e-9 * Math.max(1, roles)) {
      ctx.addIssue({
        code: 'custom',
        path: ['directorates'],
        message: `the directorate headcounts add up to ${dirs} but the role group headcounts to ${roles}; they must describe the same staff`,
      });
    }
  });
export type WeightingMargins = z.output<typeof ZWeightingMargins>;

/**
 * An organisation's workforce profile: staff in each role group × directorate cell, as loaded
 * from its CSV. Directorate is '' in every row of a profile that does not break staff down by
 * directorate (and in no row of one that does), so the two margins always describe the same staff.
 */
export const ZWorkforceProfile = z
  .strictObject({
    cells: z
      .array(z.strictObject({ roleGroup: z.string().min(1), directorate: z.string(), headcount: z.number().int('must be a whole number').nonnegative('must not be negative') }))
      .min(1, 'must list at least one role group'),
  })
  .superRefine((profile, ctx) => {
    const seen = new Set<string>();
    profile.cells.forEach((c, i) => {
      const key = cellId(c);
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['cells', i], message: `role group "${c.roleGroup}" and directorate "${c.directorate}" are listed twice` });
      seen.add(key);
    });
    const blank = profile.cells.filter((c) => c.directorate === '').length;
    if (blank > 0 && blank < profile.cells.length) {
      ctx.addIssue({ code: 'custom', path: ['cells'], message: 'either every row gives a directorate or none does' });
    }
  });
export type WorkforceProfile = z.output<typeof ZWorkforceProfile>;

/** The role group and directorate headcounts a profile adds up to (no directorate margin when it has none). */
export function profileMargins(profile: WorkforceProfile): WeightingMargins {
  const roleGroups: Record<string, number> = {};
  const directorates: Record<string, number> = {};
  for (const c of profile.cells) {
    roleGroups[c.roleGroup] = (roleGroups[c.roleGroup] ?? 0) + c.headcount;
    if (c.directorate !== '') directorates[c.directorate] = (directorates[c.directorate] ?? 0) + c.headcount;
  }
  return Object.keys(directorates).length > 0 ? { roleGroups, directorates } : { roleGroups };
}

export interface CellWeight extends CellKey {
  responses: number;
  /** Staff each respondent in the cell stands for (weights add up to the profile's headcount). */
  weight: number;
}

export type WeightingProblemCode = 'no_responses' | 'empty_group' | 'not_in_profile' | 'totals_disagree' | 'did_not_converge';

export interface WeightingProblem {
  code: WeightingProblemCode;
  message: string;
  /** The role group or directorate concerned, when there is one. */
  margin?: { dimension: 'roleGroup' | 'directorate'; code: string };
}

export interface WeightingSuccess {
  ok: true;
  weights: CellWeight[];
  iterations: number;
  /** Largest relative difference between a weighted margin and its headcount at the end. */
  maxError: number;
  /** Kish's design effect from unequal weights: 1 + CV² of the weights over respondents. */
  designEffect: number;
  /** Responses / design effect. */
  effectiveN: number;
  n: number;
  population: number;
  /** How respondents who did not state a directorate were treated (present only when there were any). */
  unstatedDirectorate?: string;
  /** The groups raked together as one stratum (RakeOptions.pooled), present only when some were. */
  pooled?: { roleGroups: string[]; directorates: string[] };
  /**
   * For each weight (same order), the group it was raked in on each margin: its role group (or
   * the pool) and, with a directorate margin, its directorate (the pool, or '' when not stated).
   * Design-based variances remove these margins (linearisation.ts).
   */
  calibration: string[][];
}

export type WeightingResult = WeightingSuccess | { ok: false; problems: WeightingProblem[] };

export interface RakeOptions {
  /** Stop when every margin is within this relative error (default 1e-12). */
  tolerance?: number;
  maxIterations?: number;
  /**
   * Groups raked together as one stratum (the groups a publication withholds): they share one
   * weight per cell pattern, so nothing computed from the weights tells their counts apart.
   */
  pooled?: { roleGroups?: ReadonlySet<string>; directorates?: ReadonlySet<string> };
}

/** The stratum that pooled groups are raked as (never a code a definition can give: it holds a NUL). */
const POOL = '\u0000pooled';

/** Margins with the pooled codes that have staff summed into one, and how a cell's code maps onto them. */
function poolMargin(targets: Record<string, number>, pooled: ReadonlySet<string> | undefined): { targets: Map<string, number>; key: (code: string) => string; pool: string[] } {
  const pool = new Set([...(pooled ?? [])].filter((code) => (targets[code] ?? 0) > 0));
  if (pool.size < 2) return { targets: new Map(Object.entries(targets)), key: (code) => code, pool: [] };
  const out = new Map<string, number>();
  for (const [code, headcount] of Object.entries(targets)) {
    const key = pool.has(code) ? POOL : code;
    out.set(key, (out.get(key) ?? 0) + headcount);
  }
  return { targets: out, key: (code) => (pool.has(code) ? POOL : code), pool: [...pool] };
}

function sum(values: Iterable<number>): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

/**
 * Kish's design effect for weights w_i over respondents: n Σw² / (Σw)², i.e. 1 + CV² (CV with
 * the population-style standard deviation). Cells give (count, weight) pairs.
 */
export function kishDesignEffect(cells: Iterable<{ n: number; weight: number }>): { designEffect: number; effectiveN: number; n: number } {
  let n = 0;
  let w = 0;
  let w2 = 0;
  for (const c of cells) {
    n += c.n;
    w += c.n * c.weight;
    w2 += c.n * c.weight * c.weight;
  }
  if (!(n > 0) || !(w > 0)) return { designEffect: Number.NaN, effectiveN: 0, n };
  const designEffect = (n * w2) / (w * w);
  return { designEffect, effectiveN: n / designEffect, n };
}

/**
 * Rakes cell weights to the profile's margins. Refuses, with every problem listed, when the
 * margins cannot be met: no responses at all, a group with staff but no responses, responses
 * from a group the profile does not list (or lists with no staff), totals that disagree, or
 * margins the pattern of responses cannot reach (reported as not converging).
 *
 * Respondents who did not state their directorate ('') are raked on role group only: at each
 * directorate step the respondents who did state one are spread across directorates in the
 * profile's proportions, keeping their weighted total.
 */
export function rakeWeights(cells: readonly (CellKey & { responses: number })[], margins: WeightingMargins, options: RakeOptions = {}): WeightingResult {
  const tolerance = options.tolerance ?? 1e-12;
  const maxIterations = options.maxIterations ?? 1000;
  const problems: WeightingProblem[] = [];
  const live = cells.filter((c) => c.responses > 0);
  const n = sum(live.map((c) => c.responses));
  if (n === 0) return { ok: false, problems: [{ code: 'no_responses', message: 'there are no responses to weight' }] };

  const roles = poolMargin(margins.roleGroups, options.pooled?.roleGroups);
  const dirs = margins.directorates ? poolMargin(margins.directorates, options.pooled?.directorates) : undefined;
  const roleTargets = roles.targets;
  const dirTargets = dirs?.targets;
  const roleOf = (c: CellKey) => roles.key(c.roleGroup);
  const directorateOf = (c: CellKey) => (c.directorate === '' || !dirs ? c.directorate : dirs.key(c.directorate));
  const population = sum(roleTargets.values());
  if (dirTargets) {
    const dirTotal = sum(dirTargets.values());
    if (Math.abs(dirTotal - population) > 1e-9 * Math.max(1, population)) {
      problems.push({
        code: 'totals_disagree',
        message: `the directorate headcounts add up to ${dirTotal} but the role group headcounts to ${population}; they must describe the same staff`,
      });
    }
  }
  const checkMargin = (dimension: 'roleGroup' | 'directorate', targets: Map<string, number>, codeOf: (c: CellKey) => string) => {
    const label = dimension === 'roleGroup' ? 'role group' : 'directorate';
    const named = (code: string) => (code === POOL ? `the withheld ${label}s` : `${label} "${code}"`);
    const responses = new Map<string, number>();
    for (const c of live) {
      const code = codeOf(c);
      if (dimension === 'directorate' && code === '') continue;
      responses.set(code, (responses.get(code) ?? 0) + c.responses);
    }
    // Messages carry no count of responses: the group may be one the results withhold.
    for (const code of responses.keys()) {
      if (!((targets.get(code) ?? 0) > 0)) {
        problems.push({
          code: 'not_in_profile',
          ...(code === POOL ? {} : { margin: { dimension, code } }),
          message: `responses from ${named(code)}, which the workforce profile ${targets.has(code) ? 'lists with no staff' : 'does not list'}`,
        });
      }
    }
    for (const [code, headcount] of targets) {
      if (headcount > 0 && !responses.has(code)) {
        problems.push({
          code: 'empty_group',
          ...(code === POOL ? {} : { margin: { dimension, code } }),
          message: `no responses from ${named(code)} (${headcount} staff), so no weight can stand for them; combine it with another ${label} in the profile or weight without this margin`,
        });
      }
    }
  };
  checkMargin('roleGroup', roleTargets, roleOf);
  if (dirTargets) checkMargin('directorate', dirTargets, directorateOf);
  if (problems.length > 0) return { ok: false, problems };

  // Weighted responses per cell: m[c] = w[c] × responses[c]; start from equal weights.
  const w = live.map(() => population / n);
  const byRole = groupIndices(live, roleOf);
  const byDir = dirTargets ? groupIndices(live, directorateOf) : undefined;
  const stated = live.map((c, i) => (c.directorate === '' ? -1 : i)).filter((i) => i >= 0);
  const weighted = (indices: number[]) => indices.reduce((s, i) => s + w[i]! * live[i]!.responses, 0);

  const roleStep = () => {
    for (const [code, indices] of byRole) {
      const f = roleTargets.get(code)! / weighted(indices);
      for (const i of indices) w[i]! *= f;
    }
  };
  const dirStep = () => {
    if (!byDir || !dirTargets) return;
    const scale = weighted(stated) / population;
    for (const [code, indices] of byDir) {
      if (code === '') continue;
      const f = (dirTargets.get(code)! * scale) / weighted(indices);
      for (const i of indices) w[i]! *= f;
    }
  };
  const error = () => {
    let worst = 0;
    for (const [code, indices] of byRole) worst = Math.max(worst, Math.abs(weighted(indices) / roleTargets.get(code)! - 1));
    if (byDir && dirTargets) {
      const scale = weighted(stated) / population;
      for (const [code, indices] of byDir) {
        if (code === '') continue;
        worst = Math.max(worst, Math.abs(weighted(indices) / (dirTargets.get(code)! * scale) - 1));
      }
    }
    return worst;
  };

  let iterations = 0;
  let maxError = Number.POSITIVE_INFINITY;
  while (iterations < maxIterations) {
    iterations++;
    dirStep();
    roleStep();
    maxError = error();
    if (maxError <= tolerance) break;
  }
  if (!(maxError <= tolerance)) {
    return {
      ok: false,
      problems: [
        {
          code: 'did_not_converge',
          message: `the weights did not meet the margins after ${iterations} iterations: the pattern of responses across role groups and directorates cannot reproduce the profile; combine small groups or weight by role group only`,
        },
      ],
    };
  }
  const weights = live.map((c, i) => ({ roleGroup: c.roleGroup, directorate: c.directorate, responses: c.responses, weight: w[i]! }));
  const { designEffect, effectiveN } = kishDesignEffect(weights.map((c) => ({ n: c.responses, weight: c.weight })));
  const calibration = live.map((c) => (dirTargets ? [roleOf(c), directorateOf(c)] : [roleOf(c)]));
  const result: WeightingSuccess = { ok: true, weights, iterations, maxError, designEffect, effectiveN, n, population, calibration };
  if (roles.pool.length + (dirs?.pool.length ?? 0) > 0) result.pooled = { roleGroups: roles.pool, directorates: dirs?.pool ?? [] };
  if (dirTargets && stated.length < live.length) {
    result.unstatedDirectorate = 'respondents who did not state a directorate are weighted by role group only; those who did are spread across directorates in the profile’s proportions';
  }
  return result;
}

/**
 * A weight per segment cell, as analysis uses them. In a weighted analysis whose disclosure
 * control is decided, `coarse` says how to give a group's effective base: Kish's effective base
 * is a function of the counts of every cell in the group, so for a group with a withheld cell
 * it is given as the group's (published) base over the published design effect instead, which
 * says nothing more; it stays exact for a group whose every cell's count is published.
 */
export class CellWeights extends Float64Array {
  coarse?: { designEffect: number; exact: (cells: readonly number[]) => boolean };
  /**
   * The raked design for design-based (linearised) variances, present only when every cell's
   * count is published: the residuals on the raking margins are a function of every cell's
   * count, so with a withheld cell the intervals rest on the coarse effective base instead.
   */
  design?: LinearisedDesign;
}

/** A group's effective base: Kish's, or the coarse one `CellWeights` asks for. */
export function effectiveBaseOf(weights: ArrayLike<number>, cells: readonly number[], base: number, kish: number): number {
  const coarse = weights instanceof CellWeights ? weights.coarse : undefined;
  if (!coarse || coarse.exact(cells)) return kish;
  return base > 0 ? base / coarse.designEffect : 0;
}

/** The design effect as published: two decimals, half up (what the report and aggregates.csv give). */
export function publishedDesignEffect(designEffect: number): number {
  return Math.round(designEffect * 100 + 1e-9) / 100;
}

/**
 * The weighting summary as a publication stores it. The exact design effect is a function of
 * every cell's count, withheld ones included, so it is stored as published (two decimals) and
 * the effective number of responses as the responses over that; with the number of responses
 * withheld (the total under the threshold), neither is stored, nor the number of iterations.
 */
export function publishedWeighting<T extends { status: string }>(summary: T, totalShown: boolean): T {
  if (summary.status !== 'weighted') return summary;
  const w = summary as T & { designEffect: number; effectiveN: number; n: number; iterations?: number };
  const { iterations: _iterations, ...rest } = w;
  if (!totalShown) return { ...rest, designEffect: Number.NaN, effectiveN: Number.NaN, n: Number.NaN } as T;
  const designEffect = publishedDesignEffect(w.designEffect);
  return { ...rest, designEffect, effectiveN: w.n / designEffect } as T;
}

function groupIndices<T>(items: readonly T[], key: (item: T) => string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  items.forEach((item, i) => {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(i);
    else out.set(k, [i]);
  });
  return out;
}
