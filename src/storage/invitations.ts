import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Answers } from '../instrument/question-types/index.js';
import { hashSecret, saveAnswers, startAnswerSession } from './answer-sessions.js';
import type { Database } from './schema.js';

export interface StaffMember {
  email: string;
  roleGroup: string;
  /** '' when the survey does not ask for directorate. */
  directorate: string;
}

/** Rows per INSERT: well under SQLite's limit on bound parameters. */
const BATCH = 500;

export async function invitedEmails(db: Kysely<Database>, surveyId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('invitation').select('email').where('survey_id', '=', surveyId).where('email', 'is not', null).execute();
  return new Set(rows.map((r) => r.email!));
}

/**
 * Adds a staff list in one transaction: if any row is refused (the unique constraint on
 * survey and email included), none is kept.
 */
export async function insertStaffList(db: Kysely<Database>, surveyId: string, staff: readonly StaffMember[]): Promise<void> {
  // Within the caller's transaction when given one (the import and its audit entry), else in its own.
  const insert = async (trx: Kysely<Database>) => {
    for (let start = 0; start < staff.length; start += BATCH) {
      await trx
        .insertInto('invitation')
        .values(
          staff.slice(start, start + BATCH).map((s) => ({
            id: randomUUID(),
            survey_id: surveyId,
            email: s.email,
            role_group: s.roleGroup,
            directorate: s.directorate,
            sent_on: null,
            reminded_on: null,
            used: 0,
          })),
        )
        .execute();
    }
  };
  await (db.isTransaction ? insert(db) : db.transaction().execute(insert));
}

export interface InvitationCounts {
  listed: number;
  sent: number;
  used: number;
}

export async function invitationCounts(db: Kysely<Database>, surveyId: string): Promise<InvitationCounts> {
  const rows = await db
    .selectFrom('invitation')
    .select((eb) => ['used', eb.fn.countAll<number>().as('n'), eb.fn.count<number>('sent_on').as('sent')])
    .where('survey_id', '=', surveyId)
    .groupBy('used')
    .execute();
  const used = Number(rows.find((r) => Number(r.used) === 1)?.n ?? 0);
  const unused = rows.find((r) => Number(r.used) === 0);
  // A used invitation has forgotten its dates, but it was sent to be used.
  return { listed: used + Number(unused?.n ?? 0), sent: used + Number(unused?.sent ?? 0), used };
}

/** Unused invitations still to be sent ('invitation') or sent and not yet used ('reminder'). */
export async function invitationsToSend(db: Kysely<Database>, surveyId: string, kind: 'invitation' | 'reminder'): Promise<{ id: string; email: string }[]> {
  const rows = await db
    .selectFrom('invitation')
    .select(['id', 'email'])
    .where('survey_id', '=', surveyId)
    .where('used', '=', 0)
    .where('sent_on', kind === 'invitation' ? 'is' : 'is not', null)
    .execute();
  return rows.map((r) => ({ id: r.id, email: r.email! }));
}

/** Stores a new link's hash; called before the email goes, so a link that arrives always works. */
export async function addInvitationToken(db: Kysely<Database>, invitationId: string, token: string): Promise<void> {
  await db
    .insertInto('invitation_token')
    .values({ token_hash: hashSecret(token), invitation_id: invitationId })
    .execute();
}

export async function markInvitationSent(db: Kysely<Database>, invitationId: string, kind: 'invitation' | 'reminder', on: string): Promise<void> {
  await db
    .updateTable('invitation')
    .set(kind === 'invitation' ? { sent_on: on } : { reminded_on: on })
    .where('id', '=', invitationId)
    .where('used', '=', 0)
    .execute();
}

/** Which survey a link belongs to and whether it has been used, without spending it. */
export async function findInvitationByToken(db: Kysely<Database>, token: string): Promise<{ surveyId: string; used: boolean } | undefined> {
  const row = await db
    .selectFrom('invitation_token')
    .innerJoin('invitation', 'invitation.id', 'invitation_token.invitation_id')
    .select(['invitation.survey_id', 'invitation.used'])
    .where('invitation_token.token_hash', '=', hashSecret(token))
    .executeTakeFirst();
  return row && { surveyId: row.survey_id, used: Number(row.used) === 1 };
}

/**
 * Spends an invitation link and starts an answer session with the respondent's segment
 * already answered, in one transaction. The invitation keeps only `used = 1`: its email,
 * segment and dates are set to null at this moment (the start of the journey, not the
 * submission), so nothing in it can be matched to the response later stored.
 * Returns false when the link was already spent (or is spent by a second click at the same time).
 */
export async function redeemInvitation(
  db: Kysely<Database>,
  token: string,
  session: { token: string; expiresOn: string },
  presetAnswers: (segment: { roleGroup: string; directorate: string }) => Answers,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const invitation = await trx
      .selectFrom('invitation_token')
      .innerJoin('invitation', 'invitation.id', 'invitation_token.invitation_id')
      .select(['invitation.id', 'invitation.survey_id', 'invitation.role_group', 'invitation.directorate'])
      .where('invitation_token.token_hash', '=', hashSecret(token))
      .where('invitation.used', '=', 0)
      .executeTakeFirst();
    if (!invitation) return false;
    const spent = await trx
      .updateTable('invitation')
      .set({ used: 1, email: null, role_group: null, directorate: null, sent_on: null, reminded_on: null })
      .where('id', '=', invitation.id)
      .where('used', '=', 0)
      .executeTakeFirst();
    if (Number(spent.numUpdatedRows) !== 1) return false;
    await startAnswerSession(trx, session.token, invitation.survey_id, session.expiresOn);
    const answers = presetAnswers({ roleGroup: invitation.role_group ?? '', directorate: invitation.directorate ?? '' });
    await saveAnswers(trx, hashSecret(session.token), answers);
    return true;
  });
}
