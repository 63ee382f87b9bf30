import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCompress from '@fastify/compress';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import nunjucks from 'nunjucks';
import { parse as parseQuery } from 'node:querystring';
import type { Storage } from '../storage/db.js';
import { localise, ZLanguage } from '../instrument/text.js';
import { z } from 'zod';
import { respondRoutes } from './routes/respond.js';
import { resultsRoutes } from './routes/results.js';
import { exportsRoutes } from './routes/exports.js';
import { reportRoutes, warmUpReporting } from './routes/report.js';
import { apiRoutes } from './routes/api.js';
import { homeRoutes } from './routes/home.js';
import { languageContext, languagePlugin } from './i18n/language.js';
import { authPlugin } from './plugins/auth.js';
import { securityPlugin } from './plugins/security.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { accountRoutes } from './routes/account.js';
import type { Mailer } from '../admin/mailer.js';
import type { Oidc } from '../admin/oidc.js';
import type { TConfig } from '../config.js';
import { healthRoutes } from './routes/health.js';
import { trustProxyOption } from './trust-proxy.js';
import { adminRoutes } from './routes/admin/index.js';
import { roundRoutes } from './routes/admin/rounds.js';
import { paperRoutes } from './routes/admin/paper.js';
import { actionRoutes } from './routes/actions.js';
import { answerError, answerNotFound } from './errors.js';
import { formatDate } from './messages.js';

const govukDist = join(dirname(createRequire(import.meta.url).resolve('govuk-frontend/package.json')), 'dist');
// Works from src/web (tsx, tests) and dist/web (compiled): both sit two levels below the repo root.
const viewsDir = fileURLToPath(new URL('../../src/web/views', import.meta.url));

/** The settings the app uses, from the configuration read once by the entry point (config.ts). */
export type AppConfig = Pick<TConfig, 'publicUrl' | 'secureCookies' | 'chromiumPath' | 'logLevel' | 'reloadTemplates' | 'signInRateLimit' | 'trustProxy'>;

/** The lines logged (at info and error) when the report's warm-up ends, for whoever waits for it (benchmarks, tests). */
export const WARM_UP_LOG = { done: 'report templates and charts warmed up', failed: 'warming up the report failed' } as const;

/** What the app runs on, built by the entry point (composition.ts `buildServices`); tests pass their own. */
export interface AppServices {
  storage: Storage;
  /** Sign-in mail (reset links) and the lead's invitations. */
  mailer: Mailer;
  /** Sign-in through an OpenID Connect provider, when configured. */
  oidc?: Oidc;
  /** Where log lines go (standard output unless given); the level is the configuration's. */
  logStream?: { write(line: string): void };
}

declare module 'fastify' {
  interface FastifyReply {
    render(template: string, context?: Record<string, unknown>, status?: number): FastifyReply;
  }
}

/** The languages the definition of the page's survey declares, when the page is about one. */
const ZPageSurvey = z.object({ survey: z.object({ definition: z.object({ languages: z.array(ZLanguage) }) }) });
function surveyLanguages(context: Record<string, unknown>) {
  const page = ZPageSurvey.safeParse(context);
  return page.success ? page.data.survey.definition.languages : undefined;
}

/** Builds the whole app from its dependencies; server.ts only listens, tests use inject. */
export async function buildApp(config: AppConfig, services: AppServices): Promise<FastifyInstance> {
  const { storage, mailer } = services;
  const secureCookies = config.secureCookies;
  const app = Fastify({
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            ...(services.logStream ? { stream: services.logStream } : {}),
            // Request logs carry the request id, method and URL only: no client address, browser details or body.
            serializers: { req: (request) => ({ id: request.id, method: request.method, url: request.url }) },
          },
    bodyLimit: 64 * 1024,
    // Which proxies may say who the client is (X-Forwarded-For): request.ip, and so every per-address limit, depends on it.
    trustProxy: trustProxyOption(config.trustProxy),
    // A request id no other process repeats: a 500 page quotes it as the reference to its log line.
    genReqId: () => randomUUID(),
    // A URL Fastify cannot route (bad percent-encoding, a segment longer than maxParamLength) is refused before routing, with
    // a request and reply the app's plugins never saw: they get the plugins' defaults (English, signed out) and a way to render
    // a page with no form token (no cookies were read), and the error is answered as any other, never quoting the URL.
    frameworkErrors: (error, request, reply) => {
      request.lang = 'en';
      request.user = null;
      reply.render = (template, context = {}, status = 200) => renderPage(reply, template, context, status, undefined);
      answerError(error, request, reply);
    },
  });

  const views = nunjucks.configure([viewsDir, govukDist], { autoescape: true, throwOnUndefined: false, noCache: config.reloadTemplates });
  // Dates as GOV.UK writes them ("29 November 2026"), from a stored day (YYYY-MM-DD) or time; blank stays blank.
  views.addFilter('longDate', (day: string | null | undefined, lang: 'en' | 'cy' = 'en') => (day ? formatDate(new Date(day.length === 10 ? `${day}T12:00:00Z` : day), lang) : ''));
  // A staff form's inline error for one field, from the error summary's list (each item links to its field: href "#field").
  views.addFilter('errorFor', (errorList: { text: string; href?: string }[] | undefined, field: string) => {
    const found = errorList?.find((e) => e.href === `#${field}`);
    return found ? { text: found.text } : undefined;
  });
  views.addFilter('localise', (text: Parameters<typeof localise>[0], lang: 'en' | 'cy' = 'en') => (text ? localise(text, lang) : ''));
  // Once listening, in the background: a wave's first report or results page then compiles no
  // template or chart (web/routes/report.ts), and start-up does not wait for charting to load.
  // Begun on the next turn of the event loop, so that what follows listen() in server.ts (signal
  // handlers) runs first. A failure is logged; a report would then compile what it needs itself.
  app.addHook('onListen', () => {
    setImmediate(() => {
      const started = performance.now();
      warmUpReporting(views).then(
        () => app.log.info({ ms: Math.round(performance.now() - started) }, WARM_UP_LOG.done),
        (error: unknown) => app.log.error({ err: error }, WARM_UP_LOG.failed),
      );
    });
  });

  // Old PCs on slow council networks: pages, styles and exports go compressed when the browser accepts it.
  await app.register(fastifyCompress, { global: true, encodings: ['gzip', 'deflate'], threshold: 1024 });
  await app.register(fastifyCookie);
  await app.register(languagePlugin, { secureCookies });
  await app.register(securityPlugin, { tls: secureCookies });
  await app.register(authPlugin, { storage, secureCookies });
  await app.register(fastifyCsrf, {
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookies },
    getToken: (request) => (request.body as Record<string, string> | undefined)?._csrf,
  });
  // Repeated fields (checkboxes) arrive as arrays.
  await app.register(fastifyFormbody, { parser: (body) => parseQuery(body) });
  await app.register(fastifyStatic, { root: join(govukDist, 'govuk', 'assets'), prefix: '/assets/' });
  await app.register(fastifyStatic, {
    root: join(govukDist, 'govuk'),
    prefix: '/govuk/',
    decorateReply: false,
    allowedPath: (path) => path === '/govuk-frontend.min.js',
  });
  // GOV.UK Frontend's styles compiled for a service not on GOV.UK (src/web/styles, `npm run build:css`).
  await app.register(fastifyStatic, { root: fileURLToPath(new URL('../../dist/styles', import.meta.url)), prefix: '/styles/', decorateReply: false });

  await app.register(fastifyStatic, { root: fileURLToPath(new URL('../../src/web/public', import.meta.url)), prefix: '/static/', decorateReply: false });

  /** A page from a template, with what every page needs: the request's language and user, and the form token. */
  function renderPage(reply: FastifyReply, template: string, context: Record<string, unknown>, status: number, csrfToken: string | undefined) {
    const html = views.render(template, {
      ...languageContext(reply.request, template, surveyLanguages(context)),
      csrfToken,
      user: reply.request.user,
      // The page's own address, for the header to mark where the reader is.
      path: reply.request.url.split('?')[0],
      ...context,
    });
    return reply.status(status).type('text/html; charset=utf-8').send(html);
  }
  app.decorateReply('render', function render(this: FastifyReply, template: string, context: Record<string, unknown> = {}, status = 200) {
    return renderPage(this, template, context, status, this.generateCsrf());
  });

  app.setNotFoundHandler(answerNotFound);
  app.setErrorHandler(answerError);

  await app.register(healthRoutes, { storage });
  await app.register(homeRoutes, { storage });
  await app.register(respondRoutes, { storage, secureCookies });
  await app.register(resultsRoutes, { storage });
  await app.register(exportsRoutes, { storage });
  await app.register(reportRoutes, { storage, chromiumPath: config.chromiumPath });
  await app.register(apiRoutes, { storage });
  await app.register(rateLimitPlugin, { storage });
  await app.register(accountRoutes, { storage, secureCookies, mailer, publicUrl: config.publicUrl, rateLimit: config.signInRateLimit, oidc: services.oidc });
  // The survey lead's pages mail invitations the way sign-in mails reset links.
  await app.register(adminRoutes, { storage, mailer, publicUrl: config.publicUrl, secureCookies });
  await app.register(roundRoutes, { storage });
  await app.register(paperRoutes, { storage, chromiumPath: config.chromiumPath });
  await app.register(actionRoutes, { storage });
  app.addHook('onClose', async () => storage.close());
  return app;
}
