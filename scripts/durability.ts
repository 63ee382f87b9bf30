/**
 * Durability under load at a larger scale than the test suite's (test/web/durability-load.test.ts
 * runs the same check with 24 respondents):
 *
 *   npx tsx scripts/durability.ts [--database sqlite|postgres] [--respondents 2000] [--concurrency 100] [--kill-after 500]
 *
 * Respondents answer the standard instrument over HTTP against a real server process; once
 * --kill-after submissions are acknowledged the server is killed with SIGKILL, restarted, and
 * every respondent carries on. PostgreSQL uses a fresh database on TEST_DATABASE_URL's server.
 * Exit code 0 when every acknowledged answer is stored exactly once, 1 otherwise.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { runDurability } from '../test/support/durability.js';
import { standardInstrument, testDatabases } from '../test/support/app.js';

const ZOptions = z.object({
  database: z.enum(['sqlite', 'postgres']),
  respondents: z.coerce.number().int().min(2),
  concurrency: z.coerce.number().int().min(1),
  killAfter: z.coerce.number().int().min(1),
});

const { values } = parseArgs({
  options: {
    database: { type: 'string', default: 'sqlite' },
    respondents: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '100' },
    'kill-after': { type: 'string', default: '500' },
  },
});
const parsed = ZOptions.safeParse({ ...values, killAfter: values['kill-after'] });
if (!parsed.success) {
  const issue = parsed.error.issues[0]!;
  console.error(`Invalid --${String(issue.path[0]).replace('killAfter', 'kill-after')}: ${issue.message}`);
  process.exit(1);
}
const options = parsed.data;
if (options.killAfter >= options.respondents) {
  console.error('Invalid --kill-after: must be less than --respondents, so the kill comes mid-stream');
  process.exit(1);
}
const database = testDatabases.find((d) => d.kind === options.database)!;
if (database.skip) {
  console.error('PostgreSQL needs TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)');
  process.exit(1);
}

const started = Date.now();
const result = await runDurability({ definition: standardInstrument(), target: await database.fresh(), ...options });
console.table([{ database: options.database, ...result, seconds: Math.round((Date.now() - started) / 1000) }]);
const ok = result.acknowledgedStoredOnce === result.acknowledgedBeforeKill && result.missing === 0 && result.duplicated === 0 && result.stored === result.respondents && result.consistent;
console.log(ok ? 'OK: every acknowledged answer is stored exactly once' : 'FAILED: see the table');
process.exit(ok ? 0 : 1);
