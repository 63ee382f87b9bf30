import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Benchmark rounds: a host organisation (type `host`) runs a round on one instrument version
 * with a fieldwork window and invites councils; each council that joins links one wave of its
 * own to the round, and its benchmark comes only from the round's waves (one publication each).
 *
 * - `benchmark_round`: keyed by (host organisation, id), so a deployment distributed by
 *   organisation keeps a host's rounds with the host; `id` is unique on its own for references.
 *   `synthetic` rounds (the demo's) take only synthetic organisations, and real rounds only real ones.
 * - `round_participant`: keyed by (round, organisation): one row, so one wave, per organisation
 *   per round. `survey_id` is unique, so a wave is in at most one round. At the round's close
 *   `publication_version` records which version of the wave's publication the round uses, so a
 *   later republish (a new workforce profile) cannot move what the other councils were shown.
 * - `organisation.synthetic`: the demo organisation and the demo round's councils; never in a
 *   real round, a benchmark or a national report.
 */
export function benchmarkRounds(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('organisation')
        .addColumn('synthetic', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`update organisation set synthetic = 1 where name = 'Demo Borough Council'`.execute(db);
      await db.schema
        .createTable('benchmark_round')
        .addColumn('host_organisation_id', 'text', (c) => c.notNull().references('organisation.id'))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('instrument_version_id', 'text', (c) => c.notNull().references('instrument_version.id'))
        .addColumn('opens_on', 'text', (c) => c.notNull())
        .addColumn('closes_on', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'closed')`))
        .addColumn('synthetic', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('benchmark_round_pk', ['host_organisation_id', 'id'] as never)
        .execute();
      await db.schema
        .createTable('round_participant')
        .addColumn('round_id', 'text', (c) => c.notNull().references('benchmark_round.id'))
        .addColumn('organisation_id', 'text', (c) => c.notNull().references('organisation.id'))
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('invited', 'joined', 'declined', 'left')`))
        .addColumn('survey_id', 'text', (c) => c.unique().references('survey.id'))
        .addColumn('invited_on', 'text', (c) => c.notNull())
        .addColumn('joined_on', 'text')
        .addColumn('publication_version', 'integer')
        .addPrimaryKeyConstraint('round_participant_pk', ['round_id', 'organisation_id'] as never)
        .execute();
      // A council's own rounds (its invitations and the round its wave is in), without scanning every round.
      await db.schema.createIndex('round_participant_organisation').on('round_participant').columns(['organisation_id', 'round_id']).execute();
    },
  };
}
