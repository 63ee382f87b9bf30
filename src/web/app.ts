import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCompress from '@fastify/compress';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import nunjucks from 'nunjucks';
import { parse as parseQuery } from 'node:querystring';
import { isDatabaseUnavailable, type Storage } from '../storage/db.js';
import { localise } from '../instrument/text.js';
import { respondRoutes } from './routes/respond.js';
import { resultsRoutes } from './routes/results.js';
import { exportsRoutes } from './routes/exports.js';
import { reportRoutes } from './routes/report.js';
import { apiRoutes } from './routes/api.js';
import { homeRoutes } from './routes/home.js';
import { languageContext, languagePlugin } from './i18n/language.js';
import { authPlugin } from './plugins/auth.js';
import { securityPlugin } from './plugins/security.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { accountRoutes, type AccountRouteOptions } from './routes/account.js';
import { createMailer } from '../admin/mailer.js';
import { oidcFromConfig } from '../admin/oidc.js';
import { readConfig } from '../config.js';
import { healthRoutes } from './routes/health.js';
import { adminRoutes } from './routes/admin/index.js';

const govukDist = join(dirname(createRequire(import.meta.url).resolve('govuk-frontend/package.json')), 'dist');
// Works from src/web (tsx, tests) and dist/web (compiled): both sit two levels below the repo root.
const viewsDir = fileURLToPath(new URL('../../src/web/views', import.meta.url));

export interface AppOptions {
  storage: Storage;
  /** Mark cookies Secure (set when the app is served over TLS). */
  secureCookies?: boolean;
  /** Chromium for PDF reports; without it reports are HTML only. */
  chromiumPath?: string;
  logger?: FastifyServerOptions['logger'];
  /** Sign-in settings; mail goes where the environment says and links start with PUBLIC_URL unless given. */
  accounts?: Partial<Pick<AccountRouteOptions, 'mailer' | 'publicUrl' | 'rateLimit' | 'oidc'>>;
}

declare module 'fastify' {
  interface FastifyReply {
    render(template: string, context?: Record<string, unknown>, status?: number): FastifyReply;
  }
}

/** Builds the whole app from its dependencies; server.ts only listens, tests use inject. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 64 * 1024,
  });

  const views = nunjucks.configure([viewsDir, govukDist], { autoescape: true, throwOnUndefined: false, noCache: process.env.NODE_ENV === 'development' });
  views.addFilter('localise', (text: Parameters<typeof localise>[0], lang: 'en' | 'cy' = 'en') => (text ? localise(text, lang) : ''));

  // Old PCs on slow council networks: pages, styles and exports go compressed when the browser accepts it.
  await app.register(fastifyCompress, { global: true, encodings: ['gzip', 'deflate'], threshold: 1024 });
  await app.register(fastifyCookie);
  await app.register(languagePlugin, { secureCookies: options.secureCookies ?? false });
  await app.register(securityPlugin, { tls: options.secureCookies ?? false });
  await app.register(authPlugin, { storage: options.storage, secureCookies: options.secureCookies ?? false });
  await app.register(fastifyCsrf, {
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: options.secureCookies ?? false },
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

  app.decorateReply('render', function render(this: import('fastify').FastifyReply, template: string, context: Record<string, unknown> = {}, status = 200) {
    const csrfToken = this.generateCsrf();
    const html = views.render(template, { ...languageContext(this.request, template), csrfToken, cspNonce: this.cspNonce?.script, user: this.request.user, ...context });
    return this.status(status).type('text/html; charset=utf-8').send(html);
  });

  app.setNotFoundHandler((_request, reply) => reply.render('errors/not-found.njk', {}, 404));
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      return reply.render('errors/expired.njk', {}, 403);
    }
    if (isDatabaseUnavailable(error)) {
      // Nothing was half-written (each write is one transaction); the pool reconnects on a later request.
      request.log.warn({ code: error.code }, 'database unavailable');
      return reply.header('retry-after', '5').render('errors/unavailable.njk', {}, 503);
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'unhandled error');
    // A 4xx from Fastify (body too large, malformed body) says what went wrong in plain words.
    return reply.render('errors/problem.njk', { status, clientError: status < 500 ? error.message : undefined }, status);
  });

  await app.register(healthRoutes, { storage: options.storage });
  await app.register(homeRoutes, { storage: options.storage });
  await app.register(respondRoutes, { storage: options.storage, secureCookies: options.secureCookies ?? false });
  await app.register(resultsRoutes, { storage: options.storage });
  await app.register(exportsRoutes, { storage: options.storage });
  await app.register(reportRoutes, { storage: options.storage, chromiumPath: options.chromiumPath });
  await app.register(apiRoutes, { storage: options.storage });
  await app.register(rateLimitPlugin, { storage: options.storage });
  await app.register(accountRoutes, {
    storage: options.storage,
    secureCookies: options.secureCookies ?? false,
    mailer: options.accounts?.mailer ?? createMailer(readConfig()),
    publicUrl: options.accounts?.publicUrl ?? readConfig().PUBLIC_URL,
    rateLimit: options.accounts?.rateLimit,
    oidc: options.accounts && 'oidc' in options.accounts ? options.accounts.oidc : oidcFromConfig(readConfig()),
  });
  // The survey lead's pages mail invitations the way sign-in mails reset links.
  await app.register(adminRoutes, {
    storage: options.storage,
    mailer: options.accounts?.mailer ?? createMailer(readConfig()),
    publicUrl: options.accounts?.publicUrl ?? readConfig().PUBLIC_URL,
  });
  app.addHook('onClose', async () => options.storage.close());
  return app;
}
