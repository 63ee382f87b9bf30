/**
 * The survey report: server time to answer the HTML report cold (analysis, free-text themes
 * and every chart rendered), warm (cached until a figure can change), after one more response
 * (rebuilt), the JSON API, and the PDF (Chromium already running). BENCH_REPORT_RESPONSES
 * synthetic responses (default 600, as in the demo).
 */
import { TEST_ACTOR } from '../test/support/waves.js';
import { existsSync } from 'node:fs';
import { generateResponses } from '../src/admin/demo.js';
import { DEFAULT_CHROMIUM_PATH } from '../src/reporting/pdf.js';
import { findSurveyById } from '../src/storage/surveys.js';
import { userWithRoles } from '../test/support/accounts.js';
import { testApp } from '../test/support/app.js';
import type { SuiteResult } from './run.js';

const RESPONSES = Number(process.env.BENCH_REPORT_RESPONSES ?? 600);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<SuiteResult> {
  const t = await testApp();
  try {
    const survey = (await findSurveyById(t.storage.db, t.survey.id))!;
    await generateResponses(t.storage.db, TEST_ACTOR, survey.id, RESPONSES);
    const { organisation_id } = await t.storage.db.selectFrom('survey').select('organisation_id').where('id', '=', survey.id).executeTakeFirstOrThrow();
    const { cookie } = await userWithRoles(t.storage.db, { [organisation_id]: 'viewer' });
    const time = async (url: string, runs: number) => {
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        const response = await t.app.inject({ url, headers: { cookie } });
        ms.push(performance.now() - start);
        if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}`);
      }
      return median(ms).toFixed(0);
    };
    const report = `/surveys/${survey.id}/report`;
    const rows: SuiteResult['rows'] = [];
    rows.push({ measure: `HTML report, cold (${RESPONSES} responses)`, ms: await time(report, 1) });
    rows.push({ measure: 'HTML report, cached (median of 20)', ms: await time(report, 20) });
    await generateResponses(t.storage.db, TEST_ACTOR, survey.id, 1, 99);
    rows.push({ measure: 'HTML report after one more response (rebuilt)', ms: await time(report, 1) });
    rows.push({ measure: 'JSON API (median of 20)', ms: await time(`/api/surveys/${survey.id}/results`, 20) });
    if (existsSync(DEFAULT_CHROMIUM_PATH)) {
      rows.push({ measure: 'PDF, first (starts Chromium)', ms: await time(`${report}.pdf`, 1) });
      rows.push({ measure: 'PDF, Chromium running (median of 3)', ms: await time(`${report}.pdf`, 3) });
    } else rows.push({ measure: 'PDF', ms: `skipped: no Chromium at ${DEFAULT_CHROMIUM_PATH}` });
    return { name: 'Survey report (server time per request)', rows };
  } finally {
    await t.app.close();
  }
}
