/**
 * The survey report of a published wave: server time to answer the HTML report on its first
 * request in this process, once warmed up as a listening server is (the publication parsed,
 * analysis figures laid out, free-text themes and every chart rendered), cached, after a
 * republish (a new publication version, so rebuilt), the JSON API, and the PDF (Chromium
 * already running). BENCH_REPORT_RESPONSES synthetic responses (default 600, as in the demo;
 * 100 with --smoke), added while the wave is open, then the wave closed, which builds its
 * publication. For the first request of a new server process on large waves, see
 * `--only results` and `--only publication`.
 */
import { existsSync } from 'node:fs';
import { generateResponses } from '../src/admin/demo.js';
import { republish } from '../src/publications/service.js';
import { DEFAULT_CHROMIUM_PATH } from '../src/reporting/pdf.js';
import { userWithRoles } from '../test/support/accounts.js';
import { openSurveyDatabase, standardInstrument, testConfig, testServices } from '../test/support/app.js';
import { freshSqlite } from '../test/storage/targets.js';
import { closeWave, TEST_ACTOR } from '../test/support/waves.js';
import type { SuiteOptions, SuiteResult } from './run.js';
import { dropTarget, median, setting, warmedUpApp } from './support.js';

export async function run(options: SuiteOptions): Promise<SuiteResult> {
  const responses = Number(setting('BENCH_REPORT_RESPONSES', { full: '600', smoke: '100' }, options));
  const target = freshSqlite();
  const { storage, survey } = await openSurveyDatabase(standardInstrument(), target);
  const app = await warmedUpApp(testConfig(), testServices(storage));
  try {
    const surveyId = survey.id;
    await generateResponses(storage.db, TEST_ACTOR, surveyId, responses, 1, 1000);
    await closeWave(storage.db, surveyId);
    const { organisation_id } = await storage.db.selectFrom('survey').select('organisation_id').where('id', '=', surveyId).executeTakeFirstOrThrow();
    const { cookie } = await userWithRoles(storage.db, { [organisation_id]: 'viewer' });
    const time = async (url: string, runs: number) => {
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        const response = await app.inject({ url, headers: { cookie } });
        ms.push(performance.now() - start);
        if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}`);
      }
      return median(ms).toFixed(0);
    };
    const report = `/surveys/${surveyId}/report`;
    const rows: SuiteResult['rows'] = [];
    rows.push({ measure: `HTML report, first request (${responses} responses)`, ms: await time(report, 1) });
    rows.push({ measure: 'HTML report, cached (median of 20)', ms: await time(report, 20) });
    await republish(storage.db, TEST_ACTOR, surveyId);
    rows.push({ measure: 'HTML report after a republish (new version, rebuilt)', ms: await time(report, 1) });
    rows.push({ measure: 'JSON API (median of 20)', ms: await time(`/api/surveys/${surveyId}/results`, 20) });
    if (existsSync(DEFAULT_CHROMIUM_PATH)) {
      rows.push({ measure: 'PDF, first (starts Chromium)', ms: await time(`${report}.pdf`, 1) });
      rows.push({ measure: 'PDF, Chromium running (median of 3)', ms: await time(`${report}.pdf`, 3) });
    } else rows.push({ measure: 'PDF', ms: `skipped: no Chromium at ${DEFAULT_CHROMIUM_PATH}` });
    return { name: 'Survey report of a published wave (server time per request)', rows };
  } finally {
    await app.close();
    await dropTarget(target);
  }
}
