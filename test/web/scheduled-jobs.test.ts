import { describe, expect, it } from 'vitest';
import { scheduleJob } from '../../src/admin/schedule.js';
import { generateResponses } from '../../src/admin/demo.js';
import { listAuditEntries } from '../../src/storage/audit-log.js';
import { createSurvey, publishInstrument } from '../../src/storage/surveys.js';
import { POSTGRES_SKIP_REASON, freshPostgres, postgresUrl } from '../storage/targets.js';
import { openSurveyDatabase, standardInstrument } from '../support/app.js';
import { databaseEnv, startServer } from '../support/server.js';
import { TEST_ACTOR, openWave } from '../support/waves.js';

const definition = standardInstrument();

describe.skipIf(!postgresUrl)(`planned work done by two web processes on one PostgreSQL database ${postgresUrl ? '' : `(${POSTGRES_SKIP_REASON})`}`, () => {
  it('closes each wave due to close exactly once, publishing and auditing it once, whichever process gets there first', { timeout: 180_000 }, async () => {
    const target = await freshPostgres();
    const { storage, survey } = await openSurveyDatabase(definition, target);
    const { db } = storage;
    const organisationId = (await db.selectFrom('survey').select('organisation_id').where('id', '=', survey.id).executeTakeFirstOrThrow()).organisation_id;
    const instrumentVersionId = await publishInstrument(db, definition);
    const waves = [survey.id];
    for (const title of ['Wave 2', 'Wave 3', 'Wave 4']) {
      const created = await createSurvey(db, { organisationId, instrumentVersionId, title, synthetic: true });
      await openWave(db, created.id);
      waves.push(created.id);
    }
    for (const [i, id] of waves.entries()) {
      await generateResponses(db, TEST_ACTOR, id, 15, i + 1);
      // Due a minute ago: both processes find every job due on their first tick.
      await scheduleJob(db, { kind: 'wave.close', subject: id, dueAt: new Date(Date.now() - 60_000) });
    }

    const env = { ...databaseEnv(target), SCHEDULE_INTERVAL_SECONDS: '1' };
    const [a, b] = await Promise.all([startServer(env), startServer(env)]);
    try {
      const closed = async () => (await db.selectFrom('survey').select('id').where('id', 'in', waves).where('state', '=', 'closed').execute()).length;
      const deadline = Date.now() + 120_000;
      while ((await closed()) < waves.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      expect(await closed()).toBe(waves.length);
      // Several more ticks of both processes: nothing is done again.
      await new Promise((r) => setTimeout(r, 3_000));

      const publications = await db.selectFrom('publication').select(['survey_id', 'version', 'reason']).where('survey_id', 'in', waves).execute();
      expect(publications.map((p) => [p.survey_id, p.version, p.reason]).sort()).toEqual(waves.map((id) => [id, 1, 'close']).sort());
      const closes = (await listAuditEntries(db, organisationId)).filter((e) => e.action === 'wave.close');
      expect(closes.map((e) => e.actorLabel)).toEqual(waves.map(() => 'schedule (planned date)'));
      expect(closes.map((e) => waves.find((id) => e.target.includes(id))).sort()).toEqual([...waves].sort());
      const jobs = await db.selectFrom('scheduled_job').select(['subject', 'attempts', 'outcome']).execute();
      expect(jobs.map((j) => [j.subject, Number(j.attempts), j.outcome]).sort()).toEqual(waves.map((id) => [id, 1, 'closed and published']).sort());

      // Each process says which jobs it did: together, every job once.
      const done = (output: string) => output.split('\n').filter((line) => line.includes('"scheduled job done"'));
      const subjects = [...done(a.output()), ...done(b.output())].map((line) => (JSON.parse(line) as { subject: string }).subject);
      expect(subjects.sort()).toEqual([...waves].sort());
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
      await storage.close();
    }
  });
});
