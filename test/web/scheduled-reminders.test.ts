import { describe, expect, it } from 'vitest';
import { importStaffList, REMINDER_JOB, sendInvitations } from '../../src/admin/invitations.js';
import { scheduleJob } from '../../src/admin/schedule.js';
import { startFromInvitation } from '../../src/fieldwork/invitations.js';
import { listAuditEntries } from '../../src/storage/audit-log.js';
import { findSurveyById } from '../../src/storage/surveys.js';
import { mailDefaults } from '../../src/web/messages.js';
import { POSTGRES_SKIP_REASON, freshPostgres, postgresUrl } from '../storage/targets.js';
import { capturingMailer, openSurveyDatabase, standardInstrument } from '../support/app.js';
import { databaseEnv, startServer } from '../support/server.js';
import { startFakeSmtp } from '../support/smtp.js';
import { TEST_ACTOR } from '../support/waves.js';

describe.skipIf(!postgresUrl)(`planned reminders sent by two web processes on one PostgreSQL database ${postgresUrl ? '' : `(${POSTGRES_SKIP_REASON})`}`, () => {
  it('reminds everyone invited who has not started exactly once, whichever process gets there first', { timeout: 180_000 }, async () => {
    const target = await freshPostgres();
    const { storage, survey: created } = await openSurveyDatabase(standardInstrument(), target);
    const { db } = storage;
    const survey = (await findSurveyById(db, created.id))!;
    const people = Array.from({ length: 25 }, (_, i) => `person${i}@council.gov.uk`);
    await importStaffList(db, TEST_ACTOR, survey, Buffer.from(['email,role_group,directorate', ...people.map((p) => `${p},frontline,housing`)].join('\n')));
    const invited = capturingMailer('smtp');
    await sendInvitations(db, invited, survey, (token) => `https://sounding.test/i/${token}`, 'invitation', mailDefaults);
    const token = /\/i\/([A-Za-z0-9_-]{32})/.exec(invited.sent.find((m) => m.to === people[0])!.body)![1]!;
    expect((await startFromInvitation(db, token, '192.0.2.1')).outcome).toBe('started');
    // Due a minute ago: both processes find it due on their first tick.
    await scheduleJob(db, { kind: REMINDER_JOB, subject: survey.id, dueAt: new Date(Date.now() - 60_000) });

    const smtp = await startFakeSmtp();
    const env = { ...databaseEnv(target), SCHEDULE_INTERVAL_SECONDS: '1', SMTP_URL: `${smtp.url}?ignoreTLS=true`, PUBLIC_URL: 'https://survey.council.gov.uk' };
    const [a, b] = await Promise.all([startServer(env), startServer(env)]);
    try {
      const recipients = () => smtp.transcript.filter((line) => line.startsWith('RCPT TO:')).map((line) => line.slice('RCPT TO:<'.length, -1));
      const deadline = Date.now() + 120_000;
      while (recipients().length < people.length - 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      // Several more ticks of both processes: nobody is reminded again.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(recipients().sort()).toEqual(people.slice(1).sort());
      // Links are built from PUBLIC_URL, not from the port the process listens on.
      expect(smtp.transcript.some((line) => line.includes('https://survey.council.gov.uk/i/'))).toBe(true);

      const jobs = await db.selectFrom('scheduled_job').select(['kind', 'attempts', 'outcome']).execute();
      expect(jobs.map((j) => [j.kind, Number(j.attempts), j.outcome])).toEqual([[REMINDER_JOB, 1, `${people.length - 1} sent`]]);
      const audit = (await listAuditEntries(db, survey.organisationId)).filter((e) => e.action === 'reminders.sent');
      expect(audit.map((e) => [e.actorLabel, e.target])).toEqual([['schedule (planned date)', `survey ${survey.id}: ${people.length - 1} sent`]]);
      const done = [a, b].flatMap((server) =>
        server
          .output()
          .split('\n')
          .filter((line) => line.includes('"scheduled job done"')),
      );
      expect(done).toHaveLength(1);
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
      smtp.close();
      await storage.close();
    }
  });
});
