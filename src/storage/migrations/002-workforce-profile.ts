import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Headcount per role group × directorate cell of a survey's workforce profile (directorate '' when it has none). */
export function workforceProfile(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('workforce_profile_cell')
        .addColumn('survey_id', 'text', (c) => c.notNull().references('survey.id'))
        .addColumn('role_group', 'text', (c) => c.notNull())
        .addColumn('directorate', 'text', (c) => c.notNull())
        .addColumn('headcount', 'integer', (c) => c.notNull().check(sql`headcount >= 0`))
        .addPrimaryKeyConstraint('workforce_profile_cell_pk', ['survey_id', 'role_group', 'directorate'] as never)
        .execute();
    },
  };
}
