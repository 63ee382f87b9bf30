import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHighs, WaveAttack, type AttackOptions, type AttackStats, type Finding } from './attack.js';
import { CATEGORIES, classify, OTHER, type CategoryKey } from './categories.js';
import { changeFacts, encodeAnswers, readWave, trendFacts, trendRows, type ReadOutputs } from './facts.js';
import { segmentCellOf } from '../../src/instrument/definition.js';
import { SurveyModel, type Cell } from './model.js';
import { collectOutputs, type WaveOutputs } from './outputs.js';
import { describeFindings, describeUntrue } from './report.js';
import { buildScenario, type Scenario, type Wave } from './scenario.js';

/**
 * An adversarial disclosure test. It plays a determined analyst who holds every output of a
 * closed survey at once: the results API and the aggregate tables of both waves, the report's
 * trend, the codebook and the respondent-level file (with and without free text). Everything
 * those say becomes a linear fact over integer unknowns (respondents per role group ×
 * directorate cell, and per question and answer in each cell); the survey definition adds what
 * it implies (audiences, showIf, required questions). HiGHS then minimises and maximises
 * every figure the outputs hide. A figure is leaked when it is pinned (min = max, and not a
 * zero the audiences already imply), and a group is exposed as small when its size is proven
 * under the threshold while it is not empty. Rows of the respondent-level file exported as
 * a merged "Other" must not be traceable to their group.
 *
 * Every bound is a proof (an LP or MILP optimum, or a MILP dual bound), checked against the
 * true answers; the failure message lists each leak with its bounds, its true value and the
 * published facts the proof combines (with their LP dual multipliers), so it can be checked
 * by hand.
 *
 * The leaks the published figures or the respondent-level file give are sorted into categories
 * (categories.ts: by what kind of figure a leak bounds and what kind of facts its proof uses),
 * each checked by a test of its own; a leak that fits no category fails the catch-all test.
 */

const OPTIONS: Omit<AttackOptions, 'milpBudgetSeconds' | 'threshold'> = { milpSlack: 1, milpSeconds: 0.5 };
/** Leaks shown with their proof in the failure message, per wave, output and kind of leak (DISCLOSURE_EXPLAIN_ALL=1: every leak). */
const EXPLAINED = process.env.DISCLOSURE_EXPLAIN_ALL ? Infinity : 2;

/** Pinned figures first (group sizes before answers), then groups proven small. */
function rank(f: Finding): number {
  const kind = { pinned: 0, small: 10, linked: 20 }[f.kind];
  const target = f.target ? { size: 0, sum: 1, answer: 2 }[f.target.kind] : 0;
  return kind + target + (f.what.startsWith('responses of') ? 0 : 0.5);
}

interface WaveResult {
  label: string;
  wave: Wave;
  outputs: WaveOutputs;
  read: ReadOutputs;
  /** Leaks by what they need: published figures only; figures and the reasons given for withheld figures; the respondent-level file too. */
  figures: Finding[];
  reasons: Finding[];
  file: Finding[];
  rows: Finding[];
  /** The leaks of the published figures and of the respondent-level file, by category (categories.ts). */
  categories: Map<CategoryKey, Finding[]>;
  /** Rows of the file no true respondent's answers give (the check of the row claims needs every row matched). */
  unmatched: number;
  stats: AttackStats;
}

let scenario: Scenario;
const results: WaveResult[] = [];
let trend: { read: number; unread: string[] } = { read: 0, unread: [] };
let changes: { read: number; unread: string[] } = { read: 0, unread: [] };
let elapsed = 0;
const phases: Record<string, number> = {};

beforeAll(async () => {
  const started = Date.now();
  scenario = await buildScenario();
  phases.scenario = Date.now() - started;
  const { app, cookie, definition } = scenario;
  const highs = await loadHighs();
  const waves = [
    { label: 'current', wave: scenario.current },
    { label: 'previous', wave: scenario.previous },
  ];
  const read = new Map<string, { model: SurveyModel; outputs: WaveOutputs; read: ReadOutputs }>();
  for (const { label, wave } of waves) {
    const outputs = await collectOutputs(app, cookie, wave.id, { report: label === 'current' });
    const model = new SurveyModel(definition);
    read.set(label, { model, outputs, read: readWave(model, outputs, label) });
  }
  const current = read.get('current')!;
  const previous = read.get('previous')!;
  // The report's trend compares the current wave with the previous one: a fact about each.
  trend = trendFacts(current.model, previous.model, current.outputs.report ?? '', current.read, previous.read);
  // So does the results API's list of changes since the previous wave.
  changes = changeFacts(current.model, previous.model, current.outputs.api, scenario.previous.id, current.read, previous.read);

  for (const { label, wave } of waves) {
    const { model, outputs, read: r } = read.get(label)!;
    const truth = model.truth(wave.answers);
    let lap = Date.now();
    const phase = (name: string) => {
      phases[name] = (phases[name] ?? 0) + Date.now() - lap;
      lap = Date.now();
    };
    // The threshold is what the outputs say it is.
    const options = { ...OPTIONS, threshold: r.threshold };
    const full = new WaveAttack(highs, label, model, r, truth, { ...options, milpBudgetSeconds: 1 });
    phase('build');
    const leaks = full.attackAggregates('respondent-level file');
    phase('bound hidden figures');
    // Which outputs each leak needs. A proof that uses only published figures (and the
    // definition) already says so. Otherwise an attacker who reads the published figures only
    // tries again, and for a group proven small whose proof leaned on the reasons, one who also
    // reads the reasons. (A pinned figure whose proof went through the file is put down to the
    // file unless the figures alone give it: asking the reasons too would cost a solve per leak.)
    const figuresOnly = new WaveAttack(highs, label, model, r, truth, { ...options, milpBudgetSeconds: 0 }, (f) => f.kind === 'figure');
    const withReasons = new WaveAttack(highs, label, model, r, truth, { ...options, milpBudgetSeconds: 0 }, (f) => f.kind !== 'file');
    const attackers = { figures: figuresOnly, 'figures and reasons': withReasons, 'respondent-level file': full } as const;
    const sorted: Finding[] = leaks.map((f) => {
      const uses = f.uses ?? new Set();
      if (!uses.has('file') && !uses.has('reason')) return { ...f, needs: 'figures' };
      const same = (g: Finding | undefined) => (g && g.kind === f.kind ? g : undefined);
      const alone = same(figuresOnly.probe(f.target!, 'figures'));
      if (alone) return alone;
      if (!uses.has('file')) return { ...f, needs: 'figures and reasons' };
      if (f.kind === 'small' && uses.has('reason')) return same(withReasons.probe(f.target!, 'figures and reasons')) ?? f;
      return f;
    });
    sorted.sort((a, b) => rank(a) - rank(b));
    phase('which outputs each leak needs');
    // Each leak's category, by what it bounds and what its proof uses.
    for (const f of sorted) f.category = classify(f, { model, read: r });
    // A few of each kind, per category, are shown with a readable proof (the fewest facts that give it).
    for (const [needs, category] of (Object.keys(attackers) as (keyof typeof attackers)[]).flatMap((n) => [...CATEGORIES.map((c) => c.key), OTHER.key].map((c) => [n, c] as const))) {
      const own = sorted.filter((x) => x.needs === needs && x.category === category);
      const kinds: [(f: Finding) => boolean, number][] = [
        [(f) => f.kind === 'pinned' && f.target?.kind !== 'answer', EXPLAINED],
        [(f) => f.kind === 'pinned' && f.target?.kind === 'answer', 1],
        [(f) => f.kind === 'small', EXPLAINED],
      ];
      for (const [kind, n] of kinds) {
        for (const f of own.filter(kind).slice(0, n)) {
          f.how = attackers[needs].explain(f);
          f.explained = true;
        }
      }
    }
    phase('explain');
    // Rows of the file, matched to the true respondents with the same answer codes (only to check the attack's claims).
    const encoded = wave.answers.map((a) => ({ cell: cellOf(scenario, a), codes: encodeAnswers(model, r.columns!, a) }));
    // A column the row may withhold ("not asked" in its whole segment) matches any answer.
    const trueCells = (row: { values: Record<string, string>; withheld: Set<string> }) =>
      encoded.filter((e) => Object.entries(e.codes).every(([k, v]) => row.values[k] === v || row.withheld.has(k))).map((e) => e.cell);
    const rows = full.attackRows(trueCells);
    for (const f of [...rows.filter((x) => x.what.includes(' is role group ')).slice(0, 3), ...rows.filter((x) => x.what.includes(' is directorate ')).slice(0, 2)]) {
      f.how = full.explainRow(f);
      f.explained = true;
    }
    const unmatched = r.rows.filter((row) => trueCells(row).length === 0).length;
    phase('trace rows');
    const figures = sorted.filter((f) => f.needs === 'figures');
    const file = sorted.filter((f) => f.needs === 'respondent-level file');
    const categories = new Map([...CATEGORIES, OTHER].map((c): [CategoryKey, Finding[]] => [c.key, [...figures, ...file].filter((f) => f.category === c.key)]));
    results.push({
      label,
      wave,
      outputs,
      read: r,
      figures,
      reasons: sorted.filter((f) => f.needs === 'figures and reasons'),
      file,
      rows,
      categories,
      unmatched,
      stats: full.stats,
    });
    for (const a of [full, figuresOnly, withReasons]) a.dispose();
  }
  elapsed = Date.now() - started;
}, 180_000);

afterAll(async () => {
  await scenario?.app.close();
  await scenario?.storage.close();
});

function cellOf(s: Scenario, answers: Record<string, unknown>): Cell {
  return segmentCellOf(s.definition, answers);
}

const all = (key: 'figures' | 'reasons' | 'file' | 'rows') => results.flatMap((r) => r[key]);

/** The leaks of one category (published figures and respondent-level file, both waves). */
const leaksOf = (key: CategoryKey) => results.flatMap((r) => r.categories.get(key) ?? []);

const NEEDS_SAID = {
  figures: 'from the published figures (results API, aggregates.csv, report trend)',
  'respondent-level file': 'from respondents.csv (with the codebook), set against the published tables',
} as const;

/** A category's failure message: its leaks, by the outputs they need, each with its bounds and (a few) their proof. */
function describeCategory(key: CategoryKey): string {
  const title = [...CATEGORIES, OTHER].find((c) => c.key === key)!.title;
  const leaks = leaksOf(key);
  const parts = (Object.keys(NEEDS_SAID) as (keyof typeof NEEDS_SAID)[])
    .filter((needs) => leaks.some((f) => f.needs === needs))
    .map(
      (needs) =>
        `Leaks ${NEEDS_SAID[needs]}:\n${describeFindings(
          leaks.filter((f) => f.needs === needs),
          scenario.threshold,
        )}`,
    );
  return `${title}:\n${parts.join('\n')}`;
}

describe('an analyst holding every output of two closed waves', () => {
  it('reads every output (so that finding nothing would mean something)', () => {
    console.log(
      `disclosure attack: ${(elapsed / 1000).toFixed(1)} s; ` +
        results
          .map(
            (r) =>
              `${r.label}: ${r.stats.variables} unknowns, ${r.stats.facts} facts, ${r.stats.targets} hidden figures bounded, ${r.read.public.length} withheld figures left out as public (the definition equates them to published counts), weighting ${r.read.weighted ? `weighted, design effect ${r.read.designEffect ?? 'withheld'}` : 'none'} (${r.stats.lpSolves} LP of which ${r.stats.lpIntegral} had an integer optimum, ${r.stats.milpSolves} MILP of which ${r.stats.milpNarrowed} narrowed a bound, ${r.stats.milpSkipped} skipped for time, ${r.stats.feasibilitySolves} row checks)`,
          )
          .join('; ') +
        `; trend rows read: ${trend.read}; API changes since the previous wave read: ${changes.read}; time (ms) ${JSON.stringify(phases)}`,
    );
    // How many leaks each category holds (the tests below check them; an open category's leaks are listed by its test).
    console.log(`leaks by category: ${[...CATEGORIES, OTHER].map((c) => `${c.key} ${results.map((r) => `${r.label} ${r.categories.get(c.key)!.length}`).join(', ')}`).join('; ')}`);
    // Withheld figures the definition equates to published counts, left out (each with why), so a reviewer can check none is a secret.
    for (const r of results) for (const p of r.read.public) console.log(`${r.label}: public, not bounded: ${p.target.what}: ${p.because}`);
    for (const r of results) {
      expect(r.outputs.api.questions.length, `${r.label}: API questions`).toBeGreaterThan(0);
      expect(r.read.threshold, `${r.label}: the threshold the outputs state`).toBe(scenario.threshold);
      expect(r.read.facts.filter((f) => f.kind === 'figure').length, `${r.label}: facts read from the tables`).toBeGreaterThan(100);
      expect(r.read.targets.length, `${r.label}: hidden figures found`).toBeGreaterThan(0);
      expect(r.read.unread, `${r.label}: parts of the outputs the attack could not place`).toEqual([]);
      // The respondent-level file is given (the survey is above the threshold) and every row is read.
      expect(r.read.rows.length, `${r.label}: respondent-level rows read`).toBe(r.wave.answers.length);
      expect(r.read.facts.filter((f) => f.kind === 'file').length, `${r.label}: facts read from respondents.csv`).toBeGreaterThan(0);
      expect(r.unmatched, `${r.label}: rows of respondents.csv that no true respondent's answers give`).toBe(0);
    }
    // The report's trend table is read whole (a measure it names that the attack cannot place would be skipped silently).
    expect(trendRows(results[0]!.outputs.report ?? '').length, 'trend rows in the report').toBeGreaterThan(0);
    expect(trend.unread, 'trend rows the attack could not place').toEqual([]);
    // And the API's changes since the previous wave.
    expect(changes.read, 'API changes since the previous wave').toBeGreaterThan(0);
    expect(changes.unread, 'API changes the attack could not place').toEqual([]);
    // Outputs that contradict the true data are left out of the attack; they are a bug of their own.
    const untrue = results.flatMap((r) => r.stats.untrue);
    if (untrue.length > 0) console.warn(`Outputs that contradict the true answers (left out of the attack):\n${describeUntrue(untrue)}`);
  });

  it('cannot prove a group small from the reasons given for withheld figures', () => {
    expect(
      all('reasons').length,
      `The reasons given for withheld figures ("fewer than 10 responses" / "hidden to protect a smaller group"), set against the published figures, leak:\n${describeFindings(all('reasons'), scenario.threshold)}`,
    ).toBe(0);
  });

  // The leaks of the published figures and of the respondent-level file, one test per category
  // (categories.ts), each listing its leaks with the outputs they need.

  // A: on a question asked under a showIf condition (achievable, asked only if strategy = yes),
  // every group the condition shows publishes its base there (strategy = yes of that group), so
  // a group hidden on the question as cover would cover nothing. The condition question's
  // pattern also protects the grid of those its gating answers send on (protectGate: the groups
  // it hides cover the threshold there too), and the question starts from that pattern.
  it("cannot take a showIf question's hidden cover apart through the condition's shown figure (A)", () => {
    expect(leaksOf('showIf cover').length, describeCategory('showIf cover')).toBe(0);
  });

  // B: role group × directorate cells (and questions asked of one role group only, per
  // directorate: the same cell) were bounded from the answer distributions the results publish
  // per role group and per directorate (finance had no "very engaged" and 4 of 12 seniors were,
  // so senior/finance ≤ 8). Segments.protectCells hides a directorate on a question wherever
  // Fréchet's bound on such a cell, from that question's answers, falls under the threshold.
  it('cannot bound a role group × directorate cell from the published answer distributions (B)', () => {
    expect(leaksOf('cells from answers').length, describeCategory('cells from answers')).toBe(0);
  });

  it('cannot recover a hidden group\'s answers from the merged ("Other") rows of the respondent-level file (C)', () => {
    expect(leaksOf('merged rows').length, describeCategory('merged rows')).toBe(0);
  });

  it("cannot count a hidden group's free-text answers from the respondent-level file with free text (D)", () => {
    expect(leaksOf('free text').length, describeCategory('free text')).toBe(0);
  });

  it('cannot recover a hidden figure, or prove a group small, in any other way (published figures and respondent-level file)', () => {
    expect(leaksOf('other').length, describeCategory('other')).toBe(0);
  });

  it('cannot trace a merged ("Other") row of the respondent-level file to its group', () => {
    expect(all('rows').length, `Rows of respondents.csv exported as "Other" are traced to their group:\n${describeFindings(all('rows'), scenario.threshold)}`).toBe(0);
  });
});
