import type { SurveyAnalysis } from '../../analysis/index.js';

/** The exported value for role groups or directorates merged together. */
export const MERGED = '*merged*';

export interface Coarsening {
  /** Original role group code → exported code (itself, or MERGED). Plain objects, as the publication stores them. */
  roleGroup: Readonly<Record<string, string>>;
  directorate: Readonly<Record<string, string>>;
  mergedRoleGroups: string[];
  mergedDirectorates: string[];
  /** False when even everyone together is fewer than the threshold: no respondent-level rows may be exported. */
  exportable: boolean;
  /** The rule, in words, for the codebook. */
  rule: string;
}

export interface SegmentCell {
  roleGroup: string;
  directorate: string;
  responses: number;
}

/**
 * Coarsens the segment columns of a respondent-level file so that no combination of role
 * group and directorate holds fewer than `threshold` respondents (an empty combination
 * identifies no one):
 *
 * 1. every role group and directorate whose number of responses the suppressed analysis
 *    does not show (under the threshold, or withheld against subtraction) is merged into
 *    "Other", so the file cannot be set against published tables to recover a hidden group;
 * 2. while some combination is still too small, the smallest directorate in such a
 *    combination is merged into "Other" (directorates go first because role groups carry the
 *    survey's main comparisons);
 * 3. once every directorate is merged, the smallest role group in a small combination is.
 */
export function coarsenSegments(cells: readonly SegmentCell[], analysis: SurveyAnalysis, threshold: number): Coarsening {
  const shown = (kind: 'roleGroup' | 'directorate', code: string) => analysis.responses.some((r) => r.group.kind === kind && r.group.code === code && r.figure.shown);
  const roleTotals = totals(cells, (c) => c.roleGroup);
  const dirTotals = totals(cells, (c) => c.directorate);
  const roleGroup = new Map([...roleTotals.keys()].map((r) => [r, shown('roleGroup', r) ? r : MERGED]));
  const directorate = new Map([...dirTotals.keys()].map((d) => [d, shown('directorate', d) ? d : MERGED]));
  const totalResponses = cells.reduce((s, c) => s + c.responses, 0);

  const smallCombinations = () => {
    const combined = totals(cells, (c) => `${roleGroup.get(c.roleGroup)}\u0000${directorate.get(c.directorate)}`);
    return cells.filter((c) => {
      const n = combined.get(`${roleGroup.get(c.roleGroup)}\u0000${directorate.get(c.directorate)}`) ?? 0;
      return n > 0 && n < threshold;
    });
  };
  const smallestUnmerged = (map: Map<string, string>, sizes: Map<string, number>, among: Iterable<string>) =>
    [...new Set(among)].filter((code) => map.get(code) !== MERGED).sort((a, b) => (sizes.get(a) ?? 0) - (sizes.get(b) ?? 0) || (a < b ? -1 : 1))[0];

  for (let small = smallCombinations(); small.length > 0 && totalResponses >= threshold; small = smallCombinations()) {
    const dir =
      smallestUnmerged(
        directorate,
        dirTotals,
        small.map((c) => c.directorate),
      ) ?? smallestUnmerged(directorate, dirTotals, dirTotals.keys());
    if (dir !== undefined) {
      directorate.set(dir, MERGED);
      continue;
    }
    const role =
      smallestUnmerged(
        roleGroup,
        roleTotals,
        small.map((c) => c.roleGroup),
      ) ?? smallestUnmerged(roleGroup, roleTotals, roleTotals.keys());
    if (role === undefined) break;
    roleGroup.set(role, MERGED);
  }

  // In the definition's order (the order cells were read in is the random order of response ids).
  const inOrder = (codes: readonly string[]) => (a: string, b: string) => (codes.indexOf(a) >>> 0) - (codes.indexOf(b) >>> 0) || (a < b ? -1 : 1);
  const merged = (map: Map<string, string>, order: readonly string[]) =>
    [...map]
      .filter(([, v]) => v === MERGED)
      .map(([k]) => k)
      .sort(inOrder(order));
  return {
    roleGroup: Object.fromEntries(roleGroup),
    directorate: Object.fromEntries(directorate),
    mergedRoleGroups: merged(roleGroup, analysis.roleGroups),
    mergedDirectorates: merged(directorate, analysis.directorates),
    exportable: totalResponses >= threshold,
    rule:
      `Segment columns are coarsened so that no combination of role group and directorate identifies fewer than ${threshold} respondents: ` +
      'role groups and directorates whose figures the published results withhold are merged into "Other"; then, while any combination is ' +
      'still smaller than that, the smallest directorate in such a combination is merged into "Other", and once every directorate is merged, ' +
      'the smallest role group is.',
  };
}

function totals(cells: readonly SegmentCell[], key: (c: SegmentCell) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of cells) out.set(key(c), (out.get(key(c)) ?? 0) + c.responses);
  return out;
}
