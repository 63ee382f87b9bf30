import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Results leave the system only from a frozen publication built when a wave closes, so the
 * counts that were kept up to date as answers arrived serve no reader: submitting becomes
 * one response row (and its submission key), and the four count tables go.
 *
 * - `publication`: one row per build of a closed wave (version 1 at close, more only by an
 *   audited republish), holding the whole suppressed document every output reads, and its
 *   headline measures apart so a benchmark reads other organisations' figures cheaply.
 * - `survey.synthetic`: waves made for demonstrations and tests; the only ones synthetic
 *   answers may be added to.
 * - `survey.release_free_text`: the lead's decision, for the wave, to let free text into
 *   respondent-level files.
 * - `audit_log.actor_label`: who acted when it was not a signed-in user ("command line (alice)").
 * - response rates for the lead are counted from response rows by segment, which the
 *   (survey_id, role_group, directorate) index serves; it replaces (survey_id, role_group).
 *
 * Closed waves that existed before get their publication when `migrate` runs (storage/db.ts),
 * because building one needs the analysis code, which a migration must not freeze.
 */
export function publications(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('publication')
        .addColumn('survey_id', 'text', (c) => c.notNull().references('survey.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('built_on', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('headline', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('publication_pk', ['survey_id', 'version'] as never)
        .execute();
      await db.schema
        .alterTable('survey')
        .addColumn('synthetic', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('survey')
        .addColumn('release_free_text', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('audit_log').addColumn('actor_label', 'text').execute();
      for (const table of ['cell_count', 'answered_count', 'option_count', 'numeric_sum']) await db.schema.dropTable(table).execute();
      await db.schema.createIndex('response_survey_segment').on('response').columns(['survey_id', 'role_group', 'directorate']).execute();
      await db.schema.dropIndex('response_survey').execute();
      // The demo council's waves were made by the demo seed: mark them, so they stay the only synthetic ones.
      await sql`update survey set synthetic = 1 where organisation_id in (select id from organisation where name = 'Demo Borough Council')`.execute(db);
    },
  };
}
