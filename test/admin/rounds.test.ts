import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoIfEmpty } from '../../src/admin/demo.js';
import {
  answerInvitation,
  closeRound,
  createRound,
  HOST_TYPE,
  invitableOrganisations,
  inviteToRound,
  leaveRound,
  linkWaveToRound,
  roundFormOfDays,
  roundParticipation,
} from '../../src/admin/rounds.js';
import type { BenchmarkResult } from '../../src/analysis/benchmark.js';
import { Refusal } from '../../src/publications/service.js';
import { buildReport } from '../../src/reporting/report.js';
import { loadSurveyResults } from '../../src/reporting/survey-data.js';
import { migrate, openStorage, type Storage } from '../../src/storage/db.js';
import { createOrganisation, createSurvey, publishInstrument } from '../../src/storage/surveys.js';
import { standardInstrument, testDatabases } from '../support/app.js';
import { insertAnswers } from '../support/rounds.js';
import { closeWave, openWave, TEST_ACTOR } from '../support/waves.js';

const definition = standardInstrument();

/** Six councils with published results, and a seventh whose wave has too few responses for any figure. */
const COUNCILS = [
  { name: 'Alder District Council', type: 'district', nation: 'England', region: 'South West', responses: 40, engaged: 'very' },
  { name: 'Birch District Council', type: 'district', nation: 'England', region: 'South West', responses: 35, engaged: undefined },
  { name: 'Cedar District Council', type: 'district', nation: 'England', region: 'South East', responses: 30, engaged: 'not_very' },
  { name: 'Damson County Council', type: 'county', nation: 'England', region: 'South West', responses: 45, engaged: undefined },
  { name: 'Elm District Council', type: 'district', nation: 'England', region: 'South West', responses: 30, engaged: 'quite' },
  { name: 'Fir County Borough Council', type: 'district', nation: 'Wales', region: 'Wales', responses: 25, engaged: 'not_at_all' },
  { name: 'Gorse Council', type: 'unitary', nation: 'Scotland', region: 'Scotland', responses: 6, engaged: undefined },
] as const;

async function refusal(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

/** Every median and quartile the benchmark gives, with the measure. */
function shownQuantiles(results: BenchmarkResult[]) {
  return results.flatMap((r) =>
    r.comparators.flatMap((c) => (c.figure.shown ? [c.figure.value.lowerQuartile, c.figure.value.median, c.figure.value.upperQuartile].map((q) => ({ measure: r.measure, q })) : [])),
  );
}

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`benchmark rounds ${database.title}`, () => {
    let storage: Storage;
    let hostId: string;
    let roundId: string;
    let instrumentVersionId: string;
    const councils: { id: string; waveId: string; name: string }[] = [];
    let before: BenchmarkResult[];

    beforeAll(async () => {
      storage = openStorage(await database.fresh());
      await migrate(storage);
      const db = storage.db;
      // The demo first, as `npm start` seeds it into an empty database: its councils and round must never reach a real one.
      await seedDemoIfEmpty(db, 60);
      instrumentVersionId = await publishInstrument(db, definition);
      hostId = await createOrganisation(db, { name: 'South West Digital Partnership', type: HOST_TYPE, nation: 'England', region: 'South West' });
      for (const c of COUNCILS) {
        const id = await createOrganisation(db, { name: c.name, type: c.type, nation: c.nation, region: c.region });
        const wave = await createSurvey(db, { organisationId: id, instrumentVersionId, title: `${c.name} 2026` });
        councils.push({ id, waveId: wave.id, name: c.name });
      }
    }, 240_000);
    afterAll(async () => storage?.close());

    it('only a host creates a round, and the form’s problems come back by field', async () => {
      const db = storage.db;
      expect((await refusal(createRound(db, TEST_ACTOR, councils[0]!.id, roundFormOfDays('Round', '2026-10-01', '2026-11-30')))).message).toBe(
        'Alder District Council is a district, not a host: only a host organisation runs benchmark rounds',
      );
      const bad = await createRound(db, TEST_ACTOR, hostId, roundFormOfDays('', '2026-11-31', '2026-10-01'));
      expect(bad).toEqual({
        ok: false,
        errors: [
          { field: 'title', message: 'Enter a title for the round' },
          { field: 'opensOn-day', message: 'The opening date must be a real date, for example 18 12 2026' },
        ],
      });
      const backwards = await createRound(db, TEST_ACTOR, hostId, roundFormOfDays('Round', '2026-11-01', '2026-10-01'));
      expect(backwards).toEqual({ ok: false, errors: [{ field: 'closesOn-day', message: 'The closing date must be on or after the opening date' }] });
      const created = await createRound(db, TEST_ACTOR, hostId, roundFormOfDays('South West benchmark 2026', '2026-10-01', '2026-11-30'));
      if (!created.ok) throw new Error('round not created');
      roundId = created.id;
      const audit = await db.selectFrom('audit_log').select(['action', 'organisation_id']).where('action', '=', 'round.create').where('organisation_id', '=', hostId).execute();
      expect(audit).toEqual([{ action: 'round.create', organisation_id: hostId }]);
    });

    it('invites each council once; the demo’s councils and hosts are never invited to a real round', async () => {
      const db = storage.db;
      const invitable = await invitableOrganisations(db, roundId);
      expect(invitable.map((o) => o.name)).toEqual(COUNCILS.map((c) => c.name).sort());
      for (const c of councils) await inviteToRound(db, TEST_ACTOR, roundId, c.id);
      expect((await refusal(inviteToRound(db, TEST_ACTOR, roundId, councils[0]!.id))).message).toMatch(
        /^Alder District Council has already been invited and has not answered yet \(invited on \d{4}-\d\d-\d\d\): a council is invited to a round once$/,
      );
      const demo = await db.selectFrom('organisation').select('id').where('name', '=', 'Demo Borough Council').executeTakeFirstOrThrow();
      expect((await refusal(inviteToRound(db, TEST_ACTOR, roundId, demo.id))).message).toBe(
        'Demo Borough Council is a demonstration organisation: its synthetic answers never go into a real round or benchmark',
      );
      expect((await refusal(inviteToRound(db, TEST_ACTOR, roundId, hostId))).message).toBe('South West Digital Partnership is a host organisation: only councils take part in a round');
      expect(await db.selectFrom('round_participant').select('organisation_id').where('round_id', '=', roundId).execute()).toHaveLength(COUNCILS.length);
    });

    it('a council’s admin accepts, links one wave and no second; the host sees participation, never results', async () => {
      const db = storage.db;
      for (const c of councils) {
        expect((await refusal(linkWaveToRound(db, TEST_ACTOR, roundId, c.id, c.waveId))).message).toBe('Accept the invitation to South West benchmark 2026 before linking a wave to it');
        await answerInvitation(db, TEST_ACTOR, roundId, c.id, true);
        await linkWaveToRound(db, TEST_ACTOR, roundId, c.id, c.waveId);
      }
      expect((await refusal(answerInvitation(db, TEST_ACTOR, roundId, councils[0]!.id, true))).message).toBe(
        'This council has already joined South West benchmark 2026: the invitation has been answered',
      );
      const alder = councils[0]!;
      const second = await createSurvey(db, { organisationId: alder.id, instrumentVersionId, title: 'Alder second wave' });
      expect((await refusal(linkWaveToRound(db, TEST_ACTOR, roundId, alder.id, second.id))).message).toBe(
        'Alder District Council 2026 is already this council’s wave in South West benchmark 2026: a council contributes one wave to a round, so Alder second wave cannot join it too'.replace(
          '’',
          "'",
        ),
      );
      // Another council's wave is not this council's to link: as if it did not exist.
      expect((await refusal(linkWaveToRound(db, TEST_ACTOR, roundId, alder.id, councils[1]!.waveId))).status).toBe(404);

      for (const [k, c] of councils.entries()) {
        await openWave(db, c.waveId);
        const { responses, engaged } = COUNCILS[k]!;
        await insertAnswers(db, { id: c.waveId, instrumentVersionId }, definition, responses, 10 + k, (a) => (engaged ? { ...a, engaged } : a));
      }
      const watched = await roundParticipation(db, roundId);
      expect(watched.totals).toEqual({ invited: 7, joined: 7, opened: 7, closed: 0 });
      // By type: districts 40 + 35 + 30 + 30 + 25 = 160; one county, 45; one unitary whose 6 responses are under the threshold.
      expect(watched.byType).toEqual([
        { value: 'county', councils: 1, responses: 45 },
        { value: 'district', councils: 5, responses: 160 },
        { value: 'unitary', councils: 1, responses: undefined },
      ]);
      expect(watched.byNation).toEqual([
        { value: 'England', councils: 5, responses: 180 },
        { value: 'Scotland', councils: 1, responses: undefined },
        { value: 'Wales', councils: 1, responses: 25 },
      ]);
      // Nothing of a council's results: only states and counts.
      expect(Object.keys(watched).sort()).toEqual(['byNation', 'byType', 'councils', 'round', 'threshold', 'totals']);
      expect(Object.keys(watched.councils[0]!).sort()).toEqual(['name', 'state', 'wave']);
    });

    it('refuses to close the round while councils are in fieldwork, naming them', async () => {
      const db = storage.db;
      for (const c of councils.slice(0, 5)) await closeWave(db, c.waveId);
      expect((await refusal(closeRound(db, TEST_ACTOR, roundId))).message).toBe(
        "South West benchmark 2026 cannot close while 2 councils are still in fieldwork (Fir County Borough Council, Gorse Council): each council's lead closes its own wave first, so the round takes every published result at once",
      );
      expect((await roundParticipation(db, roundId)).round.state).toBe('open');
    });

    it('a council may leave before its wave closes (audited), never after its results are published', async () => {
      const db = storage.db;
      const alder = councils[0]!;
      expect((await refusal(leaveRound(db, TEST_ACTOR, roundId, alder.id))).message).toBe(
        'This council cannot leave South West benchmark 2026: its wave Alder District Council 2026 has closed and its results are published into the round, and taking them out now would change the benchmark other councils have been shown',
      );
      // Gorse, still in fieldwork, leaves: its wave stays its own, out of the round.
      const gorse = councils[6]!;
      await leaveRound(db, TEST_ACTOR, roundId, gorse.id);
      const left = await db.selectFrom('audit_log').select(['organisation_id', 'target']).where('action', '=', 'round.leave').orderBy('organisation_id').execute();
      expect(left.map((a) => a.organisation_id).sort()).toEqual([gorse.id, hostId].sort());
      expect((await refusal(leaveRound(db, TEST_ACTOR, roundId, gorse.id))).status).toBe(404);
    });

    it('before the round closes no council sees a benchmark; decoy waves of its own never count', async () => {
      const db = storage.db;
      const alder = councils[0]!;
      const results = await loadSurveyResults(db, alder.waveId);
      expect(results!.benchmark.round?.state).toBe('open');
      expect(results!.benchmark.results).toEqual([]);
      // A decoy wave closed before the round does: not in the round, so it never counts.
      const decoy = await createSurvey(db, { organisationId: alder.id, instrumentVersionId, title: 'Alder decoy 1' });
      await openWave(db, decoy.id);
      await insertAnswers(db, { id: decoy.id, instrumentVersionId }, definition, 50, 99, (a) => ({ ...a, engaged: 'not_at_all' }));
      await closeWave(db, decoy.id);
      await closeWave(db, councils[5]!.waveId);
      expect(await closeRound(db, TEST_ACTOR, roundId)).toEqual({ contributing: 6, notContributing: 0 });
      before = (await loadSurveyResults(db, alder.waveId))!.benchmark.results;
      expect(before.length).toBeGreaterThan(10);
    });

    it('a council’s benchmark comes from the round’s six publications, and more decoy waves of its own do not move it', async () => {
      const db = storage.db;
      const alder = councils[0]!;
      const results = (await loadSurveyResults(db, alder.waveId))!;
      expect(results.benchmark.organisations).toBe(6);
      const engagement = results.benchmark.results.find((r) => r.measure === 'index:engagement')!;
      const all = engagement.comparators.find((c) => c.set === 'all')!;
      expect(all.figure.shown && all.figure.value.organisations).toBe(6);
      // Five districts (Fir is a Welsh district) make the type comparison; four English districts and a county are not enough by region.
      expect(engagement.comparators.map((c) => [c.set, c.value, c.figure.shown])).toEqual([
        ['all', undefined, true],
        ['type', 'district', true],
        ['nation', 'England', true],
        ['region', 'South West', false],
      ]);
      for (let k = 2; k <= 3; k++) {
        const decoy = await createSurvey(db, { organisationId: alder.id, instrumentVersionId, title: `Alder decoy ${k}` });
        await openWave(db, decoy.id);
        await insertAnswers(db, { id: decoy.id, instrumentVersionId }, definition, 60, 100 + k, (a) => ({ ...a, engaged: k === 2 ? 'very' : 'not_at_all' }));
        await closeWave(db, decoy.id);
        expect(await loadSurveyResults(db, decoy.id).then((r) => r!.benchmark)).toEqual({ organisations: 0, results: [] });
      }
      expect((await loadSurveyResults(db, alder.waveId))!.benchmark.results).toEqual(before);
    });

    it('never gives one organisation’s exact figure as a median or quartile, and names no other council', async () => {
      const db = storage.db;
      const contributed = await db
        .selectFrom('round_participant')
        .innerJoin('publication', (j) => j.onRef('publication.survey_id', '=', 'round_participant.survey_id').onRef('publication.version', '=', 'round_participant.publication_version'))
        .select('publication.headline')
        .where('round_id', '=', roundId)
        .execute();
      expect(contributed).toHaveLength(6);
      const figures = contributed.map((c) => JSON.parse(c.headline) as Record<string, number>);
      let checked = 0;
      for (const c of councils.slice(0, 6)) {
        const results = (await loadSurveyResults(db, c.waveId))!;
        for (const { measure, q } of shownQuantiles(results.benchmark.results)) {
          expect(
            figures.map((f) => f[measure]),
            `${measure}`,
          ).not.toContain(q);
          checked++;
        }
        const report = await buildReport(results);
        const section = JSON.stringify(report.sections.find((s) => s.id === 'benchmark'));
        expect(section).toContain('South West benchmark 2026');
        for (const other of councils.filter((o) => o.id !== c.id)) expect(section).not.toContain(other.name);
      }
      expect(checked).toBeGreaterThan(100);
    });

    it('refuses changes to a closed round: no invitation, no wave, no leaving', async () => {
      const db = storage.db;
      const late = await createOrganisation(db, { name: 'Hazel Council', type: 'district', nation: 'England', region: 'South West' });
      expect((await refusal(inviteToRound(db, TEST_ACTOR, roundId, late))).message).toBe('South West benchmark 2026 has closed: no more councils can be invited');
      expect((await refusal(closeRound(db, TEST_ACTOR, roundId))).message).toBe('South West benchmark 2026 has already closed');
      expect((await refusal(leaveRound(db, TEST_ACTOR, roundId, councils[5]!.id))).message).toMatch(/^This council cannot leave South West benchmark 2026: /);
    });

    it('keeps the demo’s synthetic councils in the demo round only', async () => {
      const db = storage.db;
      const demoRound = await db.selectFrom('benchmark_round').select(['id', 'synthetic']).where('title', '=', 'Demo benchmark round 2025').executeTakeFirstOrThrow();
      expect(Number(demoRound.synthetic)).toBe(1);
      const inDemo = await db
        .selectFrom('round_participant')
        .innerJoin('organisation', 'organisation.id', 'round_participant.organisation_id')
        .select(['organisation.synthetic', 'round_participant.state'])
        .where('round_id', '=', demoRound.id)
        .execute();
      expect(inDemo.length).toBeGreaterThanOrEqual(7);
      expect(inDemo.every((p) => Number(p.synthetic) === 1 && p.state === 'joined')).toBe(true);
      // A newcomer sees a benchmark in the demo council's closed wave: the demo round's seven councils.
      const demoWave = await db
        .selectFrom('survey')
        .select('id')
        .where('title', '=', 'Digital readiness 2025')
        .where('organisation_id', 'in', db.selectFrom('organisation').select('id').where('name', '=', 'Demo Borough Council'))
        .executeTakeFirstOrThrow();
      const demoBenchmark = (await loadSurveyResults(db, demoWave.id))!.benchmark;
      expect(demoBenchmark.round?.title).toBe('Demo benchmark round 2025');
      expect(demoBenchmark.organisations).toBe(7);
      expect(demoBenchmark.results.some((r) => r.comparators.some((c) => c.set === 'all' && c.figure.shown))).toBe(true);
      // And the real round's councils see only their six.
      expect((await loadSurveyResults(db, councils[0]!.waveId))!.benchmark.organisations).toBe(6);
      // No synthetic organisation in the real round; and no real council can be invited to the demo's.
      const synthetic = await db
        .selectFrom('round_participant')
        .innerJoin('organisation', 'organisation.id', 'round_participant.organisation_id')
        .select('organisation.name')
        .where('round_id', '=', roundId)
        .where('organisation.synthetic', '=', 1)
        .execute();
      expect(synthetic).toEqual([]);
      expect((await refusal(inviteToRound(db, TEST_ACTOR, demoRound.id, councils[0]!.id))).message).toMatch(/only demonstration organisations take part in it$/);
    });
  });
}
