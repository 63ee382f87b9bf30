import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fastifyHelmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/**
 * The hashes of the inline scripts of GOV.UK Frontend's page template (one: it marks the body
 * as JavaScript-enabled before the page paints), read from the installed template itself so
 * an upgrade cannot leave a stale hash behind.
 */
function govukInlineScriptHashes(): string[] {
  const template = readFileSync(createRequire(import.meta.url).resolve('govuk-frontend/dist/govuk/template.njk'), 'utf8');
  const scripts = [...template.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([^<]*)<\/script>/g)].map((m) => m[1]!);
  if (scripts.length === 0) throw new Error('GOV.UK Frontend template: no inline script found, so the CSP hash cannot be made');
  return scripts.map((body) => `'sha256-${createHash('sha256').update(body).digest('base64')}'`);
}

/**
 * Security headers. Scripts and styles come only from this origin, or are the template's own
 * inline script allowed by its hash, so no 'unsafe-inline' is needed. A hash rather than a
 * per-request nonce: the policy is the same for every response, so helmet builds it once
 * instead of on every request (a nonce also cost a random value each time).
 * HSTS is sent only over TLS: over plain HTTP on localhost it would be meaningless or harmful.
 */
export const securityPlugin = fp<{ tls: boolean }>(
  async (app, { tls }) => {
    await app.register(fastifyHelmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", ...govukInlineScriptHashes()],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          ...(tls ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: tls ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      referrerPolicy: { policy: 'same-origin' },
      frameguard: { action: 'deny' },
    });
  },
  { name: 'sounding-security' },
);
