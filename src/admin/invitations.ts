import { CsvError, parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import { auditBy, recordAudit, type Actor } from './audit.js';
import { z } from 'zod';
import { newToken, today } from '../fieldwork/respondent.js';
import { Refusal } from '../publications/service.js';
import { findQuestion, type TDefinition } from '../instrument/definition.js';
import { localise } from '../instrument/text.js';
import {
  addInvitationToken,
  claimInvitationSend,
  insertStaffList,
  invitationsToSend,
  invitedAddressKeyer,
  invitedAddressKeys,
  releaseInvitationSend,
  type StaffMember,
} from '../storage/invitations.js';
import type { Database } from '../storage/schema.js';
import { normaliseEmail } from '../storage/users.js';
import { findSurveyById, type SurveyWithDefinition } from '../storage/surveys.js';
import { checkWaveMessages, loadWaveMessages, renderMail, type MailDefaults, type MailKind, type MailSurvey } from './invitation-messages.js';
import type { Mailer } from './mailer.js';
import { cancelPendingJob, pendingJobs, scheduleJob, type JobHandler } from './schedule.js';
import { SCHEDULE_ACTOR, startOfUkDay } from './wave-settings.js';
import { readDate, type DayParts, type FieldError } from './waves.js';

/** The largest staff list taken in one upload: more than any council employs. */
export const MAX_STAFF = 100_000;
/** Problems listed for one upload; a file wrong in every row says so once, not a million times. */
const MAX_PROBLEMS = 100;

export interface StaffListProblem {
  /** The line in the file (the header is row 1). */
  row?: number;
  column?: string;
  message: string;
}

/** Each person with the row they were on, so later checks can name it. */
export type StaffListResult = { ok: true; staff: (StaffMember & { row: number })[] } | { ok: false; problems: StaffListProblem[]; more: number };

const COLUMNS = ['email', 'role_group', 'directorate'] as const;
type Column = (typeof COLUMNS)[number];
const ZEmail = z.email();

/** "Role group", "role-group" and "ROLE_GROUP" all name the role_group column. */
function columnName(header: string): string {
  return header
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/** Codes and English labels of a segment question's options, so a list may use either. */
function segmentOptions(definition: TDefinition, code: string | undefined): Map<string, string> {
  const question = code ? findQuestion(definition, code) : undefined;
  const options = question && question.type === 'single' ? question.options : [];
  return new Map(options.flatMap((o) => [[o.code.toLowerCase(), o.code] as const, [localise(o.label, 'en').toLowerCase(), o.code] as const]));
}

/** A CSV upload's records, each with the line it ends on; or why the file cannot be read (not UTF-8, by line; not CSV). */
export function readCsvRecords(bytes: Buffer): { ok: true; records: CsvRecord[] } | { ok: false; problems: { row?: number; message: string }[] } {
  const bad = linesWithBadBytes(bytes);
  if (bad.length > 0) return { ok: false, problems: bad.map((row) => ({ row, message: 'is not UTF-8 text; save the file as "CSV UTF-8 (comma delimited)" and upload it again' })) };
  try {
    // csv-parse's types do not follow the `info` option: records come as { record, info }.
    return { ok: true, records: parse(bytes.toString('utf8'), { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as CsvRecord[] };
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = (error as CsvError & { lines?: number }).lines;
    return { ok: false, problems: [{ ...(line ? { row: line } : {}), message: `the file is not valid CSV: ${error.message}` }] };
  }
}

export interface CsvRecord {
  record: string[];
  info: { lines: number };
}

/** Line numbers (from 1) holding bytes that are not UTF-8. */
export function linesWithBadBytes(bytes: Buffer): number[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const bad: number[] = [];
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    const end = bytes.indexOf(0x0a, start);
    const stop = end === -1 ? bytes.length : end;
    try {
      decoder.decode(bytes.subarray(start, stop));
    } catch {
      bad.push(line);
    }
    start = stop + 1;
  }
  return bad;
}

export function countLines(bytes: Buffer): number {
  let lines = 0;
  for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) lines++;
  return bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? lines + 1 : lines;
}

function failed(problems: StaffListProblem[]): StaffListResult {
  return { ok: false, problems: problems.slice(0, MAX_PROBLEMS), more: Math.max(0, problems.length - MAX_PROBLEMS) };
}

/**
 * Reads a staff list CSV (columns email, role_group and directorate, in any order; role
 * groups and directorates by code or by English label). All or nothing: every problem is
 * reported with its row, and no staff are returned unless the whole file is right.
 * Other columns are refused rather than ignored, so no more personal data is uploaded than
 * the invitations need.
 */
export function parseStaffList(bytes: Buffer, definition: TDefinition): StaffListResult {
  if (bytes.length === 0) return failed([{ message: 'the file is empty: it needs a header row (email, role_group, directorate) and a row per person' }]);
  const lines = countLines(bytes);
  if (lines > MAX_STAFF + 1) {
    return failed([
      { message: `the file has ${lines.toLocaleString('en-GB')} rows; one upload takes at most ${MAX_STAFF.toLocaleString('en-GB')} people, so split the list into smaller files` },
    ]);
  }
  const read = readCsvRecords(bytes);
  if (!read.ok) return failed(read.problems);
  const records = read.records;
  const [header, ...rows] = records;
  if (!header) return failed([{ message: 'the file is empty: it needs a header row (email, role_group, directorate) and a row per person' }]);

  const roleGroups = segmentOptions(definition, definition.segments.roleGroup);
  const directorates = segmentOptions(definition, definition.segments.directorate);
  const required: Column[] = definition.segments.directorate ? ['email', 'role_group', 'directorate'] : ['email', 'role_group'];
  const problems: StaffListProblem[] = [];
  const position = new Map<Column, number>();
  header.record.forEach((raw, i) => {
    const name = columnName(raw);
    if (!(COLUMNS as readonly string[]).includes(name)) {
      problems.push({ row: 1, column: raw, message: `unknown column "${raw}"; the columns are ${required.join(', ')} and nothing else` });
    } else if (position.has(name as Column)) {
      problems.push({ row: 1, column: name, message: `column ${name} appears twice` });
    } else position.set(name as Column, i);
  });
  for (const column of required) {
    if (!position.has(column)) problems.push({ row: 1, column, message: `the header has no ${column} column (found: ${header.record.join(', ') || 'nothing'})` });
  }
  if (problems.length > 0) return failed(problems);
  if (rows.length === 0) return failed([{ row: 2, message: 'the file has a header but nobody in it' }]);

  const staff: (StaffMember & { row: number })[] = [];
  const firstRowOf = new Map<string, number>();
  const codeList = (options: Map<string, string>) => [...new Set(options.values())].join(', ');
  for (const { record, info } of rows) {
    const row = info.lines;
    if (record.length !== header.record.length) {
      problems.push({ row, message: `has ${record.length} value${record.length === 1 ? '' : 's'} but the header has ${header.record.length} columns` });
      continue;
    }
    const value = (column: Column) => (position.has(column) ? record[position.get(column)!]! : '');
    const before = problems.length;
    const email = normaliseEmail(value('email'));
    if (email === '') problems.push({ row, column: 'email', message: 'email is missing' });
    else if (!ZEmail.safeParse(email).success) problems.push({ row, column: 'email', message: `"${value('email')}" is not an email address` });
    const roleGroup = roleGroups.get(value('role_group').toLowerCase());
    if (value('role_group') === '') problems.push({ row, column: 'role_group', message: 'role_group is missing' });
    else if (!roleGroup) problems.push({ row, column: 'role_group', message: `"${value('role_group')}" is not a role group of this survey; use one of ${codeList(roleGroups)}` });
    const directorate = definition.segments.directorate ? directorates.get(value('directorate').toLowerCase()) : '';
    if (definition.segments.directorate) {
      if (value('directorate') === '') problems.push({ row, column: 'directorate', message: 'directorate is missing' });
      else if (!directorate) problems.push({ row, column: 'directorate', message: `"${value('directorate')}" is not a directorate of this survey; use one of ${codeList(directorates)}` });
    }
    if (problems.length > before) continue;
    const first = firstRowOf.get(email);
    if (first !== undefined) {
      problems.push({ row, column: 'email', message: `${email} is already listed in row ${first}; list each person once` });
      continue;
    }
    firstRowOf.set(email, row);
    staff.push({ email, roleGroup: roleGroup!, directorate: directorate ?? '', row });
  }
  return problems.length > 0 ? failed(problems) : { ok: true, staff };
}

/**
 * What an accepted staff list tells the lead: how many people the file listed, how many of them
 * are new to this wave and how many were invited before. An address once invited stays
 * "already invited" whatever its owner has done since, so none of the numbers depends on who
 * has started.
 */
export type StaffListImport = { ok: true; listed: number; added: number; alreadyInvited: number } | { ok: false; problems: StaffListProblem[]; more: number };

/**
 * Adds a staff list to the survey's invitations, all or nothing, with its audit entry in the
 * same transaction; a refused list is audited too. A list may be uploaded again with people
 * added: each address is looked up among the keyed hashes of every address ever invited to
 * the wave (`invited_address`, kept after an invitation forgets its address when its owner
 * starts), so someone already invited is never invited again and is counted the same whether
 * they are still waiting or have answered.
 */
export async function importStaffList(db: Kysely<Database>, actor: Actor, survey: SurveyWithDefinition, bytes: Buffer): Promise<StaffListImport> {
  const parsed = survey.state === 'closed' ? failed([{ message: 'this survey is closed, so nobody more can be invited' }]) : parseStaffList(bytes, survey.definition);
  if (!parsed.ok) {
    const problems = parsed.problems.length + parsed.more;
    await recordAudit(
      db,
      auditBy(actor, { organisationId: survey.organisationId, action: 'invitations.import-refused', target: `survey ${survey.id}: ${problems} problem${problems === 1 ? '' : 's'}` }),
    );
    return parsed;
  }
  return db.transaction().execute(async (trx) => {
    const [keyOf, invited] = await Promise.all([invitedAddressKeyer(trx), invitedAddressKeys(trx, survey.id)]);
    const added = parsed.staff.map((member) => ({ ...member, addressKey: keyOf(member.email) })).filter((member) => !invited.has(member.addressKey));
    await insertStaffList(trx, survey.id, added);
    const counts = { listed: parsed.staff.length, added: added.length, alreadyInvited: parsed.staff.length - added.length };
    // How many, never who: the audit log holds no email address.
    await recordAudit(
      trx,
      auditBy(actor, {
        organisationId: survey.organisationId,
        action: 'invitations.import',
        target: `survey ${survey.id}: ${counts.listed} listed, ${counts.added} added, ${counts.alreadyInvited} already invited`,
      }),
    );
    return { ok: true as const, ...counts };
  });
}

/** Every invitation and reminder link: built from PUBLIC_URL (config.ts), never from a request's Host header. */
export const invitationLink = (publicUrl: string, token: string) => `${publicUrl}/i/${token}`;

/**
 * Why reminders never go to the outbox file: it lists who they are for, the people who have
 * not started, and the lead who downloads it has the staff list, so could tell who has.
 */
export const NO_OUTBOX_REMINDERS =
  'Reminders cannot go to the outbox file: it would list the people who have not started, so whoever opens it could tell who has. Ask everyone on your staff list yourself to use the link in their invitation if they have not taken part, or set up GOV.UK Notify or SMTP so that Sounding sends reminders without anyone seeing who they go to';

export type SendOutcome = { sent: number; refused?: string; failed?: { remaining: number; message: string } };

/** Why a send would do nothing at all, before anyone is mailed; undefined when it may go ahead. */
function sendRefusal(survey: { state: string }, mailer: Mailer, kind: MailKind): string | undefined {
  if (survey.state !== 'open') return 'Open the survey before sending invitations or reminders: links to a survey that is not open do not work';
  if (kind === 'reminder' && mailer.kind === 'outbox') return NO_OUTBOX_REMINDERS;
  return undefined;
}

/**
 * Emails a fresh link to every person still to be invited ('invitation') or invited, not yet
 * started and not reminded today ('reminder'), in the wave's own wording. Each person is
 * claimed before their email goes (so two processes or clicks never mail them twice), their
 * link's hash is stored before it goes (so a link that arrives always works), and a claim whose
 * email fails is released, so trying again sends the rest.
 */
export async function sendInvitations(
  db: Kysely<Database>,
  mailer: Mailer,
  survey: MailSurvey & { state: string },
  linkFor: (token: string) => string,
  kind: MailKind,
  defaults: MailDefaults,
): Promise<SendOutcome> {
  const refused = sendRefusal(survey, mailer, kind);
  if (refused) return { sent: 0, refused };
  const messages = await loadWaveMessages(db, survey, defaults);
  // The wording was right when saved; a closing date taken away since can still make it wrong.
  const wrong = checkWaveMessages(messages, survey)[0];
  if (wrong) return { sent: 0, refused: `${wrong.message} (in the invitation and reminder emails)` };
  const day = today();
  const pending = await invitationsToSend(db, survey.id, kind, day);
  let sent = 0;
  for (const [i, invitation] of pending.entries()) {
    if (!(await claimInvitationSend(db, invitation, kind, day))) continue;
    const token = newToken();
    await addInvitationToken(db, invitation.id, token);
    try {
      await mailer.send({ to: invitation.email, wave: survey.id, ...renderMail(messages, kind, survey, linkFor(token), defaults) });
    } catch (error) {
      await releaseInvitationSend(db, invitation, kind);
      return { sent, failed: { remaining: pending.length - i, message: error instanceof Error ? error.message : String(error) } };
    }
    sent++;
  }
  return { sent };
}

export interface SendRun {
  kind: MailKind;
  /** Who started the run: its outcome is audited as theirs. */
  actor: Actor;
  outcome?: SendOutcome;
}

const auditedSend = (kind: MailKind) => (kind === 'invitation' ? 'invitations.sent' : 'reminders.sent');
const describeOutcome = (outcome: SendOutcome) =>
  `${outcome.sent} sent${outcome.refused ? `; not sent: ${outcome.refused}` : ''}${outcome.failed ? `; stopped: ${outcome.failed.message}` : ''}`;

/**
 * Sends in the background: GOV.UK Notify takes a few thousand emails a minute and SMTP servers
 * fewer, so a large staff list cannot be sent within one web request. One run per survey at
 * a time in this process (a second click is refused rather than mailing people twice); the
 * lead sees progress in the invitation counts and the outcome of the last run.
 */
export function createInvitationSender(
  db: Kysely<Database>,
  mailer: Mailer,
  linkFor: (token: string) => string,
  defaults: MailDefaults,
  finished: (survey: { id: string }, run: Required<SendRun>) => Promise<void>,
) {
  const running = new Map<string, Promise<void>>();
  const last = new Map<string, SendRun>();
  return {
    /** Starts a run; resolves at once with how many are to be sent, or why nothing was started. */
    async start(survey: MailSurvey & { state: string }, kind: MailKind, actor: Actor): Promise<{ started: number } | { refused: string }> {
      const refused = sendRefusal(survey, mailer, kind);
      if (refused) return { refused };
      if (running.has(survey.id)) return { refused: 'Invitations or reminders for this survey are already being sent. Refresh this page to see how many have gone.' };
      const pending = (await invitationsToSend(db, survey.id, kind, today())).length;
      if (pending === 0) return { started: 0 };
      const { organisationId } = survey;
      await recordAudit(db, auditBy(actor, { organisationId, action: kind === 'invitation' ? 'invitations.send' : 'invitations.remind', target: `survey ${survey.id}: ${pending} to send` }));
      last.set(survey.id, { kind, actor });
      const run = sendInvitations(db, mailer, survey, linkFor, kind, defaults)
        .catch((error: unknown): SendOutcome => ({ sent: 0, failed: { remaining: pending, message: error instanceof Error ? error.message : String(error) } }))
        .then(async (outcome) => {
          last.set(survey.id, { kind, actor, outcome });
          // A background run is audited as the user who started it.
          await recordAudit(db, auditBy(actor, { organisationId, action: auditedSend(kind), target: `survey ${survey.id}: ${describeOutcome(outcome)}` }));
          await finished(survey, { kind, actor, outcome });
        })
        .finally(() => running.delete(survey.id));
      running.set(survey.id, run);
      return { started: pending };
    },
    /** How many people a run would mail now, or why it would mail nobody: for the page that asks the lead to confirm it. */
    waiting: async (survey: { id: string; state: string }, kind: MailKind): Promise<{ waiting: number; refused?: string }> => {
      const refused = sendRefusal(survey, mailer, kind);
      return refused ? { waiting: 0, refused } : { waiting: (await invitationsToSend(db, survey.id, kind, today())).length };
    },
    /** The run in progress or last finished for a survey, if any since this process started. */
    status: (surveyId: string): (SendRun & { running: boolean }) | undefined => {
      const run = last.get(surveyId);
      return run && { ...run, running: running.has(surveyId) };
    },
    /** Resolves when every run has finished (before the database is closed, and in tests). */
    idle: async () => {
      while (running.size > 0) await Promise.allSettled([...running.values()]);
    },
  };
}
export type InvitationSender = ReturnType<typeof createInvitationSender>;

/**
 * Hands a wave's outbox file to its lead and deletes it from the server, audited: the file
 * holds every person's link, so it is kept no longer than it takes to download. Undefined when
 * no mail is waiting for the wave (or mail does not go to an outbox).
 */
export async function takeWaveOutbox(db: Kysely<Database>, actor: Actor, mailer: Mailer, survey: { id: string; organisationId: string }): Promise<Buffer | undefined> {
  const taken = await mailer.outbox?.take(survey.id);
  if (!taken) return undefined;
  await recordAudit(
    db,
    auditBy(actor, { organisationId: survey.organisationId, action: 'outbox.download', target: `survey ${survey.id}: ${taken.emails} emails downloaded and deleted from the server` }),
  );
  return taken.csv;
}

/** The scheduler's job for planned reminders (admin/schedule.ts); its subject is the survey. */
export const REMINDER_JOB = 'wave.remind';
/** Planned reminders go in the morning of their day, UK time, not at midnight. */
const REMINDER_HOUR = 9;

/**
 * Planned reminders, done by the scheduler that opens and closes waves: whichever process
 * claims the job sends them, once. A mail failure part-way is audited and the job tried again
 * later, when only those not yet reminded that day are sent one.
 */
export function invitationJobHandlers(mailer: Mailer, publicUrl: string, defaults: MailDefaults): Record<typeof REMINDER_JOB, JobHandler> {
  return {
    [REMINDER_JOB]: async (db, job) => {
      const survey = await findSurveyById(db, job.subject);
      if (!survey) return 'not sent: the survey no longer exists';
      const outcome = await sendInvitations(db, mailer, survey, (token) => invitationLink(publicUrl, token), 'reminder', defaults);
      await recordAudit(db, auditBy(SCHEDULE_ACTOR, { organisationId: survey.organisationId, action: 'reminders.sent', target: `survey ${survey.id}: ${describeOutcome(outcome)}` }));
      if (outcome.failed) throw new Error(`${outcome.sent} reminders sent, then: ${outcome.failed.message}`);
      return describeOutcome(outcome);
    },
  };
}

export interface PlannedReminder {
  id: string;
  /** The day (YYYY-MM-DD, UK time) they go. */
  on: string;
}

/** Reminders planned and not yet sent, soonest first. */
export async function plannedReminders(db: Kysely<Database>, surveyId: string): Promise<PlannedReminder[]> {
  const jobs = await pendingJobs(db, surveyId);
  return jobs.filter((job) => job.kind === REMINDER_JOB).map((job) => ({ id: job.id, on: ukDay(new Date(job.dueAt)) }));
}

const ukDay = (at: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

export type PlanReminderResult = { ok: true; on: string } | { ok: false; errors: FieldError[] };

/**
 * Plans reminders for a day: sent that morning (UK time) by the scheduler to everyone invited
 * who has not started, once. The day must be today or later and not after the planned closing
 * date; one plan per day.
 */
export async function planReminders(db: Kysely<Database>, actor: Actor, survey: SurveyWithDefinition, mailer: Mailer, parts: DayParts, now = new Date()): Promise<PlanReminderResult> {
  const errors: FieldError[] = [];
  if (survey.state === 'closed') return { ok: false, errors: [{ field: 'on-day', message: 'This survey is closed, so no more reminders are sent' }] };
  if (mailer.kind === 'outbox') return { ok: false, errors: [{ field: 'on-day', message: NO_OUTBOX_REMINDERS }] };
  const on = readDate(parts, 'on', 'The reminder date', errors);
  if (!on && errors.length === 0) errors.push({ field: 'on-day', message: 'Enter the date to send reminders on, for example 18 12 2026' });
  if (on && on < ukDay(now)) errors.push({ field: 'on-day', message: 'The reminder date must be today or later' });
  if (on && survey.closesOn && on > survey.closesOn) errors.push({ field: 'on-day', message: 'The reminder date must be on or before the closing date, when the survey stops taking answers' });
  if (on && (await plannedReminders(db, survey.id)).some((planned) => planned.on === on)) errors.push({ field: 'on-day', message: 'Reminders are already planned for that day' });
  if (errors.length > 0 || !on) return { ok: false, errors };
  await db.transaction().execute(async (trx) => {
    await scheduleJob(trx, { kind: REMINDER_JOB, subject: survey.id, dueAt: new Date(startOfUkDay(on).getTime() + REMINDER_HOUR * 3_600_000) });
    await recordAudit(trx, auditBy(actor, { organisationId: survey.organisationId, action: 'reminders.planned', target: `survey ${survey.id}: reminders on ${on}` }));
  });
  return { ok: true, on };
}

/** Cancels planned reminders that have not gone yet; audited. */
export async function cancelReminders(db: Kysely<Database>, actor: Actor, survey: { id: string; organisationId: string }, jobId: string): Promise<void> {
  const planned = (await plannedReminders(db, survey.id)).find((p) => p.id === jobId);
  if (!planned) throw new Refusal('Those reminders have already been sent or cancelled', 409);
  await db.transaction().execute(async (trx) => {
    if (!(await cancelPendingJob(trx, { id: jobId, subject: survey.id, kind: REMINDER_JOB }))) throw new Refusal('Those reminders have already been sent or cancelled', 409);
    await recordAudit(trx, auditBy(actor, { organisationId: survey.organisationId, action: 'reminders.cancelled', target: `survey ${survey.id}: reminders on ${planned.on}` }));
  });
}
