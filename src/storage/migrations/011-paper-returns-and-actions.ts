import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Paper returns and "you said, we did".
 *
 * - `response.source`: 'online' or 'paper' (keyed from a paper questionnaire). Nothing about
 *   who keyed a paper return is kept on the response; the audit log says a return was keyed.
 * - `finding_action`: what an organisation will do about a finding of a published wave (a
 *   question or theme, optionally for one group that is shown), with an owner role, a due date
 *   and a status; `finding_action_note`: its progress notes, oldest first. Both keyed by
 *   organisation and survey first, so every read is of one organisation's wave.
 */
export function paperReturnsAndActions(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('response')
        .addColumn('source', 'text', (c) => c.notNull().defaultTo('online'))
        .execute();
      await db.schema
        .createTable('finding_action')
        .addColumn('organisation_id', 'text', (c) => c.notNull().references('organisation.id'))
        .addColumn('survey_id', 'text', (c) => c.notNull().references('survey.id'))
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('finding_kind', 'text', (c) => c.notNull())
        .addColumn('finding_code', 'text', (c) => c.notNull())
        .addColumn('group_kind', 'text')
        .addColumn('group_code', 'text')
        .addColumn('what', 'text', (c) => c.notNull())
        .addColumn('owner_role', 'text', (c) => c.notNull())
        .addColumn('due_on', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_on', 'text', (c) => c.notNull())
        .addColumn('updated_on', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('finding_action_pk', ['organisation_id', 'survey_id', 'id'] as never)
        .execute();
      await db.schema
        .createTable('finding_action_note')
        .addColumn('organisation_id', 'text', (c) => c.notNull())
        .addColumn('survey_id', 'text', (c) => c.notNull())
        .addColumn('action_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('written_at', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('finding_action_note_pk', ['organisation_id', 'survey_id', 'action_id', 'id'] as never)
        .addForeignKeyConstraint('finding_action_note_action', ['organisation_id', 'survey_id', 'action_id'] as never, 'finding_action', ['organisation_id', 'survey_id', 'id'] as never)
        .execute();
    },
  };
}
