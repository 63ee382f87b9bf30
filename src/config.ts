import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_CHROMIUM_PATH } from './reporting/pdf.js';

/** The whole configuration, read once from the environment; a bad value stops start-up with a clear message. */
export const ZConfig = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** GOV.UK Notify: an API key and an email template whose subject is ((subject)) and body ((body)). */
  NOTIFY_API_KEY: z.string().min(74, 'must be a GOV.UK Notify API key').optional(),
  NOTIFY_TEMPLATE_ID: z.uuid('must be the id of a GOV.UK Notify email template').optional(),
  /** SMTP server for email when Notify is not configured, e.g. smtps://user:password@smtp.example.org:465 */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  /** Chromium for PDF reports; where it is missing the app still serves HTML reports and says PDF is unavailable. */
  CHROMIUM_PATH: z.string().min(1).default(DEFAULT_CHROMIUM_PATH),
  MAIL_FROM: z.string().min(3).default('Sounding <sounding@localhost>'),
  /** The address people use to reach Sounding; links in emails start with it. https:// marks cookies Secure and turns on HSTS. */
  PUBLIC_URL: z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).default('http://localhost:3000'),
  /** Optional OpenID Connect sign-in (e.g. Microsoft Entra ID): all four or none. */
  OIDC_ISSUER: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_REDIRECT_URL: z.url().optional(),
}).superRefine((config, context) => {
  const oidc = [config.OIDC_ISSUER, config.OIDC_CLIENT_ID, config.OIDC_CLIENT_SECRET, config.OIDC_REDIRECT_URL];
  if (oidc.some(Boolean) && !oidc.every(Boolean)) {
    context.addIssue({ code: 'custom', path: ['OIDC_ISSUER'], message: 'OpenID Connect needs all of OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_REDIRECT_URL, or none' });
  }
});
export type TConfig = z.output<typeof ZConfig>;

export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

export function readConfig(env: NodeJS.ProcessEnv = process.env): TConfig {
  const parsed = ZConfig.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}

export function databaseTarget(config: TConfig): DatabaseTarget {
  return config.DATABASE_URL
    ? { kind: 'postgres', url: config.DATABASE_URL }
    : { kind: 'sqlite', file: resolve(config.DATA_DIR, 'sounding.sqlite') };
}
