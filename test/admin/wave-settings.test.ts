import { describe, expect, it } from 'vitest';
import { createScheduler, scheduleJob } from '../../src/admin/schedule.js';
import { changeWaveSettings, deleteDraftWave, duplicateWave, startOfUkDay, waveJobHandlers, type WaveSettingsForm } from '../../src/admin/wave-settings.js';
import { blankWaveForm, createWave } from '../../src/admin/waves.js';
import { generateResponses } from '../../src/admin/demo.js';
import { Refusal } from '../../src/publications/service.js';
import { listAuditEntries } from '../../src/storage/audit-log.js';
import { migrate, openStorage } from '../../src/storage/db.js';
import { createOrganisation } from '../../src/storage/surveys.js';
import { saveWorkforceProfile, loadWorkforceProfile } from '../../src/storage/workforce-profiles.js';
import { testDatabases } from '../support/app.js';
import { TEST_ACTOR, closeWave, openWave } from '../support/waves.js';

const day = (d: string) => {
  const [year, month, dd] = d.split('-') as [string, string, string];
  return { day: String(Number(dd)), month: String(Number(month)), year };
};
const settings = (changes: Partial<WaveSettingsForm> = {}): WaveSettingsForm => ({ title: 'Wave 2027', threshold: '10', opensOn: day('2027-03-01'), closesOn: day('2027-03-29'), ...changes });
/** A day well before the planned dates, so they are in the future. */
const NOW = new Date('2026-12-01T10:00:00Z');

describe.each(testDatabases)('wave settings, duplicating and deleting $title', (database) => {
  const { skip } = database;
  async function draft() {
    const storage = openStorage(await database.fresh());
    await migrate(storage);
    const organisationId = await createOrganisation(storage.db, { name: 'Test Council', type: 'district', nation: 'England', region: 'South West' });
    const created = await createWave(storage.db, TEST_ACTOR, organisationId, { ...blankWaveForm(), title: 'Wave 2027', threshold: '10' }, undefined, { synthetic: true });
    if (!created.ok) throw new Error('not created');
    const row = () => storage.db.selectFrom('survey').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    const jobs = () => storage.db.selectFrom('scheduled_job').selectAll().where('subject', '=', created.id).orderBy('due_at').execute();
    return { storage, db: storage.db, organisationId, id: created.id, row, jobs };
  }

  it.skipIf(skip)('changes a draft’s title, dates and threshold, planning its opening and closing, audited', async () => {
    const { storage, db, id, row, jobs, organisationId } = await draft();
    const result = await changeWaveSettings(db, TEST_ACTOR, id, settings({ title: 'Digital readiness spring 2027', threshold: '8' }), NOW);
    expect(result).toEqual({ ok: true, changed: ['title "Digital readiness spring 2027"', 'threshold 10 to 8', 'opening date 2027-03-01', 'closing date 2027-03-29'] });
    expect(await row()).toMatchObject({ title: 'Digital readiness spring 2027', suppression_threshold: 8, opens_on: '2027-03-01', closes_on: '2027-03-29', state: 'draft' });
    // 1 March 2027 is in GMT: midnight in London is midnight UTC. The close is at the end of 29 March, which is in BST (from 28 March): 23:00 UTC on the 29th.
    expect((await jobs()).map((j) => [j.kind, j.due_at, j.finished_at])).toEqual([
      ['wave.open', '2027-03-01T00:00:00.000Z', null],
      ['wave.close', '2027-03-29T23:00:00.000Z', null],
    ]);
    // Moving the dates replaces the plan rather than adding to it.
    await changeWaveSettings(db, TEST_ACTOR, id, settings({ title: 'Digital readiness spring 2027', threshold: '8', closesOn: { day: '', month: '', year: '' } }), NOW);
    expect((await jobs()).map((j) => j.kind)).toEqual(['wave.open']);
    const audit = await listAuditEntries(db, organisationId);
    expect(audit.filter((e) => e.action === 'wave.settings').map((e) => e.target)).toEqual([
      `survey ${id} (Digital readiness spring 2027): closing date none`,
      `survey ${id} (Digital readiness spring 2027): title "Digital readiness spring 2027", threshold 10 to 8, opening date 2027-03-01, closing date 2027-03-29`,
    ]);
    await storage.close();
  });

  it.skipIf(skip)('reports every problem at once, each naming its field', async () => {
    const { storage, db, id, row } = await draft();
    const result = await changeWaveSettings(db, TEST_ACTOR, id, settings({ title: ' ', threshold: '3', opensOn: day('2026-11-30'), closesOn: { day: '31', month: '2', year: '2027' } }), NOW);
    expect(result).toEqual({
      ok: false,
      errors: [
        { field: 'title', message: 'Enter a title for the survey' },
        { field: 'threshold', message: 'The threshold must be at least 5: smaller groups cannot be kept anonymous' },
        { field: 'closesOn-day', message: 'The closing date must be a real date, for example 18 12 2026' },
      ],
    });
    const past = await changeWaveSettings(db, TEST_ACTOR, id, settings({ opensOn: day('2026-11-30'), closesOn: day('2026-11-29') }), NOW);
    expect(past).toEqual({
      ok: false,
      errors: [
        { field: 'opensOn-day', message: 'The opening date must be today or later: the survey opens by itself on that day' },
        { field: 'closesOn-day', message: 'The closing date must be today or later: the survey closes by itself at the end of that day' },
        { field: 'closesOn-day', message: 'The closing date must be on or after the opening date' },
      ],
    });
    expect((await row()).title).toBe('Wave 2027');
    await storage.close();
  });

  it.skipIf(skip)('once open, only raises the threshold and keeps the day it opened; once closed, keeps threshold and dates', async () => {
    const { storage, db, id, row } = await draft();
    await openWave(db, id);
    const opened = (await row()).opens_on;
    const lower = await changeWaveSettings(db, TEST_ACTOR, id, settings({ threshold: '9', opensOn: day('2027-05-05') }));
    expect(lower).toEqual({
      ok: false,
      errors: [{ field: 'threshold', message: 'The survey is open, so the threshold can only be raised from 10: respondents were told groups smaller than that stay hidden' }],
    });
    expect((await changeWaveSettings(db, TEST_ACTOR, id, settings({ threshold: '12', opensOn: day('2027-05-05') }))).ok).toBe(true);
    expect(await row()).toMatchObject({ suppression_threshold: 12, opens_on: opened, closes_on: '2027-03-29' });
    await closeWave(db, id);
    const closed = await changeWaveSettings(db, TEST_ACTOR, id, settings({ title: 'Renamed', threshold: '15' }));
    expect(closed).toEqual({ ok: false, errors: [{ field: 'threshold', message: 'The survey is closed: its results are published with a threshold of 12, which cannot change now' }] });
    expect((await changeWaveSettings(db, TEST_ACTOR, id, settings({ title: 'Renamed', threshold: '12' }))).ok).toBe(true);
    expect((await row()).title).toBe('Renamed');
    await storage.close();
  });

  it.skipIf(skip)('opens and closes a wave on its planned dates by itself, the close publishing as a manual one, audited as the schedule', async () => {
    const { storage, db, id, row, jobs, organisationId } = await draft();
    await changeWaveSettings(db, TEST_ACTOR, id, settings(), NOW);
    const scheduler = createScheduler(db, waveJobHandlers);
    expect(await scheduler.tick(new Date('2027-02-28T23:59:59Z'))).toEqual([]);
    expect((await row()).state).toBe('draft');
    expect((await scheduler.tick(new Date('2027-03-01T00:00:01Z'))).map((r) => r.outcome)).toEqual(['opened']);
    expect((await row()).state).toBe('open');
    await generateResponses(db, TEST_ACTOR, id, 30, 3);
    expect(await scheduler.tick(new Date('2027-03-29T22:59:59Z'))).toEqual([]);
    expect((await scheduler.tick(new Date('2027-03-29T23:00:00Z'))).map((r) => r.outcome)).toEqual(['closed and published']);
    expect((await row()).state).toBe('closed');
    const publications = await db.selectFrom('publication').select(['version', 'reason']).where('survey_id', '=', id).execute();
    expect(publications).toEqual([{ version: 1, reason: 'close' }]);
    expect((await jobs()).map((j) => [j.kind, j.outcome, Number(j.attempts)])).toEqual([
      ['wave.open', 'opened', 1],
      ['wave.close', 'closed and published', 1],
    ]);
    // Nothing is left to do: a later tick does nothing.
    expect(await scheduler.tick(new Date('2027-04-01T00:00:00Z'))).toEqual([]);
    const audit = (await listAuditEntries(db, organisationId)).filter((e) => e.action === 'wave.open' || e.action === 'wave.close');
    expect(audit.map((e) => [e.action, e.actorLabel])).toEqual([
      ['wave.close', 'schedule (planned date)'],
      ['wave.open', 'schedule (planned date)'],
    ]);
    await storage.close();
  });

  it.skipIf(skip)('records a planned date that came too late (the lead closed the wave first) without acting twice', async () => {
    const { storage, db, id, jobs } = await draft();
    await changeWaveSettings(db, TEST_ACTOR, id, settings({ opensOn: { day: '', month: '', year: '' } }), NOW);
    await openWave(db, id);
    await closeWave(db, id);
    const done = await createScheduler(db, waveJobHandlers).tick(new Date('2027-04-01T00:00:00Z'));
    expect(done.map((r) => r.outcome)).toEqual(['not closed: This survey is closed, so it cannot be closed']);
    expect((await jobs()).map((j) => j.finished_at === null)).toEqual([false]);
    expect(await db.selectFrom('publication').select('version').where('survey_id', '=', id).execute()).toHaveLength(1);
    await storage.close();
  });

  it.skipIf(skip)('does each due job once when two schedulers tick at the same moment', async () => {
    const { storage, db, organisationId } = await draft();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const created = await createWave(db, TEST_ACTOR, organisationId, { ...blankWaveForm(), title: `Wave ${i}`, threshold: '10' });
      if (!created.ok) throw new Error('not created');
      await openWave(db, created.id);
      await scheduleJob(db, { kind: 'wave.close', subject: created.id, dueAt: new Date('2027-01-01T00:00:00Z') });
      ids.push(created.id);
    }
    const now = new Date('2027-01-02T00:00:00Z');
    const [a, b] = await Promise.all([createScheduler(db, waveJobHandlers).tick(now), createScheduler(db, waveJobHandlers).tick(now)]);
    expect([...a, ...b].map((r) => r.job.subject).sort()).toEqual([...ids].sort());
    expect([...a, ...b].every((r) => r.outcome === 'closed and published')).toBe(true);
    expect(await db.selectFrom('publication').select('survey_id').where('survey_id', 'in', ids).execute()).toHaveLength(6);
    await storage.close();
  });

  it.skipIf(skip)('gives up a job that keeps failing after five tries, keeping the error', async () => {
    const { storage, db, id, jobs } = await draft();
    await scheduleJob(db, { kind: 'test.fail', subject: id, dueAt: new Date('2027-01-01T00:00:00Z') });
    const errors: unknown[] = [];
    const scheduler = createScheduler(db, { 'test.fail': () => Promise.reject(new Error('mail server down')) }, { leaseMs: 1000, onError: (_job, error) => errors.push(error) });
    for (let minute = 0; minute < 6; minute++) await scheduler.tick(new Date(Date.UTC(2027, 0, 2, 0, minute)));
    expect(errors).toHaveLength(5);
    expect((await jobs()).map((j) => [Number(j.attempts), j.outcome])).toEqual([[5, 'failed after 5 attempts: mail server down']]);
    await storage.close();
  });

  it.skipIf(skip)('duplicates a wave: definition, profile and settings, not responses, staff list or dates', async () => {
    const { storage, db, id, organisationId } = await draft();
    await changeWaveSettings(db, TEST_ACTOR, id, settings({ threshold: '11' }), NOW);
    await saveWorkforceProfile(db, id, { cells: [{ roleGroup: 'frontline', directorate: 'housing', headcount: 300 }] });
    await openWave(db, id);
    await generateResponses(db, TEST_ACTOR, id, 12, 5);
    const copy = await duplicateWave(db, TEST_ACTOR, id);
    const [original, duplicate] = await Promise.all(
      [id, copy.id].map((s) =>
        db.selectFrom('survey').select(['instrument_version_id', 'suppression_threshold', 'state', 'title', 'opens_on', 'closes_on', 'slug']).where('id', '=', s).executeTakeFirstOrThrow(),
      ),
    );
    expect(duplicate).toMatchObject({
      instrument_version_id: original!.instrument_version_id,
      suppression_threshold: 11,
      state: 'draft',
      title: 'Copy of Wave 2027',
      opens_on: null,
      closes_on: null,
    });
    expect(duplicate!.slug).not.toBe(original!.slug);
    expect(await loadWorkforceProfile(db, copy.id)).toEqual(await loadWorkforceProfile(db, id));
    expect(await db.selectFrom('response').select('id').where('survey_id', '=', copy.id).execute()).toEqual([]);
    expect((await listAuditEntries(db, organisationId)).map((e) => e.action)).toContain('wave.duplicate');
    await storage.close();
  });

  it.skipIf(skip)('deletes a draft with what was prepared for it; refuses an open wave', async () => {
    const { storage, db, id, organisationId } = await draft();
    await changeWaveSettings(db, TEST_ACTOR, id, settings(), NOW);
    await saveWorkforceProfile(db, id, { cells: [{ roleGroup: 'frontline', directorate: 'housing', headcount: 300 }] });
    const other = await createWave(db, TEST_ACTOR, organisationId, { ...blankWaveForm(), title: 'Open one', threshold: '10' });
    if (!other.ok) throw new Error('not created');
    await openWave(db, other.id);
    await expect(deleteDraftWave(db, TEST_ACTOR, other.id)).rejects.toThrow(new Refusal('This survey is open: only a draft can be deleted, as people may be answering it'));
    expect(await deleteDraftWave(db, TEST_ACTOR, id)).toEqual({ organisationId });
    expect(await db.selectFrom('survey').select('id').where('id', '=', id).execute()).toEqual([]);
    expect(await db.selectFrom('scheduled_job').select('id').where('subject', '=', id).execute()).toEqual([]);
    expect(await db.selectFrom('workforce_profile_cell').select('survey_id').where('survey_id', '=', id).execute()).toEqual([]);
    expect((await listAuditEntries(db, organisationId)).map((e) => e.action)).toContain('wave.delete');
    await storage.close();
  });

  it('starts a UK day at midnight in London, in GMT and in BST', () => {
    expect(startOfUkDay('2027-01-15').toISOString()).toBe('2027-01-15T00:00:00.000Z');
    expect(startOfUkDay('2027-07-15').toISOString()).toBe('2027-07-14T23:00:00.000Z');
  });
});
