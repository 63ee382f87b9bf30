import { readFileSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { DEFAULT_CHROMIUM_PATH, PdfRenderer } from '../../reporting/pdf.js';
import { reportFor, warmUpReportCharts, type ReportView } from '../../reporting/report.js';
import type { ResultsView } from '../../reporting/results-page.js';
import { loadSurveyResults, type SurveyResults } from '../../reporting/survey-data.js';
import type { Storage } from '../../storage/db.js';
import { requireOrganisationRole, surveyOrganisation } from '../plugins/auth.js';
import { previousWaveActions } from '../../admin/actions.js';
import { formatDate } from '../messages.js';
import { releasedResultsOnly } from '../plugins/released.js';

const ZParams = z.object({ id: z.uuid() });
// A file, not an inline <style>: the Content-Security-Policy allows styles from this origin only.
const reportCss = readFileSync(new URL('../../../src/web/views/report/report.css', import.meta.url), 'utf8');

export const reportRoutes: FastifyPluginAsync<{ storage: Storage; chromiumPath?: string }> = async (app, { storage, chromiumPath }) => {
  const pdf = new PdfRenderer(chromiumPath ?? DEFAULT_CHROMIUM_PATH, async (path) => {
    const asset = await app.inject({ method: 'GET', url: path });
    return { status: asset.statusCode, contentType: String(asset.headers['content-type'] ?? 'application/octet-stream'), body: asset.rawPayload };
  });
  app.addHook('onClose', async () => pdf.close());

  app.get('/report/report.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(reportCss));

  const viewer = { preHandler: [requireOrganisationRole('viewer', surveyOrganisation(storage)), releasedResultsOnly(storage)] };
  app.get('/surveys/:id/report', viewer, async (request, reply) => {
    const params = ZParams.safeParse(request.params);
    const results = params.success ? await loadSurveyResults(storage.db, params.data.id) : undefined;
    if (!results) return reply.callNotFound();
    const previous = await previousWaveActions(storage.db, results.survey);
    const previousActions = previous && {
      title: previous.title,
      actions: previous.actions.map((a) => ({ ...a, due: formatDate(new Date(`${a.dueOn}T12:00:00Z`), 'en'), status: a.status.replace('_', ' ') })),
    };
    return reply.render('report/report.njk', { report: await reportFor(results), cover: coverDates(results), surveyId: results.survey.id, pdf: pdf.availability(), previousActions });
  });

  app.get('/surveys/:id/report.pdf', viewer, async (request, reply) => {
    const params = ZParams.safeParse(request.params);
    const results = params.success ? await loadSurveyResults(storage.db, params.data.id) : undefined;
    if (!results) return reply.callNotFound();
    const availability = pdf.availability();
    if (!availability.available) return reply.render('report/pdf-unavailable.njk', { reason: availability.reason, surveyId: results.survey.id }, 503);
    // The PDF is the report page itself, fetched as this request would see it (same sign-in).
    const page = await app.inject({ method: 'GET', url: `/surveys/${results.survey.id}/report`, headers: { cookie: request.headers.cookie ?? '' } });
    if (page.statusCode !== 200) return reply.status(page.statusCode).type(String(page.headers['content-type'])).send(page.body);
    let body: Buffer;
    try {
      body = await pdf.render(page.body, `${results.organisation.name}: ${results.survey.title}`);
    } catch (error) {
      request.log.error({ err: error }, 'PDF rendering failed');
      return reply.render('report/pdf-unavailable.njk', { reason: 'Chromium could not be started to make it', surveyId: results.survey.id }, 503);
    }
    const name =
      results.survey.title
        .replace(/[^A-Za-z0-9]+/g, '-')
        .replace(/^-|-$/g, '')
        .toLowerCase() || 'report';
    return reply.type('application/pdf').header('content-disposition', `attachment; filename="${name}-report.pdf"`).send(body);
  });
};

/** The cover's dates in words: when the wave was open for answers, and when this version of its results was published. */
function coverDates(results: SurveyResults): { open?: string; published: string } {
  const day = (iso: string) => formatDate(new Date(`${iso}T12:00:00Z`), 'en');
  const { closedOn, builtOn, version } = results.publication;
  const open = closedOn ? (results.openedOn ? `${day(results.openedOn)} to ${day(closedOn)}` : `Until ${day(closedOn)}`) : undefined;
  // A later version follows a change such as a new workforce profile: its figures can differ from the first's.
  return { ...(open ? { open } : {}), published: version > 1 ? `${day(builtOn)} (version ${version})` : day(builtOn) };
}

/** What warming up needs of the app's templates (nunjucks' Environment is one). */
export interface TemplateRenderer {
  render(name: string, context: object): string;
}

/**
 * Readies a server for the first report and results page of any published wave, in the
 * background once it listens (web/app.ts, with the app's template environment):
 *
 * - the report's and results page's templates, with the layout and the GOV.UK macros they use,
 *   are compiled into the environment's cache (some 150 ms on a first render otherwise);
 * - the chart libraries are loaded, and every chart the report draws is compiled (vega-lite to
 *   vega, parsed) and the chart code optimised, by drawing each once with made-up figures
 *   (a first report would otherwise wait for it: loading vega and vega-lite alone takes
 *   about a second).
 *
 * Each step takes a turn of the event loop, so requests are answered between them. No wave's
 * data is read: a wave's first request still reads and parses its publication. Made-up pages
 * and charts are thrown away; nothing is cached that a request could see.
 */
export async function warmUpReporting(views: TemplateRenderer): Promise<void> {
  await warmUpReportCharts();
  const page = { lang: 'en', t: (key: string) => key };
  const table = { caption: 'Warm-up', head: [{ text: 'Answer' }, { text: 'All', format: 'numeric' as const }], rows: [[{ text: 'Warm-up' }, { text: '1', format: 'numeric' as const }]] };
  const report: ReportView = {
    title: 'Warm-up',
    organisation: 'Warm-up',
    surveyTitle: 'Warm-up',
    threshold: 10,
    responses: 10,
    headlines: ['Warm-up.'],
    sections: [{ id: 'warm-up', heading: 'Warm-up', paragraphs: ['Warm-up.'], figures: [{ id: 'warm-up', heading: 'Warm-up', chart: '<svg></svg>', table, notes: ['Warm-up.'] }] }],
    methodology: [{ heading: 'Warm-up', text: 'Warm-up.' }],
  };
  for (const pdf of [{ available: true }, { available: false, reason: 'warm-up' }]) {
    await nextTurn();
    views.render('report/report.njk', { ...page, report, cover: { open: 'Warm-up', published: 'Warm-up' }, surveyId: 'warm-up', pdf });
  }
  const view: ResultsView = {
    threshold: 10,
    responses: 10,
    withheld: ['Warm-up'],
    variables: [{ code: 'warm_up', title: 'Warm-up', base: 'everyone', columns: [{ label: 'All', base: 10 }], rows: [{ label: 'Warm-up', cells: [{ shown: true, text: '10%' }] }] }],
  };
  await nextTurn();
  views.render('results.njk', { ...page, survey: { id: 'warm-up', title: 'Warm-up' }, view });
}
