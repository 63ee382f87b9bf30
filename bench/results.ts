/**
 * The results page, report and API of a published wave of BENCH_RESULTS_SIZES (default
 * "100000,1000000"; "600" with --smoke) synthetic responses, on SQLite and (with
 * TEST_DATABASE_URL) PostgreSQL. The responses are made with the CLI (`survey generate --batch 1000`) and the wave closed,
 * which builds its publication; every output reads that stored document. Each page is timed
 * cold, as the first request of a new server process once it has warmed up (the publication
 * read and parsed from the database, the page rendered), and warm (median of three more).
 *
 * `--only publication` measures the same pages along with the build itself and DuckDB; this
 * suite is the quicker way to measure only the pages. Target: cold under 300 ms.
 */
import { closeWave } from '../test/support/waves.js';
import { userWithRoles } from '../test/support/accounts.js';
import { openSurveyDatabase, standardInstrument, testDatabases } from '../test/support/app.js';
import type { SuiteOptions, SuiteResult } from './run.js';
import { dropTarget, generate, pageTimes, setting, timed } from './support.js';

const definition = standardInstrument();

export async function run(options: SuiteOptions): Promise<SuiteResult> {
  const sizes = setting('BENCH_RESULTS_SIZES', { full: '100000,1000000', smoke: '600' }, options).split(',').map(Number);
  const rows: SuiteResult['rows'] = [];
  for (const size of sizes) {
    for (const database of testDatabases) {
      if (database.skip) {
        rows.push({ database: database.kind, responses: size, note: 'skipped: set TEST_DATABASE_URL to include PostgreSQL' });
        continue;
      }
      const target = await database.fresh();
      const { storage, survey } = await openSurveyDatabase(definition, target);
      try {
        const generateMs = await generate(target, survey.id, size);
        const closed = await timed(() => closeWave(storage.db, survey.id));
        const { organisation_id } = await storage.db.selectFrom('survey').select('organisation_id').where('id', '=', survey.id).executeTakeFirstOrThrow();
        const { cookie } = await userWithRoles(storage.db, { [organisation_id]: 'viewer' });
        const results = await pageTimes(target, `/surveys/${survey.id}/results`, cookie, 'govuk-table');
        const report = await pageTimes(target, `/surveys/${survey.id}/report`, cookie, '<svg');
        const api = await pageTimes(target, `/api/surveys/${survey.id}/results`, cookie, '"questions"');
        rows.push({
          database: database.kind,
          responses: size,
          'generate resp/s': Math.round(size / (generateMs / 1000)),
          'close and publish s': +(closed.ms / 1000).toFixed(1),
          'results cold ms': Math.round(results.cold),
          'results warm ms': Math.round(results.warm),
          'report cold ms': Math.round(report.cold),
          'report warm ms': Math.round(report.warm),
          'API cold ms': Math.round(api.cold),
          'API warm ms': Math.round(api.warm),
        });
      } finally {
        await storage.close();
        await dropTarget(target);
      }
    }
  }
  return { name: 'Results of a published wave, each page cold in a new server process and warm (target: cold under 300 ms)', rows };
}
