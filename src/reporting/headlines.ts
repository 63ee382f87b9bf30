/**
 * The report's headline sentences, one template per kind of finding. Each template takes the
 * words for the thing measured (already chosen by what it is: a statement agreed with, an
 * engagement rating, an answer to a question, an index) and the figures as formatted text, so
 * every headline of a kind reads the same way and none is assembled from fragments that only
 * fit some questions.
 */

/** What a percentage counts, as the words that follow "more likely to" / "say". */
export type Measured =
  /** An agreement statement: "agree that “…”". */
  | { kind: 'statement'; text: string }
  /** Respondents' own engagement: "be very or quite engaged with …". */
  | { kind: 'own_engagement'; text: string }
  /** A rating of a group's engagement: "rate frontline staff as very or quite engaged". */
  | { kind: 'rating'; group: string }
  /** One answer to a question: "answer “Yes” to “…”". */
  | { kind: 'answer'; answer: string; question: string };

/** "agree that “Our organisation is missing key opportunities”", for "more likely to …". */
export function likelyTo(m: Measured): string {
  switch (m.kind) {
    case 'statement':
      return `agree that “${unquote(m.text)}”`;
    case 'own_engagement':
      return `say they are very or quite engaged (“${unquote(m.text)}”)`;
    case 'rating':
      return `rate ${lowerFirst(m.group)} as very or quite engaged`;
    case 'answer':
      return `answer “${m.answer}” to “${unquote(m.question)}”`;
  }
}

/** "Senior leaders are more likely than frontline staff to agree that “…” (74% against 56%)." */
export function gapHeadline(first: string, second: string, measured: Measured, firstFigure: string, secondFigure: string, higher: boolean): string {
  const [a, b, fa, fb] = higher ? [first, second, firstFigure, secondFigure] : [second, first, secondFigure, firstFigure];
  return `${a} are more likely than ${lowerFirst(b)} to ${likelyTo(measured)} (${fa} against ${fb}), a significant gap.`;
}

/** "Senior leaders score higher than frontline staff on strategy and leadership (62 against 48 out of 100), a significant gap." */
export function indexGapHeadline(first: string, second: string, index: string, firstScore: string, secondScore: string, higher: boolean): string {
  const [a, b, fa, fb] = higher ? [first, second, firstScore, secondScore] : [second, first, secondScore, firstScore];
  return `${a} score higher than ${lowerFirst(b)} on ${lowerFirst(index)} (${fa} against ${fb} out of 100), a significant gap.`;
}

/**
 * "Senior leaders here: 75% say that the organisation has a digital strategy, significantly
 * below the 80% in 8x8 survey of … (year not published)." `who` is the group here, `published`
 * the published figure in words ("80%", "published lower bound of 40%"), `source` the study.
 */
export function publishedHeadline(who: string, figure: string, finding: { statement: string; theme?: string }, published: string, source: string, higher: boolean): string {
  return `${who} here: ${figure} ${findingClause(finding)}, significantly ${higher ? 'above' : 'below'} the ${published} in ${source}.`;
}

const VERB = /\b(is|are|was|were|has|have|had|holds?|holding|understand|invest|undermines|makes|exists|embraced)\b/;

/**
 * A published finding as the clause after a percentage: "the organisation has a strategy" →
 * "say that the organisation has a strategy"; "have implemented …" as it is; "confident the
 * gap can be closed" → "are confident …"; a barrier named without a verb ("cultural issues")
 * → "name cultural issues as a barrier". Bracketed qualifiers ("(senior staff)") are left to
 * the sentence's group.
 */
export function findingClause(finding: { statement: string; theme?: string }): string {
  const statement = finding.statement.replace(/\s*\([^)]*\)$/, '');
  if (/^(have|expect|are|feel|think|say|believe)\b/.test(statement)) return statement;
  if (/^(fully|not|confident|neutral|aware)\b/.test(statement)) return `are ${statement}`;
  if (VERB.test(statement)) return `say that ${statement}`;
  if (finding.theme === 'barriers') return `name ${statement} as a barrier`;
  return `say: ${statement}`;
}

/** The maturity dimensions' headline: names a highest or lowest only when its interval clears every other dimension's. */
export function dimensionsHeadline(ranked: readonly { name: string; score: string; lower: number; upper: number }[]): string {
  const top = ranked[0]!;
  const bottom = ranked[ranked.length - 1]!;
  const others = (x: typeof top) => ranked.filter((r) => r !== x);
  const topStands = others(top).every((r) => top.lower > r.upper);
  const bottomStands = others(bottom).every((r) => bottom.upper < r.lower);
  if (topStands && bottomStands)
    return `Of the digital maturity dimensions, ${lowerFirst(top.name)} scores highest (${top.score} out of 100) and ${lowerFirst(bottom.name)} lowest (${bottom.score}).`;
  if (topStands) return `Of the digital maturity dimensions, ${lowerFirst(top.name)} scores highest (${top.score} out of 100); the others’ intervals overlap.`;
  if (bottomStands) return `Of the digital maturity dimensions, ${lowerFirst(bottom.name)} scores lowest (${bottom.score} out of 100); the others’ intervals overlap.`;
  return `The digital maturity dimensions score from ${bottom.score} to ${top.score} out of 100; their 95% intervals overlap, so no dimension stands out as highest or lowest.`;
}

function unquote(text: string): string {
  return text.replace(/[.?]$/, '');
}

/** Lower-cases the first letter unless the word is an acronym or a proper name ("IT or digital team" stays). */
export function lowerFirst(text: string): string {
  const first = text.split(/\s/)[0] ?? '';
  if (first.length > 1 && first === first.toUpperCase()) return text;
  return text.charAt(0).toLowerCase() + text.slice(1);
}
