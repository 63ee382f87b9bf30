import { isQuestionShown } from '../fieldwork/journey.js';
import { allQuestions, type TDefinition, type TSection } from '../instrument/definition.js';
import type { TQuestion } from '../instrument/question-types/index.js';
import { MERGED, type Coarsening } from '../reporting/exports/coarsen.js';
import type { ExportedResponse } from '../storage/exports.js';
import { variablesOf, type SurveyAnalysis } from '../analysis/index.js';

/**
 * What the respondent-level file withholds beyond coarsening its segment columns, decided with
 * the rest of the publication, so that setting the file against the published tables gives
 * no figure they withhold. A withheld answer is coded as "not asked" (-1), whose label says
 * it may also be withheld, so a withheld row looks like a row that was never asked.
 */
export interface RespondentFileMasks {
  /**
   * Questions withheld in every row of the merged ("Other") role group: those asked of some of
   * the merged groups and not others (elected members' questions, say), whose answers or
   * "not asked" codes would otherwise pick out which group a merged row came from.
   */
  mergedRoleWithheld: string[];
  /**
   * Per exported segment (role group and directorate as the file shows them), optional
   * questions withheld in all its rows so that every pattern of skipped questions is shared by
   * at least the threshold of rows: which questions someone skipped is a quasi-identifier like
   * the segment itself (a colleague may know you skip the number questions). Whether a
   * question was asked adds nothing beyond the columns already there: audiences follow the role
   * group (and merged groups' are withheld above), conditions follow the answer they depend on.
   */
  segments: { roleGroup: string; directorate: string; questions: string[] }[];
  /**
   * Questions on which the publication hides a role group's or directorate's figures although
   * the group is in the file under its own name (fewer than the threshold of them were asked,
   * say): withheld in that group's rows, or tabulating the file would give the hidden figure.
   */
  groups: { kind: 'roleGroup' | 'directorate'; code: string; questions: string[] }[];
}

/**
 * For each role group and directorate as the file shows them, the closed and number questions
 * whose figures the analysis hides for it. Where a group the file names is hidden on a
 * question, the merged "Other" rows are withheld on it too: otherwise the total less the
 * groups shown less "Other" would give the named group's hidden answers.
 */
function hiddenByGroup(analysis: SurveyAnalysis, coarsening: Coarsening): RespondentFileMasks['groups'] {
  const out = new Map<string, { kind: 'roleGroup' | 'directorate'; code: string; questions: Set<string> }>();
  const add = (kind: 'roleGroup' | 'directorate', code: string, question: string) => {
    const key = `${kind}\u0000${code}`;
    let entry = out.get(key);
    if (!entry) out.set(key, (entry = { kind, code, questions: new Set() }));
    entry.questions.add(question);
  };
  for (const v of analysis.variables) {
    // Free text is in the file only by the lead's decision, and only where its figures are shown (exports/index.ts).
    if (v.kind === 'text') continue;
    for (const g of v.groups) {
      if (g.figure.shown || (g.group.kind !== 'roleGroup' && g.group.kind !== 'directorate')) continue;
      const { kind, code } = g.group;
      const exported = kind === 'roleGroup' ? coarsening.roleGroup[code] : coarsening.directorate[code];
      if (exported !== code) continue;
      add(kind, code, v.question);
      if ((kind === 'roleGroup' ? coarsening.mergedRoleGroups : coarsening.mergedDirectorates).length > 0) add(kind, MERGED, v.question);
    }
  }
  return [...out.values()].map((e) => ({ kind: e.kind, code: e.code, questions: [...e.questions] }));
}

/** One optional answer slot whose skipping shows in the file: a question, or a row of a matrix. */
interface Unit {
  question: TQuestion;
  section: TSection;
  item?: string;
}

const SKIPPED = 'S';
/** Answered, or not asked: neither tells more than the other columns of the row. */
const NOT_SKIPPED = '.';

/**
 * Counts, while the publication is built, how many responses in each segment cell show each
 * pattern of answered / not asked / skipped; `decide` then chooses what the file withholds.
 */
/** Responses by segment cell ("role group\u0000directorate"), then by pattern of skipped slots. */
export type PatternCounts = Map<string, Map<string, number>>;

export class AnswerPatterns {
  private readonly units: Unit[] = [];
  private readonly counts: PatternCounts = new Map();

  constructor(private readonly definition: TDefinition) {
    const segments = new Set([definition.segments.roleGroup, definition.segments.directorate]);
    for (const { question, section } of allQuestions(definition)) {
      // Required questions cannot be skipped; free text goes into the file only when the lead releases it, and then its words say far more than its presence.
      if (segments.has(question.code) || question.required || question.type === 'text') continue;
      if (question.type === 'matrix') for (const item of question.items) this.units.push({ question, section, item: item.code });
      else this.units.push({ question, section });
    }
  }

  add(response: Pick<ExportedResponse, 'roleGroup' | 'directorate' | 'answers'>): void {
    const { answers } = response;
    let pattern = '';
    // Whether a question was shown is asked once per question (a matrix's rows share it), and only when a slot of it is empty.
    let shownFor: TQuestion | undefined;
    let shown = false;
    for (const unit of this.units) {
      const answer = answers[unit.question.code];
      const given = unit.item === undefined ? answer !== undefined : typeof answer === 'object' && answer !== null && (answer as Record<string, unknown>)[unit.item] !== undefined;
      if (!given && shownFor !== unit.question) {
        shownFor = unit.question;
        shown = isQuestionShown(this.definition, unit.section, unit.question, answers);
      }
      pattern += !given && shown ? SKIPPED : NOT_SKIPPED;
    }
    const cell = `${response.roleGroup}\u0000${response.directorate}`;
    let byPattern = this.counts.get(cell);
    if (!byPattern) this.counts.set(cell, (byPattern = new Map<string, number>()));
    byPattern.set(pattern, (byPattern.get(pattern) ?? 0) + 1);
  }

  /** The responses counted by segment cell and pattern (structured-cloneable: a worker thread hands it back). */
  counted(): PatternCounts {
    return this.counts;
  }

  /** Adds another share of the same wave's patterns. */
  absorb(other: PatternCounts): void {
    for (const [cell, byPattern] of other) {
      let into = this.counts.get(cell);
      if (!into) this.counts.set(cell, (into = new Map<string, number>()));
      for (const [pattern, n] of byPattern) into.set(pattern, (into.get(pattern) ?? 0) + n);
    }
  }

  /** Its cells in the order of their keys, whatever order the shares absorbed met them in. */
  sortCells(): void {
    const sorted = [...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.counts.clear();
    for (const [cell, byPattern] of sorted) this.counts.set(cell, byPattern);
  }

  /** What the file withholds, given how its segment columns are coarsened and what the analysis hides; k is the suppression threshold. */
  decide(coarsening: Coarsening, k: number, analysis: SurveyAnalysis): RespondentFileMasks {
    const merged = new Set(coarsening.mergedRoleGroups);
    const mergedRoleWithheld =
      merged.size === 0
        ? []
        : [
            ...new Set(
              variablesOf(this.definition)
                .filter((v) => v.roleGroups !== undefined && [...merged].some((r) => v.roleGroups!.has(r)) && ![...merged].every((r) => v.roleGroups!.has(r)))
                .map((v) => v.code),
            ),
          ];
    const withheldEverywhere = new Set(mergedRoleWithheld);
    // Rows as the file shows them: exported segment, and the pattern with merged rows' withheld questions as "not asked".
    const segments = new Map<string, { roleGroup: string; directorate: string; patterns: Map<string, number> }>();
    for (const [cell, byPattern] of this.counts) {
      const [role, dir] = cell.split('\u0000') as [string, string];
      const roleGroup = coarsening.roleGroup[role] ?? role;
      const directorate = coarsening.directorate[dir] ?? dir;
      const key = `${roleGroup}\u0000${directorate}`;
      let segment = segments.get(key);
      if (!segment) segments.set(key, (segment = { roleGroup, directorate, patterns: new Map() }));
      for (const [pattern, n] of byPattern) {
        const shown = roleGroup === MERGED ? this.mask(pattern, withheldEverywhere) : pattern;
        segment.patterns.set(shown, (segment.patterns.get(shown) ?? 0) + n);
      }
    }
    const out: RespondentFileMasks['segments'] = [];
    for (const segment of segments.values()) {
      const questions = this.withholdUntilShared(segment.patterns, k);
      if (questions.size > 0) out.push({ roleGroup: segment.roleGroup, directorate: segment.directorate, questions: [...questions] });
    }
    return { mergedRoleWithheld, segments: out, groups: hiddenByGroup(analysis, coarsening) };
  }

  /** The pattern with the given questions' slots withheld (coded "not asked", so not skipped either). */
  private mask(pattern: string, questions: ReadonlySet<string>): string {
    let out = '';
    for (let i = 0; i < this.units.length; i++) out += questions.has(this.units[i]!.question.code) ? NOT_SKIPPED : pattern[i];
    return out;
  }

  /**
   * Greedily withholds, for the whole segment, the question whose withholding leaves the fewest
   * rows in patterns shared by fewer than k, until none is; withholding every question makes one
   * pattern of all the segment's rows, which coarsening has made at least k (or zero).
   */
  private withholdUntilShared(patterns: Map<string, number>, k: number): Set<string> {
    const withheld = new Set<string>();
    const exposed = (questions: ReadonlySet<string>) => {
      const merged = new Map<string, number>();
      for (const [pattern, n] of patterns) {
        const key = this.mask(pattern, questions);
        merged.set(key, (merged.get(key) ?? 0) + n);
      }
      let rows = 0;
      for (const n of merged.values()) if (n < k) rows += n;
      return rows;
    };
    // Only questions whose slots differ between the segment's rows can separate them.
    const keys = [...patterns.keys()];
    const candidates = [...new Set(this.units.filter((_, i) => keys.some((p) => p[i] !== keys[0]![i])).map((u) => u.question.code))];
    let current = exposed(withheld);
    while (current > 0) {
      let best: string | undefined;
      let bestRows = Number.POSITIVE_INFINITY;
      for (const q of candidates) {
        if (withheld.has(q)) continue;
        const rows = exposed(new Set([...withheld, q]));
        if (rows < bestRows) {
          best = q;
          bestRows = rows;
        }
      }
      if (best === undefined) break;
      withheld.add(best);
      current = bestRows;
    }
    return withheld;
  }
}
