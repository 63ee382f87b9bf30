import { describe, expect, it } from 'vitest';
import { migrate, openStorage } from '../../src/storage/db.js';
import { POSTGRES_SKIP_REASON, freshPostgres, freshSqlite, postgresUrl } from './targets.js';

const backends = [
  { name: 'SQLite', target: async () => freshSqlite(), skip: false },
  { name: `PostgreSQL${postgresUrl ? '' : ` (${POSTGRES_SKIP_REASON})`}`, target: freshPostgres, skip: !postgresUrl },
];

describe.each(backends)('migrations on $name', ({ target, skip }) => {
  it.skipIf(skip)('create every table, and running them again changes nothing', async () => {
    const storage = openStorage(await target());
    try {
      await migrate(storage);
      await migrate(storage);
      const tables = (await storage.db.introspection.getTables()).map((t) => t.name).sort();
      expect(tables).toEqual([
        'answer_session',
        'api_token',
        'audit_log',
        'benchmark_round',
        'finding_action',
        'finding_action_note',
        'instrument_version',
        'invitation',
        'invitation_token',
        'invited_address',
        'membership',
        'organisation',
        'password_reset',
        'publication',
        'rate_limit_counter',
        'rate_limit_salt',
        'response',
        'round_participant',
        'scheduled_job',
        'secret',
        'sign_in_failure',
        'submission_key',
        'survey',
        'user_account',
        'user_session',
        'wave_message',
        'workforce_profile_cell',
      ]);
      const responseColumns = (await storage.db.introspection.getTables()).find((t) => t.name === 'response')!.columns.map((c) => c.name);
      // Anonymity: nothing that could identify a respondent or the time they answered (source: online or paper, never who keyed it).
      expect(responseColumns.sort()).toEqual(['answers', 'directorate', 'id', 'instrument_version_id', 'role_group', 'source', 'submitted_on', 'survey_id']);
      // No account-wide lock any more: failures are counted per account and address (sign_in_failure).
      const accountColumns = (await storage.db.introspection.getTables()).find((t) => t.name === 'user_account')!.columns.map((c) => c.name);
      expect(accountColumns.sort()).toEqual(['created_at', 'email', 'id', 'name', 'password_hash', 'platform_admin']);
    } finally {
      await storage.close();
    }
  });
});
