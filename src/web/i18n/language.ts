import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { LANGUAGES, ZLanguage, type TLanguage } from '../../instrument/text.js';
import { message, type MessageKey } from '../messages.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The respondent's language: ?lang= on a link, else the remembered choice, else English. */
    lang: TLanguage;
  }
}

export const LANGUAGE_COOKIE = 'sounding_lang';

/**
 * GOV.UK pattern: a "Cymraeg"/"English" link on every page adds ?lang= to the current
 * address; the choice is kept in a cookie so forms posted later (which carry no query)
 * stay in the same language. No Accept-Language guessing: staff on shared council PCs
 * often have a browser language that is not theirs.
 */
export const languagePlugin = fp<{ secureCookies: boolean }>(
  async (app, { secureCookies }) => {
    app.decorateRequest('lang', 'en');
    app.addHook('onRequest', async (request, reply) => {
      const asked = ZLanguage.safeParse((request.query as Record<string, unknown> | undefined)?.lang);
      if (asked.success) {
        request.lang = asked.data;
        reply.setCookie(LANGUAGE_COOKIE, asked.data, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookies, maxAge: 365 * 86_400 });
        return;
      }
      const remembered = ZLanguage.safeParse(request.cookies[LANGUAGE_COOKIE]);
      request.lang = remembered.success ? remembered.data : 'en';
    });
  },
  { name: 'sounding-language' },
);

/**
 * Pages a respondent sees exist in both languages; staff pages (results, accounts, reports)
 * are English only, so they keep lang="en" and offer no switch whatever the cookie says.
 */
const TRANSLATED = /^(respond\/[\w-]+|actions\/staff|errors\/(not-found|expired|problem|survey-closed|survey-not-found|unavailable|too-many-attempts)|home|accessibility)\.njk$/;

/** Pages saying that the address or the request was wrong: their switch leads home, never back to what was sent. */
const ABOUT_THE_REQUEST = /^errors\/(not-found|problem)\.njk$/;

/**
 * A respondent answers a survey in a language its definition declares: a survey written only in
 * English is answered in English whatever language was chosen before, so no Welsh buttons
 * surround English questions. Called once the survey is known, before any text is chosen.
 */
export function keepToSurveyLanguages(request: FastifyRequest, languages: readonly TLanguage[]): void {
  if (!languages.includes(request.lang)) request.lang = 'en';
}

/**
 * What a template needs to speak the request's language and offer the other one: on a page
 * about one survey, `surveyLanguages` are the languages its definition declares, and with only
 * one there is nothing to switch to.
 */
export function languageContext(request: FastifyRequest, template: string, surveyLanguages: readonly TLanguage[] = LANGUAGES) {
  const offered = TRANSLATED.test(template) ? surveyLanguages : ['en'];
  const lang: TLanguage = offered.includes(request.lang) ? request.lang : 'en';
  const other: TLanguage = lang === 'cy' ? 'en' : 'cy';
  const url = new URL(ABOUT_THE_REQUEST.test(template) ? '/' : request.url, 'http://localhost');
  url.searchParams.set('lang', other);
  return {
    lang,
    languageSwitch: offered.includes(other) ? { lang: other, href: `${url.pathname}${url.search}` } : undefined,
    t: (key: MessageKey, params?: Record<string, string | number>) => message(lang, key, params),
  };
}
