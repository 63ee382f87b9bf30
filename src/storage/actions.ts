import type { Insertable, Kysely } from 'kysely';
import type { ActionStatus, Database } from './schema.js';

export type ActionRow = Database['finding_action'];
export type ActionWithNotes = ActionRow & { notes: { id: string; written_at: string; text: string }[] };

export async function insertAction(db: Kysely<Database>, row: Insertable<ActionRow>): Promise<void> {
  await db.insertInto('finding_action').values(row).execute();
}

/** Changes an action's status; false when the wave has no such action. */
export async function setActionStatus(db: Kysely<Database>, key: { organisationId: string; surveyId: string; id: string }, status: ActionStatus, day: string): Promise<boolean> {
  const result = await db
    .updateTable('finding_action')
    .set({ status, updated_on: day })
    .where('organisation_id', '=', key.organisationId)
    .where('survey_id', '=', key.surveyId)
    .where('id', '=', key.id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertActionNote(db: Kysely<Database>, row: Insertable<Database['finding_action_note']>): Promise<void> {
  await db.insertInto('finding_action_note').values(row).execute();
}

/** A wave's actions, by due date, each with its progress notes oldest first. */
export async function listActions(db: Kysely<Database>, organisationId: string, surveyId: string): Promise<ActionWithNotes[]> {
  const [actions, notes] = await Promise.all([
    db.selectFrom('finding_action').selectAll().where('organisation_id', '=', organisationId).where('survey_id', '=', surveyId).orderBy('due_on').orderBy('created_on').orderBy('id').execute(),
    db
      .selectFrom('finding_action_note')
      .select(['action_id', 'id', 'written_at', 'text'])
      .where('organisation_id', '=', organisationId)
      .where('survey_id', '=', surveyId)
      .orderBy('written_at')
      .orderBy('id')
      .execute(),
  ]);
  return actions.map((a) => ({ ...a, notes: notes.filter((n) => n.action_id === a.id).map(({ id, written_at, text }) => ({ id, written_at, text })) }));
}
