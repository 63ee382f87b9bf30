import { join, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_CHROMIUM_PATH } from './reporting/pdf.js';

/** The file the lead mail-merges from when no email service is configured, in DATA_DIR. */
export const OUTBOX_FILE = 'outbox.csv';

/** Where the database is: a SQLite file in DATA_DIR, or PostgreSQL when DATABASE_URL is set. */
export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const PORT = 'must be a whole number from 1 to 65535';
const TRUST_PROXY = 'must be true, the number of proxies in front of Sounding (1 or more), or a comma-separated list of proxy addresses or CIDR ranges';
/** Names proxy-addr (Fastify's trustProxy) understands for whole ranges of private addresses. */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'] as const;
const ZProxyAddress = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6(), z.enum(NAMED_RANGES)]);

/**
 * Which proxies may tell Sounding the client's address (X-Forwarded-For): unset or false,
 * none (the connection's own address is the client); true, any; a number, that many proxies
 * in front, each on this machine or a private network (web/trust-proxy.ts); or a list of
 * proxy addresses and ranges.
 */
const ZTrustProxy = z
  .string()
  .trim()
  .transform((value, context): boolean | number | string[] => {
    if (value === '' || value === 'false') return false;
    if (value === 'true') return true;
    if (/^\d+$/.test(value)) {
      if (Number(value) >= 1) return Number(value);
    } else {
      const addresses = value.split(',').map((address) => address.trim());
      if (addresses.every((address) => ZProxyAddress.safeParse(address).success)) return addresses;
    }
    context.addIssue({ code: 'custom', message: TRUST_PROXY });
    return z.NEVER;
  });
const NOT_EMPTY = 'must not be empty';
const SCHEDULE_INTERVAL = 'must be a whole number of seconds from 1 to 3600';

/**
 * The environment variables Sounding reads, and nothing else: this schema is the only place
 * that knows their names. Messages name the variable and what is wrong, never the value given
 * (a URL or key may hold a password).
 */
const ZEnvironment = z
  .object({
    PORT: z.coerce.number({ error: PORT }).int(PORT).min(1, PORT).max(65535, PORT).default(3000),
    HOST: z.string().min(1, NOT_EMPTY).default('127.0.0.1'),
    DATA_DIR: z.string().min(1, NOT_EMPTY).default('./data'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional()
      .or(z.literal('').transform(() => undefined)),
    LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    /** "development" reads page templates afresh on every request (npm run dev). */
    NODE_ENV: z.string().optional(),
    /** GOV.UK Notify: an API key and an email template whose subject is ((subject)) and body ((body)); both or neither. */
    NOTIFY_API_KEY: z.string().min(74, 'must be a GOV.UK Notify API key').optional(),
    NOTIFY_TEMPLATE_ID: z.uuid('must be the id of a GOV.UK Notify email template').optional(),
    /** SMTP server for email when Notify is not configured, e.g. smtps://user:password@smtp.example.org:465 */
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
      .optional(),
    /** Chromium for PDF reports; where it is missing the app still serves HTML reports and says PDF is unavailable. */
    CHROMIUM_PATH: z.string().min(1, NOT_EMPTY).default(DEFAULT_CHROMIUM_PATH),
    MAIL_FROM: z.string().min(3, 'must be a sender such as Sounding <sounding@council.gov.uk>').default('Sounding <sounding@localhost>'),
    /**
     * The address people use to reach Sounding; every link in emails and pages starts with it. Unset: http://localhost:PORT,
     * so a server on another port still links to itself. https:// marks cookies Secure and turns on HSTS.
     */
    PUBLIC_URL: z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).optional(),
    /** Set behind a reverse proxy, so limits count each client rather than the proxy (docs/operations-proxy.md). */
    TRUST_PROXY: ZTrustProxy.default(false),
    /** off: never seed the demo council, its waves and the demo round, even into an empty embedded database (admin/demo.ts). */
    SOUNDING_DEMO: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
    /** Optional OpenID Connect sign-in (e.g. Microsoft Entra ID): all four or none. */
    OIDC_ISSUER: z.url('must be a URL').optional(),
    OIDC_CLIENT_ID: z.string().min(1, NOT_EMPTY).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1, NOT_EMPTY).optional(),
    OIDC_REDIRECT_URL: z.url('must be a URL').optional(),
    /** How often each process looks for planned work that is due (a wave's planned opening or closing): seconds. */
    SCHEDULE_INTERVAL_SECONDS: z.coerce.number({ error: SCHEDULE_INTERVAL }).int(SCHEDULE_INTERVAL).min(1, SCHEDULE_INTERVAL).max(3600, SCHEDULE_INTERVAL).default(60),
  })
  .superRefine((env, context) => {
    if (Boolean(env.NOTIFY_API_KEY) !== Boolean(env.NOTIFY_TEMPLATE_ID)) {
      context.addIssue({
        code: 'custom',
        path: [env.NOTIFY_API_KEY ? 'NOTIFY_TEMPLATE_ID' : 'NOTIFY_API_KEY'],
        message: 'GOV.UK Notify needs both NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID to be set, or neither',
      });
    }
    const oidc = [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET, env.OIDC_REDIRECT_URL];
    if (oidc.some(Boolean) && !oidc.every(Boolean)) {
      context.addIssue({ code: 'custom', path: ['OIDC_ISSUER'], message: 'OpenID Connect needs all of OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_REDIRECT_URL, or none' });
    }
  });

/** How email goes out: GOV.UK Notify (one template), an SMTP server, or a CSV file to mail-merge from. */
export type MailSettings = { kind: 'notify'; apiKey: string; templateId: string } | { kind: 'smtp'; url: string; from: string } | { kind: 'outbox'; file: string };

/** OpenID Connect sign-in, when all four OIDC_ variables are set. */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUrl: string;
}

type Environment = z.output<typeof ZEnvironment>;

function database(env: Environment): DatabaseTarget {
  return env.DATABASE_URL ? { kind: 'postgres', url: env.DATABASE_URL } : { kind: 'sqlite', file: join(resolve(env.DATA_DIR), 'sounding.sqlite') };
}

/** GOV.UK Notify when its key and template are set, else SMTP when a server is set, else a CSV outbox in DATA_DIR. */
function mail(env: Environment): MailSettings {
  if (env.NOTIFY_API_KEY && env.NOTIFY_TEMPLATE_ID) return { kind: 'notify', apiKey: env.NOTIFY_API_KEY, templateId: env.NOTIFY_TEMPLATE_ID };
  if (env.SMTP_URL) return { kind: 'smtp', url: env.SMTP_URL, from: env.MAIL_FROM };
  return { kind: 'outbox', file: join(resolve(env.DATA_DIR), OUTBOX_FILE) };
}

function oidc(env: Environment): OidcSettings | undefined {
  const { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret, OIDC_REDIRECT_URL: redirectUrl } = env;
  return issuer && clientId && clientSecret && redirectUrl ? { issuer, clientId, clientSecret, redirectUrl } : undefined;
}

/**
 * The whole configuration, read once from the environment by the entry points (web/server.ts,
 * cli/index.ts) and passed down; nothing below them reads the environment. Settings that go
 * together arrive together: mail is one of three kinds, OpenID Connect all four values or none.
 */
export const ZConfig = ZEnvironment.transform((env) => {
  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  return {
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    database: database(env),
    /** Base of links in emails: from here, never from a request's Host header. */
    publicUrl: publicUrl.replace(/\/+$/, ''),
    /** Behind TLS (PUBLIC_URL https://…): Secure cookies and HSTS. */
    secureCookies: publicUrl.startsWith('https:'),
    chromiumPath: env.CHROMIUM_PATH,
    mail: mail(env),
    oidc: oidc(env),
    /** Page templates read afresh on every request, for editing them while the server runs. */
    reloadTemplates: env.NODE_ENV === 'development',
    /** Sign-in and password-reset attempts allowed per client address per window (accounts also slow failures: admin/users.ts). */
    signInRateLimit: { max: 20, timeWindowMs: 15 * 60 * 1000 },
    /** Fastify's trustProxy: whose X-Forwarded-For to believe when working out the client's address. */
    trustProxy: env.TRUST_PROXY,
    /**
     * Seed the demo (a demonstration council, its waves and a demo benchmark round) into an empty
     * database: only the default embedded one, never a PostgreSQL server (DATABASE_URL), which is
     * a real deployment's, and never with SOUNDING_DEMO=off.
     */
    seedDemo: env.SOUNDING_DEMO === 'on' && !env.DATABASE_URL,
    /** How often the scheduler looks for due jobs (admin/schedule.ts). */
    scheduleIntervalMs: env.SCHEDULE_INTERVAL_SECONDS * 1000,
  };
});
export type TConfig = z.output<typeof ZConfig>;

/** Parses the environment once; a bad value stops start-up with a message naming each variable (never its value). */
export function readConfig(env: NodeJS.ProcessEnv = process.env): TConfig {
  const parsed = ZConfig.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}
