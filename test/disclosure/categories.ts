import type { Finding } from './attack.js';
import type { ReadOutputs } from './facts.js';
import type { Expr, Fact, SurveyModel } from './model.js';

/**
 * Leaks fall into categories by a general rule: what kind of figure the leak bounds and what
 * kind of facts its proof combines (the facts with a non-zero LP dual in the bounds that make
 * it a leak). Each category is checked by a test of its own; a leak that fits none falls in
 * 'other', which must stay empty. The first category whose rule fits takes the leak, in the
 * order listed.
 */
export interface Category {
  key: CategoryKey;
  /** What the leak is, in words (the failure message's heading). */
  title: string;
  fits: (f: Finding, wave: WaveContext) => boolean;
}

export type CategoryKey = 'free text' | 'merged rows' | 'showIf cover' | 'cells from answers' | 'other';

/** What a wave's rules need: the model (who is asked what) and what its outputs say. */
export interface WaveContext {
  model: SurveyModel;
  read: ReadOutputs;
}

/** Unknowns of an expression the definition does not fix at 0. */
const live = (model: SurveyModel, e: Expr) => [...e.keys()].filter((n) => !model.structuralZero.has(n));

/** The role group × directorate cell of an unknown (its name ends with both). */
const cellOf = (name: string) => name.split('|').slice(-2).join('|');

/**
 * The question an unknown counts answers of (undefined for a cell's respondents or an
 * index's n): `X|strategy=yes|…` and `A|tools.laptop|…` of closed variables, `n|…` and
 * `T|…` of number and free-text questions.
 */
function questionOf(model: SurveyModel, name: string): string | undefined {
  const [kind, code] = model.familyOf(name).split('|');
  if (code === undefined) return undefined;
  if (kind === 'X' || kind === 'A') {
    const variable = code.split('=')[0]!;
    return model.closed.find((v) => v.code === variable)?.question;
  }
  return kind === 'n' || kind === 'T' ? code : undefined;
}

const questionsOf = (model: SurveyModel, e: Expr) => new Set(live(model, e).map((n) => questionOf(model, n)));
const cellsOf = (model: SurveyModel, e: Expr) => new Set(live(model, e).map(cellOf));
const sameSet = <T>(a: Set<T>, b: Set<T>) => a.size === b.size && [...a].every((x) => b.has(x));
const proof = (f: Finding): Fact[] => f.proof ?? [];

export const CATEGORIES: Category[] = [
  {
    // D: the file with free text shows written comments (blank for withheld answers), so rows of a
    // group whose "answered" count the results withhold count that group's comments.
    key: 'free text',
    title: 'D. the free-text comments of the respondent-level file count answers the results withhold',
    fits: (f) => proof(f).some((fact) => fact.kind === 'file' && fact.file?.text === true),
  },
  {
    // C: the rows exported as a merged "Other" give the answers of the groups merged into it, so a
    // named group's hidden answers are the total less the shown groups less "Other".
    key: 'merged rows',
    title: 'C. the respondent-level file\'s merged ("Other") rows give answers of hidden groups',
    fits: (f) => proof(f).some((fact) => fact.kind === 'file' && fact.file?.merged === true),
  },
  {
    // A: the bounded figure is of a question asked under a showIf condition (answered = those the
    // condition holds for), and the proof uses a shown figure of the condition's question over the
    // same cells as a withheld base of that question: a group hidden on the question as cover whose
    // base the condition's figure makes public, so the cover no longer covers.
    key: 'showIf cover',
    title: "A. a group hidden as cover on a showIf question has its base public through the condition's shown figure",
    fits: (f, { model, read }) => {
      if (!f.target) return false;
      const questions = questionsOf(model, f.target.expr);
      if (questions.size !== 1) return false;
      const question = [...questions][0];
      const info = question === undefined ? undefined : model.questions.get(question);
      if (!info || info.conditions.length === 0) return false;
      const conditions = new Set(info.conditions.map((c) => c.question));
      // Withheld figures of the question the definition makes public (facts.ts publicBecause): their cells.
      const covers = read.public.filter((p) => sameSet(questionsOf(model, p.target.expr), questions)).map((p) => cellsOf(model, p.target.expr));
      return proof(f).some((fact) => {
        if (fact.kind !== 'figure') return false;
        const of = questionsOf(model, fact.expr);
        return of.size > 0 && [...of].every((q) => q !== undefined && conditions.has(q)) && covers.some((cells) => sameSet(cells, cellsOf(model, fact.expr)));
      });
    },
  },
  {
    // B: the bounded figure lies in one role group × directorate cell (the cell's respondents, or a
    // question asked of one role group only, per directorate), and the proof sets published answer
    // counts against each other (finance has no "very engaged", 4 of 12 seniors are: senior/finance ≤ 8).
    key: 'cells from answers',
    title: 'B. a role group × directorate cell is bounded from the answer distributions of its role group and directorate',
    fits: (f, { model }) => {
      if (!f.target || cellsOf(model, f.target.expr).size !== 1) return false;
      return proof(f).some((fact) => fact.kind === 'figure' && live(model, fact.expr).some((n) => n.startsWith('X|')));
    },
  },
];

export const OTHER: Omit<Category, 'fits'> = { key: 'other', title: 'a leak of no known category' };

export function classify(f: Finding, wave: WaveContext): CategoryKey {
  return CATEGORIES.find((c) => c.fits(f, wave))?.key ?? 'other';
}
