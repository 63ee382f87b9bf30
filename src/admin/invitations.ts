import { CsvError, parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import { auditBy, recordAudit, type Actor } from './audit.js';
import { z } from 'zod';
import { newToken, today } from '../fieldwork/respondent.js';
import { findQuestion, type TDefinition } from '../instrument/definition.js';
import { localise } from '../instrument/text.js';
import { addInvitationToken, insertStaffList, invitationsToSend, invitedEmails, markInvitationSent, type StaffMember } from '../storage/invitations.js';
import type { Database } from '../storage/schema.js';
import { normaliseEmail } from '../storage/users.js';
import type { SurveyWithDefinition } from '../storage/surveys.js';
import type { Mailer } from './mailer.js';

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

/** What an accepted staff list tells the lead: how many people the file listed, and nothing that depends on who has started. */
export type StaffListImport = { ok: true; listed: number } | { ok: false; problems: StaffListProblem[]; more: number };

/**
 * Adds a staff list to the survey's invitations, all or nothing, with its audit entry in the
 * same transaction; a refused list is audited too. A list may be uploaded again with new
 * people added: anyone still waiting to start keeps the invitation they have, and everyone
 * else on it is added. Someone whose invitation was already used cannot be recognised (that
 * invitation no longer holds their address, the price of forgetting), so they are added as a
 * new person; for the same reason the answer, and the audit entry, give only how many people
 * the file listed, never how many were new, which would tell the lead who has started.
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
    const waiting = await invitedEmails(trx, survey.id);
    await insertStaffList(
      trx,
      survey.id,
      parsed.staff.filter((member) => !waiting.has(member.email)),
    );
    // How many, never who: the audit log holds no email address.
    await recordAudit(trx, auditBy(actor, { organisationId: survey.organisationId, action: 'invitations.import', target: `survey ${survey.id}: ${parsed.staff.length} people` }));
    return { ok: true as const, listed: parsed.staff.length };
  });
}

export interface MailText {
  subject: string;
  body: string;
}

/** The email for one link; the link is the only personal thing in it. */
export function invitationText(survey: { title: string; closesOn?: string | null }, link: string, kind: 'invitation' | 'reminder'): MailText {
  const closes = survey.closesOn
    ? ` The survey closes on ${new Date(`${survey.closesOn}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })}.`
    : '';
  const opening = kind === 'invitation' ? `You are invited to take part in "${survey.title}".` : `This is a reminder: you have not yet taken part in "${survey.title}".`;
  return {
    subject: kind === 'invitation' ? `Take part: ${survey.title}` : `Reminder: ${survey.title}`,
    body: [
      opening + closes,
      `Start here: ${link}`,
      'This link is yours and works once. As soon as you start, Sounding forgets that the link was sent to you: your answers are stored with your role group and directorate only, never with your name or email address, and no group too small to keep you anonymous is ever shown.',
      'If you did not expect this email, you can ignore it.',
    ].join('\n\n'),
  };
}

export type SendOutcome = { sent: number; failed?: { remaining: number; message: string } };

/**
 * Emails a fresh link to every person still to be invited ('invitation') or invited and not
 * yet started ('reminder'). Each link's hash is stored before its email goes, and a person is
 * marked sent only after, so a failure part-way leaves the rest to be sent by trying again.
 */
export async function sendInvitations(
  db: Kysely<Database>,
  mailer: Mailer,
  survey: { id: string; title: string; state: string; closesOn?: string | null },
  linkFor: (token: string) => string,
  kind: 'invitation' | 'reminder',
): Promise<SendOutcome> {
  if (survey.state !== 'open') return { sent: 0, failed: { remaining: 0, message: 'open the survey before sending invitations or reminders: links to a survey that is not open do not work' } };
  const pending = await invitationsToSend(db, survey.id, kind);
  let sent = 0;
  for (const invitation of pending) {
    const token = newToken();
    await addInvitationToken(db, invitation.id, token);
    try {
      await mailer.send({ to: invitation.email, ...invitationText(survey, linkFor(token), kind) });
    } catch (error) {
      return { sent, failed: { remaining: pending.length - sent, message: error instanceof Error ? error.message : String(error) } };
    }
    await markInvitationSent(db, invitation.id, kind, today());
    sent++;
  }
  return { sent };
}

export interface SendRun {
  kind: 'invitation' | 'reminder';
  /** Who started the run: its outcome is audited as theirs. */
  actor: Actor;
  outcome?: SendOutcome;
}

/**
 * Sends in the background: GOV.UK Notify takes a few thousand emails a minute and SMTP servers
 * fewer, so a large staff list cannot be sent within one web request. One run per survey at
 * a time in this process (a second click is refused rather than mailing people twice); the
 * lead sees progress in the invitation counts and the outcome of the last run.
 */
export function createInvitationSender(db: Kysely<Database>, mailer: Mailer, linkFor: (token: string) => string, finished: (survey: { id: string }, run: Required<SendRun>) => Promise<void>) {
  const running = new Map<string, Promise<void>>();
  const last = new Map<string, SendRun>();
  return {
    /** Starts a run; resolves at once with how many are to be sent, or why nothing was started. */
    async start(
      survey: { id: string; title: string; state: string; closesOn?: string | null; organisationId: string },
      kind: SendRun['kind'],
      actor: Actor,
    ): Promise<{ started: number } | { refused: string }> {
      if (survey.state !== 'open') return { refused: 'Open the survey before sending invitations or reminders: links to a survey that is not open do not work' };
      if (running.has(survey.id)) return { refused: 'Invitations or reminders for this survey are already being sent. Refresh this page to see how many have gone.' };
      const pending = (await invitationsToSend(db, survey.id, kind)).length;
      if (pending === 0) return { started: 0 };
      const { organisationId } = survey;
      await recordAudit(db, auditBy(actor, { organisationId, action: kind === 'invitation' ? 'invitations.send' : 'invitations.remind', target: `survey ${survey.id}: ${pending} to send` }));
      last.set(survey.id, { kind, actor });
      const run = sendInvitations(db, mailer, survey, linkFor, kind)
        .catch((error: unknown): SendOutcome => ({ sent: 0, failed: { remaining: pending, message: error instanceof Error ? error.message : String(error) } }))
        .then(async (outcome) => {
          last.set(survey.id, { kind, actor, outcome });
          // A background run is audited as the user who started it.
          const result = `${outcome.sent} sent${outcome.failed ? `; stopped: ${outcome.failed.message}` : ''}`;
          await recordAudit(db, auditBy(actor, { organisationId, action: kind === 'invitation' ? 'invitations.sent' : 'reminders.sent', target: `survey ${survey.id}: ${result}` }));
          await finished(survey, { kind, actor, outcome });
        })
        .finally(() => running.delete(survey.id));
      running.set(survey.id, run);
      return { started: pending };
    },
    /** How many people a run would mail now: for the page that asks the lead to confirm it. */
    waiting: async (surveyId: string, kind: SendRun['kind']): Promise<number> => (await invitationsToSend(db, surveyId, kind)).length,
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
