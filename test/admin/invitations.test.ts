import { openWave, closeWave, TEST_ACTOR } from '../support/waves.js';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { DatabaseTarget } from '../../src/config.js';
import {
  importStaffList,
  invitationJobHandlers,
  MAX_STAFF,
  NO_OUTBOX_REMINDERS,
  parseStaffList,
  planReminders,
  plannedReminders,
  REMINDER_JOB,
  sendInvitations,
} from '../../src/admin/invitations.js';
import { createScheduler } from '../../src/admin/schedule.js';
import { addressKey, invitationMessages } from '../../src/storage/migrations/014-invitation-messages.js';
import { mailDefaults } from '../../src/web/messages.js';
import type { Mailer, MailMessage } from '../../src/admin/mailer.js';
import { lookUpInvitation, startFromInvitation } from '../../src/fieldwork/invitations.js';
import { segmentCellOf } from '../../src/instrument/definition.js';
import { createRespondentService } from '../../src/fieldwork/respondent.js';
import { seededRandom, syntheticAnswers } from '../../src/fieldwork/synthetic.js';
import { saveAnswers } from '../../src/storage/answer-sessions.js';
import { migrate, openStorage, type Storage } from '../../src/storage/db.js';
import { insertStaffList, invitationCounts } from '../../src/storage/invitations.js';
import { createOrganisation, createSurvey, findSurveyById, publishInstrument, type SurveyWithDefinition } from '../../src/storage/surveys.js';
import { freshPostgres, freshSqlite, postgresUrl, POSTGRES_SKIP_REASON } from '../storage/targets.js';
import { standardInstrument } from '../support/app.js';

const definition = standardInstrument();
/** The address invitation lookups come from (documentation range, RFC 5737). */
const CLIENT = '192.0.2.1';
const csv = (text: string) => Buffer.from(text, 'utf8');

async function openSurvey(target: DatabaseTarget = freshSqlite(), state: 'draft' | 'open' = 'open'): Promise<{ storage: Storage; survey: SurveyWithDefinition }> {
  const storage = openStorage(target);
  await migrate(storage);
  const organisationId = await createOrganisation(storage.db, { name: 'Test Council', type: 'district', nation: 'England', region: 'South West' });
  const instrumentVersionId = await publishInstrument(storage.db, definition);
  const { id } = await createSurvey(storage.db, { organisationId, instrumentVersionId, title: 'Wave 1' });
  if (state === 'open') await openWave(storage.db, id);
  return { storage, survey: (await findSurveyById(storage.db, id))! };
}

/** A mailer that keeps what it was asked to send, and can be told to fail on the nth message; an email service unless told it is the outbox. */
function capturingMailer(failOn?: number, kind: Mailer['kind'] = 'smtp'): Mailer & { messages: MailMessage[] } {
  const messages: MailMessage[] = [];
  return {
    kind,
    messages,
    async send(message) {
      if (failOn !== undefined && messages.length + 1 === failOn) throw new Error('The SMTP server at mail.test did not accept the email (550)');
      messages.push(message);
    },
  };
}

const tokenIn = (message: MailMessage) => /\/i\/([A-Za-z0-9_-]{32})/.exec(message.body)![1]!;
const linkFor = (token: string) => `https://sounding.test/i/${token}`;

describe('reading a staff list', () => {
  it('takes codes or English labels, any header spelling, a byte order mark, and lower-cases emails', () => {
    const result = parseStaffList(
      csv('\uFEFFEmail,Role group,DIRECTORATE\nAna.Jones@Council.gov.uk,frontline,housing\nbo@council.gov.uk,Head of service,"Children\'s services and education"\n'),
      definition,
    );
    expect(result).toEqual({
      ok: true,
      staff: [
        { email: 'ana.jones@council.gov.uk', roleGroup: 'frontline', directorate: 'housing', row: 2 },
        { email: 'bo@council.gov.uk', roleGroup: 'head_of_service', directorate: 'childrens_services', row: 3 },
      ],
    });
  });

  it('names a missing column and refuses columns it does not need', () => {
    const result = parseStaffList(csv('email,role_group,name\na@x.gov.uk,frontline,Ann\n'), definition);
    expect(result).toEqual({
      ok: false,
      more: 0,
      problems: [
        { row: 1, column: 'name', message: 'unknown column "name"; the columns are email, role_group, directorate and nothing else' },
        { row: 1, column: 'directorate', message: 'the header has no directorate column (found: email, role_group, name)' },
      ],
    });
  });

  it('lists every row with bytes that are not UTF-8 (a "CSV" saved by Excel in Windows-1252)', () => {
    const bytes = Buffer.concat([
      csv('email,role_group,directorate\na@x.gov.uk,frontline,housing\n'),
      Buffer.from('b@x.gov.uk,frontline,housing,Sin\xe9ad\n', 'latin1'),
      csv('c@x.gov.uk,manager,housing\n'),
      Buffer.from([0x64, 0x40, 0xff, 0x0a]),
    ]);
    const result = parseStaffList(bytes, definition);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => p.row)).toEqual([3, 5]);
    expect(!result.ok && result.problems[0]!.message).toBe('is not UTF-8 text; save the file as "CSV UTF-8 (comma delimited)" and upload it again');
  });

  it('lists duplicate emails (whatever their case) with the row they repeat, and unknown codes with the choices', () => {
    const result = parseStaffList(
      csv(
        [
          'email,role_group,directorate',
          'a@x.gov.uk,frontline,housing',
          'b@x.gov.uk,janitor,housing',
          'A@X.gov.uk,manager,housing',
          'c@x.gov.uk,manager,parks',
          'not-an-email,manager,housing',
          ',manager,housing',
          'd@x.gov.uk,manager',
        ].join('\n'),
      ),
      definition,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      { row: 3, column: 'role_group', message: expect.stringMatching(/^"janitor" is not a role group of this survey; use one of senior_executive, head_of_service, manager, frontline, /) },
      { row: 4, column: 'email', message: 'a@x.gov.uk is already listed in row 2; list each person once' },
      { row: 5, column: 'directorate', message: expect.stringMatching(/^"parks" is not a directorate of this survey; use one of adult_social_care, /) },
      { row: 6, column: 'email', message: '"not-an-email" is not an email address' },
      { row: 7, column: 'email', message: 'email is missing' },
      { row: 8, message: 'has 2 values but the header has 3 columns' },
    ]);
  });

  it('reports a broken quote with its row rather than failing', () => {
    const result = parseStaffList(csv('email,role_group,directorate\na@x.gov.uk,frontline,housing\n"b@x.gov.uk,frontline,housing\n'), definition);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]!.message).toMatch(/^the file is not valid CSV: /);
  });

  it('refuses 1,000,000 rows in one clear sentence', () => {
    const row = 'someone@council.gov.uk,frontline,housing\n';
    const bytes = Buffer.from('email,role_group,directorate\n' + row.repeat(1_000_000));
    const result = parseStaffList(bytes, definition);
    expect(result).toEqual({
      ok: false,
      more: 0,
      problems: [{ message: `the file has 1,000,001 rows; one upload takes at most ${MAX_STAFF.toLocaleString('en-GB')} people, so split the list into smaller files` }],
    });
  });

  it('lists at most 100 problems and counts the rest', () => {
    const rows = Array.from({ length: 250 }, (_, i) => `p${i}@x.gov.uk,nobody,housing`);
    const result = parseStaffList(csv(['email,role_group,directorate', ...rows].join('\n')), definition);
    expect(result.ok).toBe(false);
    expect(!result.ok && [result.problems.length, result.more, result.problems[99]!.row]).toEqual([100, 150, 101]);
  });
});

describe('importing a staff list', () => {
  it('stores nothing when any row is wrong', async () => {
    const { storage, survey } = await openSurvey();
    const result = await importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\na@x.gov.uk,frontline,housing\nb@x.gov.uk,frontline,nowhere\n'));
    expect(result.ok).toBe(false);
    expect((await invitationCounts(storage.db, survey.id)).listed).toBe(0);
    await storage.close();
  });

  it('keeps people already invited as they are and adds the rest, counting each', async () => {
    const { storage, survey } = await openSurvey();
    expect(await importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\na@x.gov.uk,frontline,housing\n'))).toEqual({
      ok: true,
      listed: 1,
      added: 1,
      alreadyInvited: 0,
    });
    // After a blank line: rows are the file's lines, not positions in the list.
    const again = await importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\n\nb@x.gov.uk,frontline,housing\nA@x.gov.uk,manager,housing\n'));
    expect(again).toEqual({ ok: true, listed: 2, added: 1, alreadyInvited: 1 });
    expect((await invitationCounts(storage.db, survey.id)).listed).toBe(2);
    await storage.close();
  });

  /** Uploads a list of three, sends invitations, lets `starters` start, then uploads the list again with one more person. */
  async function reupload(starters: string[]) {
    const { storage, survey } = await openSurvey();
    const first = 'email,role_group,directorate\na@x.gov.uk,frontline,housing\nb@x.gov.uk,manager,housing\nc@x.gov.uk,frontline,housing\n';
    await importStaffList(storage.db, TEST_ACTOR, survey, csv(first));
    const mailer = capturingMailer();
    await sendInvitations(storage.db, mailer, survey, linkFor, 'invitation', mailDefaults);
    for (const email of starters) expect((await startFromInvitation(storage.db, tokenIn(mailer.messages.find((m) => m.to === email)!), CLIENT)).outcome).toBe('started');
    const again = await importStaffList(storage.db, TEST_ACTOR, survey, csv(`${first}d@x.gov.uk,manager,housing\n`));
    const later = capturingMailer();
    await sendInvitations(storage.db, later, survey, linkFor, 'invitation', mailDefaults);
    const audit = await storage.db.selectFrom('audit_log').select(['action', 'target']).where('action', 'like', 'invitations.import%').orderBy('at').execute();
    const counts = await invitationCounts(storage.db, survey.id);
    await storage.close();
    return { again, invitedNow: later.messages.map((m) => m.to), audit: audit.map((a) => [a.action, a.target.replace(survey.id, 'S')]), listed: counts.listed, sent: counts.sent };
  }

  it('answers a list uploaded again the same whether or not people on it have started, and never invites anyone twice', async () => {
    const nobody = await reupload([]);
    expect(nobody.again).toEqual({ ok: true, listed: 4, added: 1, alreadyInvited: 3 });
    expect(nobody.invitedNow).toEqual(['d@x.gov.uk']);
    expect(nobody.audit).toEqual([
      ['invitations.import', 'survey S: 3 listed, 3 added, 0 already invited'],
      ['invitations.import', 'survey S: 4 listed, 1 added, 3 already invited'],
    ]);
    expect({ listed: nobody.listed, sent: nobody.sent }).toEqual({ listed: 4, sent: 4 });
    // Two of them started (their invitations forgot their addresses): not one thing the lead sees differs.
    expect(await reupload(['a@x.gov.uk', 'c@x.gov.uk'])).toEqual(nobody);
  });

  it('enters addresses already on a staff list when the keyed hashes first come in (migration 014), so they are not invited again', async () => {
    const { storage, survey } = await openSurvey();
    await importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\nwaiting@x.gov.uk,frontline,housing\n'));
    // As a database from before migration 014: the staff list, and none of what 014 makes.
    for (const table of ['invited_address', 'secret', 'wave_message']) await storage.db.schema.dropTable(table).execute();
    await invitationMessages('sqlite').up(storage.db);
    const { value } = await storage.db.selectFrom('secret').select('value').where('name', '=', 'invited-address').executeTakeFirstOrThrow();
    expect(await storage.db.selectFrom('invited_address').select(['survey_id', 'address_key']).execute()).toEqual([
      { survey_id: survey.id, address_key: addressKey(value, 'waiting@x.gov.uk') },
    ]);
    expect(await importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\nwaiting@x.gov.uk,frontline,housing\n'))).toMatchObject({ added: 0, alreadyInvited: 1 });
    await storage.close();
  });

  it('keeps invited addresses only as keyed hashes, not tied to their invitations', async () => {
    const { storage, survey } = await openSurvey();
    await importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\nhashed.person@x.gov.uk,frontline,housing\n'));
    const rows = await storage.db.selectFrom('invited_address').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]!).sort()).toEqual(['address_key', 'survey_id']);
    expect(rows[0]!.address_key).not.toContain('hashed');
    // Not a plain hash anyone could compute from a guessed address.
    const { createHash } = await import('node:crypto');
    for (const encoding of ['hex', 'base64', 'base64url'] as const) expect(rows[0]!.address_key).not.toBe(createHash('sha256').update('hashed.person@x.gov.uk').digest(encoding));
    await storage.close();
  });

  it('audits a refused list too, with the number of problems and no address', async () => {
    const { storage, survey } = await openSurvey();
    await importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\na@x.gov.uk,frontline,nowhere\nb@x.gov.uk,nobody,housing\n'));
    const entries = await storage.db.selectFrom('audit_log').select(['action', 'target']).where('action', '=', 'invitations.import-refused').execute();
    expect(entries).toEqual([{ action: 'invitations.import-refused', target: `survey ${survey.id}: 2 problems` }]);
    await storage.close();
  });

  it('audits the import in its own transaction: one entry with the count and no address, no import entry for a refused list, and no list kept without its entry', async () => {
    const { storage, survey } = await openSurvey();
    const entries = () => storage.db.selectFrom('audit_log').select(['action', 'actor_label', 'organisation_id', 'target']).where('action', '=', 'invitations.import').execute();
    await importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\na@x.gov.uk,frontline,nowhere\n'));
    expect(await entries()).toEqual([]);
    expect((await importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\na@x.gov.uk,frontline,housing\nb@x.gov.uk,manager,housing\n'))).ok).toBe(true);
    expect(await entries()).toEqual([
      { action: 'invitations.import', actor_label: 'test', organisation_id: survey.organisationId, target: `survey ${survey.id}: 2 listed, 2 added, 0 already invited` },
    ]);

    // The audit entry cannot be written: the list is not kept either.
    await storage.db.schema.dropTable('audit_log').execute();
    await expect(importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\nc@x.gov.uk,frontline,housing\n'))).rejects.toThrow();
    expect((await invitationCounts(storage.db, survey.id)).listed).toBe(2);
    await storage.close();
  });

  it('rolls back every batch when the database refuses a row late in a large list', async () => {
    const { storage, survey } = await openSurvey();
    const staff = Array.from({ length: 1_200 }, (_, i) => ({ email: `p${i}@x.gov.uk`, roleGroup: 'frontline', directorate: 'housing', addressKey: `key ${i}` }));
    staff.push({ ...staff[0]! });
    await expect(insertStaffList(storage.db, survey.id, staff)).rejects.toThrow();
    expect((await invitationCounts(storage.db, survey.id)).listed).toBe(0);
    await storage.close();
  });
});

describe('an erased invitation on disk', () => {
  it('leaves no copy of the email in the SQLite file once the log is checkpointed', async () => {
    const target = freshSqlite();
    const { storage, survey } = await openSurvey(target);
    await importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\nerased.person@x.gov.uk,frontline,housing\nkept.person@x.gov.uk,manager,housing\n'));
    const mailer = capturingMailer();
    await sendInvitations(storage.db, mailer, survey, linkFor, 'invitation', mailDefaults);
    const erased = mailer.messages.find((m) => m.to === 'erased.person@x.gov.uk')!;
    expect((await startFromInvitation(storage.db, tokenIn(erased), CLIENT)).outcome).toBe('started');
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(storage.db);
    await storage.close();
    const file = readFileSync(target.kind === 'sqlite' ? target.file : '');
    expect(file.includes('kept.person@x.gov.uk')).toBe(true);
    expect(file.includes('erased.person@x.gov.uk')).toBe(false);
  });
});

describe('sending invitations and reminders', () => {
  it('sends each person a working link once, then reminds only those who have not started', async () => {
    const { storage, survey } = await openSurvey();
    await importStaffList(
      storage.db,
      TEST_ACTOR,
      survey,
      csv('email,role_group,directorate\na@x.gov.uk,frontline,housing\nb@x.gov.uk,manager,housing\nc@x.gov.uk,frontline,finance_corporate\n'),
    );
    const mailer = capturingMailer();
    expect(await sendInvitations(storage.db, mailer, survey, linkFor, 'invitation', mailDefaults)).toEqual({ sent: 3 });
    expect(mailer.messages.map((m) => m.to).sort()).toEqual(['a@x.gov.uk', 'b@x.gov.uk', 'c@x.gov.uk']);
    expect(mailer.messages[0]!.subject).toBe('Cymerwch ran: Wave 1 / Take part: Wave 1');
    expect(await sendInvitations(storage.db, mailer, survey, linkFor, 'invitation', mailDefaults)).toEqual({ sent: 0 });

    const toA = mailer.messages.find((m) => m.to === 'a@x.gov.uk')!;
    expect((await startFromInvitation(storage.db, tokenIn(toA), CLIENT)).outcome).toBe('started');
    expect(await invitationCounts(storage.db, survey.id)).toEqual({ listed: 3, sent: 3, used: 1 });

    const reminders = capturingMailer();
    expect(await sendInvitations(storage.db, reminders, survey, linkFor, 'reminder', mailDefaults)).toEqual({ sent: 2 });
    expect(reminders.messages.map((m) => m.to).sort()).toEqual(['b@x.gov.uk', 'c@x.gov.uk']);
    expect(reminders.messages[0]!.subject).toBe('Nodyn atgoffa: Wave 1 / Reminder: Wave 1');
    // The first link still works after a reminder brought a second one.
    const firstToB = mailer.messages.find((m) => m.to === 'b@x.gov.uk')!;
    const reminderToB = reminders.messages.find((m) => m.to === 'b@x.gov.uk')!;
    expect(tokenIn(firstToB)).not.toBe(tokenIn(reminderToB));
    expect((await startFromInvitation(storage.db, tokenIn(firstToB), CLIENT)).outcome).toBe('started');
    expect((await startFromInvitation(storage.db, tokenIn(reminderToB), CLIENT)).outcome).toBe('used');
    await storage.close();
  });

  it('stops at a mail failure, says how many are left, and sends the rest when tried again', async () => {
    const { storage, survey } = await openSurvey();
    await importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\na@x.gov.uk,frontline,housing\nb@x.gov.uk,manager,housing\nc@x.gov.uk,frontline,housing\n'));
    const flaky = capturingMailer(2);
    expect(await sendInvitations(storage.db, flaky, survey, linkFor, 'invitation', mailDefaults)).toEqual({
      sent: 1,
      failed: { remaining: 2, message: 'The SMTP server at mail.test did not accept the email (550)' },
    });
    const retry = capturingMailer();
    expect(await sendInvitations(storage.db, retry, survey, linkFor, 'invitation', mailDefaults)).toEqual({ sent: 2 });
    expect([...flaky.messages, ...retry.messages].map((m) => m.to).sort()).toEqual(['a@x.gov.uk', 'b@x.gov.uk', 'c@x.gov.uk']);
    await storage.close();
  });

  it('sends nothing for a survey that is not open, and says why', async () => {
    const { storage, survey } = await openSurvey(freshSqlite(), 'draft');
    await importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\na@x.gov.uk,frontline,housing\n'));
    const mailer = capturingMailer();
    const outcome = await sendInvitations(storage.db, mailer, survey, linkFor, 'invitation', mailDefaults);
    expect(outcome.refused).toBe('Open the survey before sending invitations or reminders: links to a survey that is not open do not work');
    expect(mailer.messages).toEqual([]);
    await storage.close();
  });

  it('never writes reminders to the outbox file, which would list who has not started', async () => {
    const { storage, survey } = await openSurvey();
    await importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\na@x.gov.uk,frontline,housing\n'));
    const outbox = capturingMailer(undefined, 'outbox');
    expect(await sendInvitations(storage.db, outbox, survey, linkFor, 'invitation', mailDefaults)).toEqual({ sent: 1 });
    expect(await sendInvitations(storage.db, outbox, survey, linkFor, 'reminder', mailDefaults)).toEqual({ sent: 0, refused: NO_OUTBOX_REMINDERS });
    expect(outbox.messages).toHaveLength(1);
    await storage.close();
  });

  it('reminds each person at most once a day, however many runs ask at once', async () => {
    const { storage, survey } = await openSurvey();
    const people = Array.from({ length: 30 }, (_, i) => `p${i}@x.gov.uk,frontline,housing`);
    await importStaffList(storage.db, TEST_ACTOR, survey, csv(['email,role_group,directorate', ...people].join('\n')));
    await sendInvitations(storage.db, capturingMailer(), survey, linkFor, 'invitation', mailDefaults);
    const mailers = [capturingMailer(), capturingMailer(), capturingMailer()];
    const outcomes = await Promise.all(mailers.map((mailer) => sendInvitations(storage.db, mailer, survey, linkFor, 'reminder', mailDefaults)));
    expect(outcomes.reduce((sum, o) => sum + o.sent, 0)).toBe(30);
    expect(mailers.flatMap((m) => m.messages.map((message) => message.to)).sort()).toEqual(people.map((p) => p.split(',')[0]).sort());
    expect(await sendInvitations(storage.db, capturingMailer(), survey, linkFor, 'reminder', mailDefaults)).toEqual({ sent: 0 });
    await storage.close();
  });

  it("words the email in the wave's languages, naming the organisation, the contact and the link", async () => {
    const { storage, survey } = await openSurvey();
    await importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\na@x.gov.uk,frontline,housing\n'));
    const mailer = capturingMailer();
    await sendInvitations(storage.db, mailer, survey, linkFor, 'invitation', mailDefaults);
    const [message] = mailer.messages;
    // The standard instrument is in Welsh and English, so its emails are too: Welsh first.
    expect(message!.subject).toBe('Cymerwch ran: Wave 1 / Take part: Wave 1');
    expect(message!.body.indexOf('Hoffai Test Council glywed eich barn')).toBe(0);
    expect(message!.body).toContain('\n\n---\n\nTest Council would like to hear what you think in its staff survey, Wave 1.');
    expect(message!.body).toContain(`Start here: ${linkFor(tokenIn(message!))}`);
    expect(message!.body).toContain('If you have questions about the survey, contact the team that sent you this email.');
    expect(message!.body).toContain('never with your name or email address');
    expect(message!.wave).toBe(survey.id);
    expect(message!.personalisation).toMatchObject({ organisation: 'Test Council', survey: 'Wave 1', link: linkFor(tokenIn(message!)), subject: message!.subject, body: message!.body });
    await storage.close();
  });
});

describe('using an invitation', () => {
  it('starts answers with the role group and directorate from the list, and works once', async () => {
    const { storage, survey } = await openSurvey();
    await importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\na@x.gov.uk,head_of_service,housing\n'));
    const mailer = capturingMailer();
    await sendInvitations(storage.db, mailer, survey, linkFor, 'invitation', mailDefaults);
    const token = tokenIn(mailer.messages[0]!);
    expect((await lookUpInvitation(storage.db, token, CLIENT)).outcome).toBe('ready');
    // Looking (as a mail scanner does) does not spend the link.
    expect((await lookUpInvitation(storage.db, token, CLIENT)).outcome).toBe('ready');
    const started = await startFromInvitation(storage.db, token, CLIENT);
    expect(started.outcome).toBe('started');
    if (started.outcome !== 'started') return;
    const session = await createRespondentService(storage.db).session(survey, started.sessionToken);
    expect(session?.answers).toEqual({ role: 'head_of_service', directorate: 'housing' });
    expect((await startFromInvitation(storage.db, token, CLIENT)).outcome).toBe('used');
    expect((await lookUpInvitation(storage.db, token, CLIENT)).outcome).toBe('used');
    expect((await startFromInvitation(storage.db, 'A'.repeat(32), CLIENT)).outcome).toBe('unknown');
    expect((await startFromInvitation(storage.db, '../../etc', CLIENT)).outcome).toBe('unknown');
    await storage.close();
  });

  it('does not start a closed survey', async () => {
    const { storage, survey } = await openSurvey();
    await importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\na@x.gov.uk,frontline,housing\n'));
    const mailer = capturingMailer();
    await sendInvitations(storage.db, mailer, survey, linkFor, 'invitation', mailDefaults);
    await closeWave(storage.db, survey.id);
    expect((await startFromInvitation(storage.db, tokenIn(mailer.messages[0]!), CLIENT)).outcome).toBe('closed');
    expect((await invitationCounts(storage.db, survey.id)).used).toBe(0);
    await storage.close();
  });
});

/**
 * The promise of issue 7: with several invitations used and their responses stored, nothing
 * in the database ties a used invitation to its response.
 */
async function unlinkabilityCheck(target: DatabaseTarget) {
  const { storage, survey } = await openSurvey(target);
  const { db } = storage;
  const random = seededRandom(7);
  // Six people whose answers are known in advance; four in the same segment, so the segment cannot tell them apart either.
  const people = Array.from({ length: 6 }, (_, i) => {
    let answers = syntheticAnswers(definition, random);
    while (i < 4 && (answers.role !== 'frontline' || answers.directorate !== 'housing')) answers = syntheticAnswers(definition, random);
    return { email: `person${i}@council.gov.uk`, answers, cell: segmentCellOf(definition, answers) };
  });
  const list = ['email,role_group,directorate', ...people.map((p) => `${p.email},${p.cell.roleGroup},${p.cell.directorate}`), 'never@council.gov.uk,manager,housing'];
  expect((await importStaffList(db, TEST_ACTOR, survey, csv(list.join('\n')))).ok).toBe(true);
  const mailer = capturingMailer();
  await sendInvitations(db, mailer, survey, linkFor, 'invitation', mailDefaults);
  await sendInvitations(db, capturingMailer(), survey, linkFor, 'reminder', mailDefaults);

  // Everyone starts, in list order; they submit in another order.
  const service = createRespondentService(db);
  const sessions: string[] = [];
  for (const person of people) {
    const started = await startFromInvitation(db, tokenIn(mailer.messages.find((m) => m.to === person.email)!), CLIENT);
    if (started.outcome !== 'started') throw new Error(`invitation not started: ${started.outcome}`);
    sessions.push(started.sessionToken);
  }
  for (const i of [3, 0, 5, 1, 4, 2]) {
    const session = (await service.session(survey, sessions[i]!))!;
    await saveAnswers(db, session.key, { ...session.answers, ...people[i]!.answers });
    expect(await service.submit(survey, (await service.session(survey, sessions[i]!))!)).toBe('stored');
  }

  const invitations = await db.selectFrom('invitation').selectAll().execute();
  const tokens = await db.selectFrom('invitation_token').selectAll().execute();
  const responses = await db.selectFrom('response').selectAll().execute();
  expect(responses).toHaveLength(6);
  const used = invitations.filter((r) => Number(r.used) === 1);
  expect(used).toHaveLength(6);
  // 1. Who it was is gone: a used invitation holds its random id, the survey and "used", nothing else.
  for (const row of used) {
    expect({ ...row, id: 'x', used: Number(row.used) }).toEqual({ id: 'x', survey_id: survey.id, email: null, role_group: null, directorate: null, sent_on: null, reminded_on: null, used: 1 });
  }
  expect(invitations.filter((r) => r.email !== null).map((r) => r.email)).toEqual(['never@council.gov.uk']);
  // 2. No shared value: nothing of an invitation or its links appears anywhere in a response row.
  const responseValues = new Set(responses.flatMap((r) => Object.values(r).map(String)));
  for (const value of [...used.map((r) => r.id), ...tokens.map((t) => t.token_hash)]) expect(responseValues.has(value)).toBe(false);
  for (const response of responses) for (const row of [...used, ...tokens]) expect(JSON.stringify(row)).not.toContain(response.id);
  // 3. No order: used invitations are stored in the order of their random ids, not of their use.
  const byId = [...used].sort((a, b) => (a.id < b.id ? -1 : 1)).map((r) => r.id);
  if (target.kind === 'sqlite') expect(used.map((r) => r.id)).toEqual(byId);
  // 4. Nothing else was kept: no table beyond these holds an email address.
  const addresses = await db.selectFrom('answer_session').selectAll().execute();
  expect(JSON.stringify(addresses)).not.toMatch(/council\.gov\.uk/);
  await storage.close();
}

describe('a used invitation cannot be linked to its response', () => {
  it('on SQLite', () => unlinkabilityCheck(freshSqlite()));
  it.skipIf(!postgresUrl)(`on PostgreSQL${postgresUrl ? '' : ` (${POSTGRES_SKIP_REASON})`}`, async () => unlinkabilityCheck(await freshPostgres()));
});

describe('planned reminders', () => {
  const day = (date: Date) => ({ day: String(date.getUTCDate()), month: String(date.getUTCMonth() + 1), year: String(date.getUTCFullYear()) });
  const NOW = new Date('2026-11-30T12:00:00Z');

  it('refuses a day that is past, after the closing date, not a date, taken already, or any day when mail goes to the outbox', async () => {
    const { storage, survey } = await openSurvey();
    const mailer = capturingMailer();
    const plan = (parts: { day: string; month: string; year: string }, on = survey, via: Mailer = mailer) => planReminders(storage.db, TEST_ACTOR, on, via, parts, NOW);
    const refusal = async (result: ReturnType<typeof plan>) => {
      const outcome = await result;
      return outcome.ok ? 'accepted' : outcome.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    };
    expect(await refusal(plan({ day: '', month: '', year: '' }))).toBe('on-day: Enter the date to send reminders on, for example 18 12 2026');
    expect(await refusal(plan({ day: '31', month: '2', year: '2027' }))).toBe('on-day: The reminder date must be a real date, for example 18 12 2026');
    expect(await refusal(plan(day(new Date('2026-11-29T12:00:00Z'))))).toBe('on-day: The reminder date must be today or later');
    expect(await refusal(plan(day(new Date('2026-12-20T12:00:00Z')), { ...survey, closesOn: '2026-12-18' }))).toBe(
      'on-day: The reminder date must be on or before the closing date, when the survey stops taking answers',
    );
    expect(await refusal(plan(day(NOW), survey, capturingMailer(undefined, 'outbox')))).toBe(`on-day: ${NO_OUTBOX_REMINDERS}`);
    expect(await plan(day(NOW))).toEqual({ ok: true, on: '2026-11-30' });
    expect(await refusal(plan(day(NOW)))).toBe('on-day: Reminders are already planned for that day');
    expect((await plannedReminders(storage.db, survey.id)).map((p) => p.on)).toEqual(['2026-11-30']);
    const audit = await storage.db.selectFrom('audit_log').select(['action', 'target']).where('action', '=', 'reminders.planned').execute();
    expect(audit).toEqual([{ action: 'reminders.planned', target: `survey ${survey.id}: reminders on 2026-11-30` }]);
    await storage.close();
  });

  it('are sent once by whichever of two schedulers claims them, to those invited who have not started', async () => {
    const { storage, survey } = await openSurvey();
    await importStaffList(storage.db, TEST_ACTOR, survey, csv('email,role_group,directorate\na@x.gov.uk,frontline,housing\nb@x.gov.uk,manager,housing\nc@x.gov.uk,frontline,housing\n'));
    const invited = capturingMailer();
    await sendInvitations(storage.db, invited, survey, linkFor, 'invitation', mailDefaults);
    expect((await startFromInvitation(storage.db, tokenIn(invited.messages.find((m) => m.to === 'a@x.gov.uk')!), CLIENT)).outcome).toBe('started');
    const mailer = capturingMailer();
    expect((await planReminders(storage.db, TEST_ACTOR, survey, mailer, day(new Date()))).ok).toBe(true);
    const schedulers = [0, 1].map(() => createScheduler(storage.db, invitationJobHandlers(mailer, 'https://sounding.test', mailDefaults)));
    // A day later, so the morning's job is due whatever the time of day the test runs.
    const later = new Date(Date.now() + 86_400_000);
    const ticks = await Promise.all(schedulers.map((s) => s.tick(later)));
    expect(ticks.flat().map((t) => [t.job.kind, t.outcome])).toEqual([[REMINDER_JOB, '2 sent']]);
    expect(mailer.messages.map((m) => m.to).sort()).toEqual(['b@x.gov.uk', 'c@x.gov.uk']);
    expect(mailer.messages[0]!.subject).toBe('Nodyn atgoffa: Wave 1 / Reminder: Wave 1');
    expect((await Promise.all(schedulers.map((s) => s.tick(later)))).flat()).toEqual([]);
    expect(await plannedReminders(storage.db, survey.id)).toEqual([]);
    const audit = await storage.db.selectFrom('audit_log').select(['action', 'actor_label', 'target']).where('action', '=', 'reminders.sent').execute();
    expect(audit).toEqual([{ action: 'reminders.sent', actor_label: 'schedule (planned date)', target: `survey ${survey.id}: 2 sent` }]);
    await storage.close();
  });
});
