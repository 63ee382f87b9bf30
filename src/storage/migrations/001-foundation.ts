import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

type Dialect = 'sqlite' | 'postgres';

/** SQLite keeps a hidden rowid in arrival order; WITHOUT ROWID stores responses in (random) id order instead. */
function withoutRowid(dialect: Dialect) {
  return dialect === 'sqlite' ? sql`without rowid` : sql``;
}

export function foundation(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('organisation')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('nation', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('instrument_version')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('checksum', 'text', (c) => c.notNull().unique())
        .addColumn('definition', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('survey')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('organisation_id', 'text', (c) => c.notNull().references('organisation.id'))
        .addColumn('instrument_version_id', 'text', (c) => c.notNull().references('instrument_version.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('draft', 'open', 'closed')`))
        .addColumn('opens_on', 'text')
        .addColumn('closes_on', 'text')
        .addColumn('suppression_threshold', 'integer', (c) => c.notNull().check(sql`suppression_threshold >= 5`))
        .addColumn('previous_survey_id', 'text', (c) => c.references('survey.id'))
        .execute();
      await db.schema
        .createTable('answer_session')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('survey_id', 'text', (c) => c.notNull().references('survey.id'))
        .addColumn('answers', 'text', (c) => c.notNull())
        .addColumn('resume_code_hash', 'text', (c) => c.unique())
        .addColumn('expires_on', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('submission_key')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('survey_id', 'text', (c) => c.notNull().references('survey.id'))
        .modifyEnd(withoutRowid(dialect))
        .execute();
      await db.schema
        .createTable('response')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('survey_id', 'text', (c) => c.notNull().references('survey.id'))
        .addColumn('instrument_version_id', 'text', (c) => c.notNull().references('instrument_version.id'))
        .addColumn('role_group', 'text', (c) => c.notNull())
        .addColumn('directorate', 'text', (c) => c.notNull())
        .addColumn('submitted_on', 'text', (c) => c.notNull())
        .addColumn('answers', 'text', (c) => c.notNull())
        .modifyEnd(withoutRowid(dialect))
        .execute();
      await db.schema.createIndex('response_survey').on('response').columns(['survey_id', 'role_group']).execute();

      const cell = ['survey_id', 'role_group', 'directorate'];
      await db.schema
        .createTable('cell_count')
        .addColumn('survey_id', 'text', (c) => c.notNull().references('survey.id'))
        .addColumn('role_group', 'text', (c) => c.notNull())
        .addColumn('directorate', 'text', (c) => c.notNull())
        .addColumn('responses', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('cell_count_pk', cell as never)
        .execute();
      await db.schema
        .createTable('answered_count')
        .addColumn('survey_id', 'text', (c) => c.notNull().references('survey.id'))
        .addColumn('question', 'text', (c) => c.notNull())
        .addColumn('item', 'text', (c) => c.notNull())
        .addColumn('role_group', 'text', (c) => c.notNull())
        .addColumn('directorate', 'text', (c) => c.notNull())
        .addColumn('n', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('answered_count_pk', ['survey_id', 'question', 'item', 'role_group', 'directorate'] as never)
        .execute();
      await db.schema
        .createTable('option_count')
        .addColumn('survey_id', 'text', (c) => c.notNull().references('survey.id'))
        .addColumn('question', 'text', (c) => c.notNull())
        .addColumn('item', 'text', (c) => c.notNull())
        .addColumn('option', 'text', (c) => c.notNull())
        .addColumn('role_group', 'text', (c) => c.notNull())
        .addColumn('directorate', 'text', (c) => c.notNull())
        .addColumn('n', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('option_count_pk', ['survey_id', 'question', 'item', 'option', 'role_group', 'directorate'] as never)
        .execute();
      await db.schema
        .createTable('numeric_sum')
        .addColumn('survey_id', 'text', (c) => c.notNull().references('survey.id'))
        .addColumn('variable', 'text', (c) => c.notNull())
        .addColumn('role_group', 'text', (c) => c.notNull())
        .addColumn('directorate', 'text', (c) => c.notNull())
        .addColumn('n', 'integer', (c) => c.notNull())
        .addColumn('sum', 'double precision', (c) => c.notNull())
        .addColumn('sum_squares', 'double precision', (c) => c.notNull())
        .addPrimaryKeyConstraint('numeric_sum_pk', ['survey_id', 'variable', 'role_group', 'directorate'] as never)
        .execute();
    },
  };
}
