import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Answers } from '../instrument/question-types/index.js';
import { hashSecret, saveAnswers, startAnswerSession } from './answer-sessions.js';
import { addressKey } from './migrations/014-invitation-messages.js';
import type { Database } from './schema.js';

export interface StaffMember {
  email: string;
  roleGroup: string;
  /** '' when the survey does not ask for directorate. */
  directorate: string;
}

/** Rows per INSERT: well under SQLite's limit on bound parameters. */
const BATCH = 500;

/** The key for `invited_address` (migration 014 made it): read afresh, as every process shares it through the database. */
export async function invitedAddressKeyer(db: Kysely<Database>): Promise<(email: string) => string> {
  const { value } = await db.selectFrom('secret').select('value').where('name', '=', 'invited-address').executeTakeFirstOrThrow();
  return (email) => addressKey(value, email);
}

/** The keyed hashes of every address ever invited to a survey, whether or not its invitation has been used. */
export async function invitedAddressKeys(db: Kysely<Database>, surveyId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('invited_address').select('address_key').where('survey_id', '=', surveyId).execute();
  return new Set(rows.map((r) => r.address_key));
}

/**
 * Adds people to a survey's staff list in one transaction, each with the keyed hash of their
 * address: if any row is refused (the unique constraints included), none is kept.
 */
export async function insertStaffList(db: Kysely<Database>, surveyId: string, staff: readonly (StaffMember & { addressKey: string })[]): Promise<void> {
  // Within the caller's transaction when given one (the import and its audit entry), else in its own.
  const insert = async (trx: Kysely<Database>) => {
    for (let start = 0; start < staff.length; start += BATCH) {
      const batch = staff.slice(start, start + BATCH);
      await trx
        .insertInto('invitation')
        .values(
          batch.map((s) => ({
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
      // A separate table, in no particular order, so nothing ties a hash to its invitation row.
      await trx
        .insertInto('invited_address')
        .values(batch.map((s) => ({ survey_id: surveyId, address_key: s.addressKey })))
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

export interface PendingInvitation {
  id: string;
  email: string;
  /** The day of the last reminder, put back if this one cannot be sent. */
  remindedOn: string | null;
}

/**
 * Unused invitations still to be sent ('invitation'), or sent, not yet used and not reminded
 * on `day` ('reminder'): a reminder goes to each person at most once a day, however many
 * processes or clicks ask for one.
 */
export async function invitationsToSend(db: Kysely<Database>, surveyId: string, kind: 'invitation' | 'reminder', day: string): Promise<PendingInvitation[]> {
  let query = db.selectFrom('invitation').select(['id', 'email', 'reminded_on']).where('survey_id', '=', surveyId).where('used', '=', 0);
  query =
    kind === 'invitation' ? query.where('sent_on', 'is', null) : query.where('sent_on', 'is not', null).where((eb) => eb.or([eb('reminded_on', 'is', null), eb('reminded_on', '<', day)]));
  const rows = await query.execute();
  return rows.map((r) => ({ id: r.id, email: r.email!, remindedOn: r.reminded_on }));
}

/**
 * Marks one person's invitation or reminder as sent on `day` before it goes, if nobody else
 * has (another process on the same job, a second click): true when this caller is to send it.
 */
export async function claimInvitationSend(db: Kysely<Database>, invitation: PendingInvitation, kind: 'invitation' | 'reminder', day: string): Promise<boolean> {
  const claimed = await db
    .updateTable('invitation')
    .set(kind === 'invitation' ? { sent_on: day } : { reminded_on: day })
    .where('id', '=', invitation.id)
    .where('used', '=', 0)
    .where((eb) => (kind === 'invitation' ? eb('sent_on', 'is', null) : eb.or([eb('reminded_on', 'is', null), eb('reminded_on', '<', day)])))
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) === 1;
}

/** Undoes a claim whose email could not be sent, so it is sent by trying again. */
export async function releaseInvitationSend(db: Kysely<Database>, invitation: PendingInvitation, kind: 'invitation' | 'reminder'): Promise<void> {
  await db
    .updateTable('invitation')
    .set(kind === 'invitation' ? { sent_on: null } : { reminded_on: invitation.remindedOn })
    .where('id', '=', invitation.id)
    .where('used', '=', 0)
    .execute();
}

/** Stores a new link's hash; called before the email goes, so a link that arrives always works. */
export async function addInvitationToken(db: Kysely<Database>, invitationId: string, token: string): Promise<void> {
  await db
    .insertInto('invitation_token')
    .values({ token_hash: hashSecret(token), invitation_id: invitationId })
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

export interface WaveMessageRow {
  languages: string;
  contact: string;
  /** JSON, read by admin/invitation-messages.ts. */
  texts: string;
}

export async function findWaveMessage(db: Kysely<Database>, surveyId: string): Promise<WaveMessageRow | undefined> {
  return db.selectFrom('wave_message').select(['languages', 'contact', 'texts']).where('survey_id', '=', surveyId).executeTakeFirst();
}

export async function saveWaveMessage(db: Kysely<Database>, surveyId: string, row: WaveMessageRow): Promise<void> {
  await db
    .insertInto('wave_message')
    .values({ survey_id: surveyId, ...row })
    .onConflict((oc) => oc.column('survey_id').doUpdateSet(row))
    .execute();
}
