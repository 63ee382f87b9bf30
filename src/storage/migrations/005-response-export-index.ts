import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Exports read a survey's responses in pages ordered by id (see storage/exports.ts). With
 * only the (survey_id, role_group) index each page sorted the whole survey, so reading it
 * all was quadratic; this index serves "survey_id = ? and id > ? order by id limit n" directly.
 */
export function responseExportIndex(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('response_survey_id').on('response').columns(['survey_id', 'id']).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('response_survey_id').execute();
    },
  };
}
