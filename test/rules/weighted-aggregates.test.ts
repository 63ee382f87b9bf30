/**
 * Aggregates and report agree on a weighted survey: with a workforce profile loaded on a
 * closed wave (through the service, which republishes), aggregates.csv, the API and the
 * report give the same weighted percentages for the total and every shown group, equal to
 * the weighted shares computed here from the answers, and aggregates.csv says it is weighted.
 */
import { describe, expect, it } from 'vitest';
import { uploadWorkforceProfile } from '../../src/admin/waves.js';
import type { GroupRef } from '../../src/analysis/index.js';
import type { TApiResults } from '../../src/reporting/api.js';
import { findSurveyById } from '../../src/storage/surveys.js';
import { testDatabases } from '../support/app.js';
import { closeWave, TEST_ACTOR } from '../support/waves.js';
import {
  AGREE_CODES,
  answersFor,
  createWaveOnWeb,
  halfUp,
  instrumentVersionOf,
  leadSetup,
  mainText,
  parseCsv,
  pressWaveButton,
  publications,
  reportPercent,
  roster,
  share,
  submitAll,
  tableCaptioned,
  text,
  type Setup,
  type Submitted,
} from './support.js';

/** Staff in each role group: frontline staff are many and answer least often, so weighting moves the totals. */
const HEADCOUNT: Record<string, number> = { frontline: 600, manager: 120, senior_executive: 15, head_of_service: 40, it_digital: 25 };
const PROFILE_CSV = `role_group,headcount\n${Object.entries(HEADCOUNT)
  .map(([r, n]) => `${r},${n}`)
  .join('\n')}\n`;
const LEADERS = ['senior_executive', 'head_of_service'];
const STRATEGY_OPTIONS = ['yes', 'no', 'dont_know'];
const MISSING_OPPS = 'Our organisation is missing key opportunities to use digital technology';

/** Leaders mostly know of the strategy; frontline staff mostly do not: the weighted total is well below the plain one. */
function strategyFor(role: string, i: number): string {
  if (LEADERS.includes(role)) return i % 6 === 0 ? 'dont_know' : 'yes';
  if (role === 'frontline') return ['yes', 'no', 'no', 'dont_know'][i % 4]!;
  return ['yes', 'yes', 'no'][i % 3]!;
}
/** Only frontline staff say "don't know" (so every role group's base stays at or above the threshold). */
function missingOppsFor(role: string, i: number): string {
  return role === 'frontline' ? [...AGREE_CODES, 'dont_know'][i % 6]! : AGREE_CODES[(i + 3) % 5]!;
}

function given(): Submitted[] {
  return roster().map((r, i) => answersFor(2000 + i, r.role, r.directorate, { strategy: strategyFor(r.role, i), missing_opps: missingOppsFor(r.role, i) }));
}

/** Who is in a group, from the group's definition (independently of src/analysis/segments.ts). */
function member(ref: GroupRef, r: Submitted): boolean {
  switch (ref.kind) {
    case 'total':
      return true;
    case 'roleGroup':
      return r.role === ref.code;
    case 'directorate':
      return r.directorate === ref.code;
    case 'cell':
      return r.role === ref.roleGroup && r.directorate === ref.directorate;
    case 'leaders':
      return LEADERS.includes(r.role);
    case 'frontline':
      return r.role === 'frontline';
    case 'rest':
      return r.role !== ref.roleGroup;
  }
}

/** The group's name in aggregates.csv, as the file's format is documented (docs/exports.md). */
function csvGroup(ref: GroupRef): string {
  switch (ref.kind) {
    case 'total':
      return 'all respondents';
    case 'roleGroup':
      return ref.code;
    case 'directorate':
      return ref.code === '' ? 'directorate not stated' : ref.code;
    case 'cell':
      return `${ref.roleGroup} / ${ref.directorate === '' ? 'directorate not stated' : ref.directorate}`;
    case 'leaders':
      return 'comparison:leaders';
    case 'frontline':
      return 'comparison:frontline';
    case 'rest':
      return `everyone except ${ref.roleGroup}`;
  }
}

/** Post-stratification weight by role group (the profile has role groups only): headcount over responses. */
function weights(responses: Submitted[]): (r: Submitted) => number {
  const n = new Map<string, number>();
  for (const r of responses) n.set(r.role, (n.get(r.role) ?? 0) + 1);
  return (r) => HEADCOUNT[r.role]! / n.get(r.role)!;
}

/** Kish's design effect n Σw² / (Σw)² over respondents. */
function designEffect(responses: Submitted[], w: (r: Submitted) => number): number {
  const ws = responses.map(w);
  const sum = ws.reduce((a, b) => a + b, 0);
  return (responses.length * ws.reduce((a, b) => a + b * b, 0)) / (sum * sum);
}

interface Expected {
  base: number;
  options: Record<string, number>;
  positive?: number;
  dontKnow?: number;
}

/** The weighted shares for one group, from the answers: strategy (don't know in the base) and missing_opps (an agreement scale: don't know outside it). */
function expected(question: 'strategy' | 'missing_opps', group: Submitted[], w: (r: Submitted) => number): Expected {
  const answered = (a: Submitted['answers']) => typeof a[question] === 'string';
  if (question === 'strategy') {
    return { base: share(group, answered, () => true).base, options: Object.fromEntries(STRATEGY_OPTIONS.map((o) => [o, share(group, answered, (a) => a.strategy === o, w).p])) };
  }
  const inBase = (a: Submitted['answers']) => answered(a) && a.missing_opps !== 'dont_know';
  return {
    base: share(group, inBase, () => true).base,
    options: Object.fromEntries(AGREE_CODES.map((o) => [o, share(group, inBase, (a) => a.missing_opps === o, w).p])),
    positive: share(group, inBase, (a) => a.missing_opps === 'agree' || a.missing_opps === 'strongly_agree', w).p,
    dontKnow: share(group, answered, (a) => a.missing_opps === 'dont_know', w).p,
  };
}

async function download(s: Setup, url: string) {
  const response = await s.app.inject({ method: 'GET', url, headers: { cookie: s.leadCookie } });
  expect(response.statusCode, url).toBe(200);
  return response;
}

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`aggregates, API and report agree on a weighted survey ${database.title}`, () => {
    it('gives the same weighted percentages everywhere, equal to the weighted shares of the answers, and aggregates.csv says it is weighted', { timeout: 300_000 }, async () => {
      const s = await leadSetup(database);
      const db = s.storage.db;
      try {
        const id = await createWaveOnWeb(s.lead, s.organisationId, 'Weighted wave');
        expect((await pressWaveButton(s.lead, id, 'open')).statusCode).toBe(303);
        const answers = given();
        await submitAll(db, { id, instrumentVersionId: await instrumentVersionOf(db, id) }, answers);
        await closeWave(db, id);

        // Before the profile: unweighted, and the file says so.
        const unweighted = parseCsv((await download(s, `/surveys/${id}/exports/aggregates.csv`)).body);
        expect(unweighted[0]).toMatchObject({ question: '', group: 'all respondents', measure: 'weighting', estimate: '' });
        expect(unweighted[0]!.label).toMatch(/^Unweighted: no workforce profile was loaded/);

        // The profile, loaded through the service on the closed wave, republishes it.
        const loaded = await uploadWorkforceProfile(db, TEST_ACTOR, (await findSurveyById(db, id))!, Buffer.from(PROFILE_CSV));
        expect(loaded.ok).toBe(true);
        expect((await publications(db, id)).map((p) => [p.version, p.reason])).toEqual([
          [1, 'close'],
          [2, 'republish'],
        ]);

        const api = (await download(s, `/api/surveys/${id}/results`)).json<TApiResults>();
        const csv = parseCsv((await download(s, `/surveys/${id}/exports/aggregates.csv`)).body);
        const report = (await download(s, `/surveys/${id}/report`)).body;
        expect(api.weighting).toBe('weighted');

        // aggregates.csv says, first, that its figures are weighted, with the design effect computed here.
        const w = weights(answers);
        const deff = designEffect(answers, w);
        expect(deff).toBeGreaterThan(1.1);
        expect(csv[0]).toMatchObject({ question: '', item: '', group: 'all respondents', measure: 'weighting', status: 'shown', count: '', base: '' });
        expect(csv[0]!.label).toMatch(/^Weighted to the workforce profile/);
        expect(csv[0]!.label).toContain(`Design effect ${halfUp(deff, 2).toFixed(2)}`);
        expect(Number(csv[0]!.estimate)).toBe(halfUp(deff, 2));
        expect(text(report)).toContain(`Results are weighted to the workforce profile (raking to role group and directorate headcounts); the design effect is ${deff.toFixed(2)}`);
        // The API says the same: the published design effect and the effective base it leaves.
        expect(api.weightingDesign).toEqual({ method: 'raking to role group and directorate headcounts', designEffect: halfUp(deff, 2), effectiveBase: answers.length / halfUp(deff, 2) });

        // The API's weighted estimates are the weighted shares of the answers, for the total and every shown group.
        const rows = new Map<string, Record<string, string>[]>();
        for (const row of csv) {
          const key = `${row.question}|${row.item}|${row.group}|${row.measure}`;
          rows.set(key, [...(rows.get(key) ?? []), row]);
        }
        const csvRows = (question: string, item: string, ref: GroupRef, measure: string) => {
          const found = rows.get(`${question}|${item}|${csvGroup(ref)}|${measure}`) ?? [];
          expect(found.length, `${question} ${item} ${csvGroup(ref)} ${measure} in aggregates.csv`).toBeGreaterThan(0);
          return found;
        };
        const shownGroups = new Map<string, GroupRef[]>();
        for (const question of ['strategy', 'missing_opps'] as const) {
          const q = api.questions.find((x) => x.question === question && x.item === '')!;
          const shown = q.groups.filter((g) => g.figure.shown);
          shownGroups.set(
            question,
            shown.map((g) => g.group),
          );
          expect(shown.map((g) => g.group)).toEqual(expect.arrayContaining([{ kind: 'total' }, ...Object.keys(HEADCOUNT).map((code) => ({ kind: 'roleGroup', code }))]));
          for (const g of shown) {
            if (!g.figure.shown) continue;
            const e = expected(
              question,
              answers.filter((r) => member(g.group, r)),
              w,
            );
            const where = `${question} ${JSON.stringify(g.group)}`;
            expect(g.figure.value.base, where).toBe(e.base);
            for (const [option, p] of Object.entries(e.options)) expect(g.figure.value.options.find((o) => o.option === option)!.proportion.estimate, `${where} ${option}`).toBeCloseTo(p, 9);
            if (e.positive !== undefined) expect(g.figure.value.positive!.estimate, `${where} positive`).toBeCloseTo(e.positive, 9);
            if (e.dontKnow !== undefined) expect(g.figure.value.dontKnow!.proportion.estimate, `${where} don't know`).toBeCloseTo(e.dontKnow, 9);
          }
        }
        // Weighting changes the whole-organisation figure (otherwise this test could not tell weighted from unweighted).
        const plainYes = share(
          answers,
          (a) => typeof a.strategy === 'string',
          (a) => a.strategy === 'yes',
        ).p;
        const weightedYes = expected('strategy', answers, w).options.yes!;
        expect(Math.abs(plainYes - weightedYes)).toBeGreaterThan(0.05);

        // aggregates.csv equals the API (x100, one decimal, half up) for every closed question, item and shown group, and has no other figures.
        // Rows matched, as a set: the role group "frontline" and the frontline aggregate share a label and the same people.
        const matched = new Set<Record<string, string>>();
        for (const q of api.questions) {
          for (const g of q.groups) {
            if (!g.figure.shown) {
              for (const row of csvRows(q.question, q.item, g.group, 'all')) expect([row.status?.startsWith('withheld'), row.estimate, row.count]).toEqual([true, '', '']);
              continue;
            }
            const v = g.figure.value;
            const measures = [
              ...v.options.map((o) => [`option:${o.option}`, o.proportion] as const),
              ...(v.positive ? [['positive', v.positive] as const] : []),
              ...(v.dontKnow ? [['dont_know', v.dontKnow.proportion] as const] : []),
            ];
            for (const [measure, p] of measures) {
              for (const row of csvRows(q.question, q.item, g.group, measure)) {
                expect([row.estimate, row.ci_lower, row.ci_upper, row.status].map(String), `${q.question} ${q.item} ${csvGroup(g.group)} ${measure}`).toEqual(
                  [halfUp(100 * p.estimate, 1), halfUp(100 * p.lower, 1), halfUp(100 * p.upper, 1), 'shown'].map(String),
                );
                // Weighted: no count that could be mistaken for the numerator of the percentage.
                expect(row.count).toBe('');
                matched.add(row);
              }
            }
          }
        }
        const proportionRows = csv.filter((r) => r.status === 'shown' && /^(option:|positive$|dont_know$)/.test(r.measure ?? ''));
        expect(matched.size).toBe(proportionRows.length);
        expect(matched.size).toBeGreaterThan(500);

        // The report's strategy table: every shown group, each option, as the weighted share of the answers (and the API's figure) rounded.
        const strategy = tableCaptioned(report, 'Answers by role group');
        expect(strategy.rows[0]).toEqual(['Group', 'Yes', 'No', "I don't know", 'Respondents']);
        const label = (ref: GroupRef) =>
          ref.kind === 'total'
            ? 'All'
            : {
                frontline: 'Frontline staff',
                manager: 'Manager or team leader',
                senior_executive: 'Senior executive (chief executive, director or equivalent)',
                head_of_service: 'Head of service',
                it_digital: 'IT or digital team',
              }[(ref as { code: string }).code]!;
        const reportGroups = shownGroups.get('strategy')!.filter((g) => g.kind === 'total' || g.kind === 'roleGroup');
        expect(strategy.rows.slice(1).map((r) => r[0])).toEqual(reportGroups.map(label));
        for (const ref of reportGroups) {
          const e = expected(
            'strategy',
            answers.filter((r) => member(ref, r)),
            w,
          );
          const row = strategy.rows.find((r) => r[0] === label(ref))!;
          expect(row.slice(1), label(ref)).toEqual([...STRATEGY_OPTIONS.map((o) => reportPercent(e.options[o]!)), String(e.base)]);
          const fromCsv = STRATEGY_OPTIONS.map((o) => Number(csvRows('strategy', '', ref, `option:${o}`)[0]!.estimate));
          // The CSV's one decimal and the report's whole number are both roundings of the same weighted share.
          for (const [k, o] of STRATEGY_OPTIONS.entries()) expect(Math.abs(fromCsv[k]! - 100 * e.options[o]!)).toBeLessThanOrEqual(0.05 + 1e-9);
        }

        // The report's agreement table: missing_opps for all respondents, each answer and % favourable, which for
        // this statement (agreeing is unfavourable) is disagree plus strongly disagree.
        const agreement = tableCaptioned(report, 'Agreement with each statement (all respondents)');
        expect(agreement.rows[0]).toEqual(['Statement', 'Strongly disagree', 'Disagree', 'Neither agree nor disagree', 'Agree', 'Strongly agree', '% favourable', 'Respondents']);
        const opps = agreement.rows.find((r) => r[0] === `${MISSING_OPPS} (agreeing is unfavourable)`)!;
        const all = expected('missing_opps', answers, w);
        expect(opps.slice(1)).toEqual([
          ...[...AGREE_CODES].reverse().map((o) => reportPercent(all.options[o]!)),
          reportPercent(all.options.disagree! + all.options.strongly_disagree!),
          String(all.base),
        ]);
        expect(Number(csvRows('missing_opps', '', { kind: 'total' }, 'positive')[0]!.estimate)).toBe(halfUp(100 * all.positive!, 1));
      } finally {
        await s.app.close();
      }
    });

    it('never gives the number of responses of a weighted survey too small to publish', { timeout: 120_000 }, async () => {
      const s = await leadSetup(database);
      const db = s.storage.db;
      try {
        const id = await createWaveOnWeb(s.lead, s.organisationId, 'Small wave');
        expect((await pressWaveButton(s.lead, id, 'open')).statusCode).toBe(303);
        // Eight responses, under the threshold of ten.
        await submitAll(
          db,
          { id, instrumentVersionId: await instrumentVersionOf(db, id) },
          roster({ frontline: 5, manager: 3 }).map((r, i) => answersFor(90 + i, r.role, r.directorate)),
        );
        await closeWave(db, id);
        expect((await uploadWorkforceProfile(db, TEST_ACTOR, (await findSurveyById(db, id))!, Buffer.from('role_group,headcount\nfrontline,100\nmanager,20\n'))).ok).toBe(true);
        const api = (await download(s, `/api/surveys/${id}/results`)).json<TApiResults>();
        expect(api.weighting).toBe('weighted');
        // Withheld with the number of responses, as in the report.
        expect(api.weightingDesign).toBeNull();
        const csv = parseCsv((await download(s, `/surveys/${id}/exports/aggregates.csv`)).body);
        expect(csv[0]!.label).toMatch(/^Weighted to the workforce profile/);
        expect(csv[0]!.estimate).toBe('');
        expect(csv.map((r) => Object.values(r).join(' ')).join('\n')).not.toMatch(/\b8\b/);
        const results = mainText((await download(s, `/surveys/${id}/results`)).body);
        expect(results, 'the results page does not give the count of 8').not.toMatch(/\b8\b/);
        const report = mainText((await download(s, `/surveys/${id}/report`)).body);
        expect(report).toContain('Fewer than 10 responses');
        expect(report, 'the report does not give the count of 8').not.toMatch(/\b8 responses\b/);
      } finally {
        await s.app.close();
      }
    });

    it('never gives the number of responses of a group too small to publish when weighting is refused', { timeout: 120_000 }, async () => {
      const s = await leadSetup(database);
      const db = s.storage.db;
      try {
        const id = await createWaveOnWeb(s.lead, s.organisationId, 'Refused wave');
        expect((await pressWaveButton(s.lead, id, 'open')).statusCode).toBe(303);
        // Two procurement staff answer; the profile has no procurement row, so weighting is refused.
        await submitAll(
          db,
          { id, instrumentVersionId: await instrumentVersionOf(db, id) },
          roster({ frontline: 12, manager: 11, procurement: 2 }).map((r, i) => answersFor(120 + i, r.role, r.directorate)),
        );
        await closeWave(db, id);
        expect((await uploadWorkforceProfile(db, TEST_ACTOR, (await findSurveyById(db, id))!, Buffer.from('role_group,headcount\nfrontline,100\nmanager,20\n'))).ok).toBe(true);
        const api = (await download(s, `/api/surveys/${id}/results`)).json<TApiResults>();
        expect(api.weighting).toBe('refused');
        expect(api.responses.find((r) => r.group.kind === 'roleGroup' && r.group.code === 'procurement')!.figure.shown).toBe(false);
        const csv = parseCsv((await download(s, `/surveys/${id}/exports/aggregates.csv`)).body);
        expect(csv[0]!.label).toMatch(/^Unweighted: a workforce profile was loaded but these responses could not be weighted/);
        expect(csv.map((r) => Object.values(r).join(' ')).join('\n')).not.toMatch(/\b2 response/);
        const report = mainText((await download(s, `/surveys/${id}/report`)).body);
        expect(report).toContain('Weighting to the workforce profile was not possible');
        expect(report, 'the report does not give the count of 2 procurement responses').not.toMatch(/\b2 response/);
      } finally {
        await s.app.close();
      }
    });
  });
}
