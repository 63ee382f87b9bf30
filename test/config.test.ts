import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OUTBOX_FILE, readConfig } from '../src/config.js';

const NOTIFY_KEY = `sounding_test-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0`;
const NOTIFY_TEMPLATE = 'f33517ff-2a88-4f6e-b855-c550268ce08a';
const OIDC = { OIDC_ISSUER: 'https://login.example', OIDC_CLIENT_ID: 'sounding', OIDC_CLIENT_SECRET: 'Very-s3cret', OIDC_REDIRECT_URL: 'https://sounding.example/sign-in/oidc/callback' };

/** The message readConfig stops with for this environment. */
function refusal(env: Record<string, string>): string {
  try {
    readConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`readConfig accepted ${Object.keys(env).join(', ')}`);
}

describe('readConfig', () => {
  it('works with nothing set: SQLite in ./data, mail to the outbox file there, no OpenID Connect, plain-HTTP cookies', () => {
    const config = readConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      logLevel: 'info',
      database: { kind: 'sqlite', file: resolve('data', 'sounding.sqlite') },
      mail: { kind: 'outbox', file: resolve('data', OUTBOX_FILE) },
      publicUrl: 'http://localhost:3000',
      secureCookies: false,
      reloadTemplates: false,
      scheduleIntervalMs: 60_000,
    });
    expect(config.oidc).toBeUndefined();
  });

  it('derives what goes together from the variables: the database, the mail service, OpenID Connect, Secure cookies', () => {
    const config = readConfig({
      DATABASE_URL: 'postgres://sounding@db.internal/sounding',
      SMTP_URL: 'smtps://user:pw@smtp.example.org:465',
      MAIL_FROM: 'Council survey <survey@council.gov.uk>',
      PUBLIC_URL: 'https://survey.council.gov.uk/',
      NODE_ENV: 'development',
      ...OIDC,
    });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://sounding@db.internal/sounding' });
    expect(config.mail).toEqual({ kind: 'smtp', url: 'smtps://user:pw@smtp.example.org:465', from: 'Council survey <survey@council.gov.uk>' });
    expect(config.oidc).toEqual({ issuer: OIDC.OIDC_ISSUER, clientId: 'sounding', clientSecret: 'Very-s3cret', redirectUrl: OIDC.OIDC_REDIRECT_URL });
    // Links are built as `${publicUrl}/path`, so a trailing slash is dropped.
    expect(config.publicUrl).toBe('https://survey.council.gov.uk');
    expect(config.secureCookies).toBe(true);
    expect(config.reloadTemplates).toBe(true);
    expect(readConfig({ DATABASE_URL: '', DATA_DIR: '/srv/sounding' }).database).toEqual({ kind: 'sqlite', file: '/srv/sounding/sounding.sqlite' });
    expect(readConfig({ NOTIFY_API_KEY: NOTIFY_KEY, NOTIFY_TEMPLATE_ID: NOTIFY_TEMPLATE }).mail).toEqual({ kind: 'notify', apiKey: NOTIFY_KEY, templateId: NOTIFY_TEMPLATE });
  });

  it('refuses an invalid environment with a message naming each variable and what is wrong', () => {
    expect(refusal({ PORT: 'eighty' })).toBe('Invalid configuration: PORT: must be a whole number from 1 to 65535');
    expect(refusal({ PORT: '70000' })).toBe('Invalid configuration: PORT: must be a whole number from 1 to 65535');
    expect(refusal({ HOST: '' })).toBe('Invalid configuration: HOST: must not be empty');
    expect(refusal({ SCHEDULE_INTERVAL_SECONDS: '0.5' })).toBe('Invalid configuration: SCHEDULE_INTERVAL_SECONDS: must be a whole number of seconds from 1 to 3600');
    expect(refusal({ SCHEDULE_INTERVAL_SECONDS: 'often' })).toBe('Invalid configuration: SCHEDULE_INTERVAL_SECONDS: must be a whole number of seconds from 1 to 3600');
    expect(refusal({ LOG_LEVEL: 'loud' })).toBe('Invalid configuration: LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent');
    expect(refusal({ DATABASE_URL: 'mysql://db/sounding' })).toBe('Invalid configuration: DATABASE_URL: must be a postgres:// URL');
    expect(refusal({ PUBLIC_URL: 'ftp://council.gov.uk' })).toBe('Invalid configuration: PUBLIC_URL: must be an http:// or https:// URL');
    expect(refusal({ SMTP_URL: 'mail.council.gov.uk' })).toBe('Invalid configuration: SMTP_URL: must be an smtp:// or smtps:// URL');
    expect(refusal({ NOTIFY_API_KEY: NOTIFY_KEY })).toBe('Invalid configuration: NOTIFY_TEMPLATE_ID: GOV.UK Notify needs both NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID to be set, or neither');
    expect(refusal({ NOTIFY_TEMPLATE_ID: NOTIFY_TEMPLATE })).toBe(
      'Invalid configuration: NOTIFY_API_KEY: GOV.UK Notify needs both NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID to be set, or neither',
    );
    expect(refusal({ NOTIFY_API_KEY: 'too-short', NOTIFY_TEMPLATE_ID: NOTIFY_TEMPLATE })).toBe('Invalid configuration: NOTIFY_API_KEY: must be a GOV.UK Notify API key');
    expect(refusal({ OIDC_CLIENT_ID: 'sounding', OIDC_CLIENT_SECRET: 'x' })).toBe(
      'Invalid configuration: OIDC_ISSUER: OpenID Connect needs all of OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_REDIRECT_URL, or none',
    );
    expect(refusal({ ...OIDC, OIDC_ISSUER: 'login.example' })).toBe('Invalid configuration: OIDC_ISSUER: must be a URL');
    // Every problem at once, so one restart fixes them all.
    expect(refusal({ PORT: '0', LOG_LEVEL: 'loud' })).toBe(
      'Invalid configuration: PORT: must be a whole number from 1 to 65535; LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
    );
  });

  it('seeds the demo only into the default embedded database: never with DATABASE_URL, never with SOUNDING_DEMO=off', () => {
    expect(readConfig({}).seedDemo).toBe(true);
    expect(readConfig({ SOUNDING_DEMO: 'on' }).seedDemo).toBe(true);
    expect(readConfig({ SOUNDING_DEMO: 'off' }).seedDemo).toBe(false);
    expect(readConfig({ DATABASE_URL: 'postgres://db.example/sounding' }).seedDemo).toBe(false);
    expect(readConfig({ DATABASE_URL: 'postgres://db.example/sounding', SOUNDING_DEMO: 'on' }).seedDemo).toBe(false);
    expect(refusal({ SOUNDING_DEMO: 'no' })).toBe('Invalid configuration: SOUNDING_DEMO: must be on or off');
  });

  it('reads TRUST_PROXY as none, any, a number of proxies, or a list of proxy addresses and ranges', () => {
    expect(readConfig({}).trustProxy).toBe(false);
    expect(readConfig({ TRUST_PROXY: '' }).trustProxy).toBe(false);
    expect(readConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(readConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(readConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(readConfig({ TRUST_PROXY: ' 2 ' }).trustProxy).toBe(2);
    expect(readConfig({ TRUST_PROXY: '127.0.0.1' }).trustProxy).toEqual(['127.0.0.1']);
    expect(readConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.20,::1,fd00::/8,loopback' }).trustProxy).toEqual(['10.0.0.0/8', '192.168.1.20', '::1', 'fd00::/8', 'loopback']);
  });

  it('refuses any other TRUST_PROXY with one message naming it', () => {
    const message = 'Invalid configuration: TRUST_PROXY: must be true, the number of proxies in front of Sounding (1 or more), or a comma-separated list of proxy addresses or CIDR ranges';
    for (const value of ['yes', '0', '-1', '1.5', '10.0.0.300', '10.0.0.0/33', '127.0.0.1,,10.0.0.1', 'proxy.internal', '127.0.0.1 10.0.0.1']) {
      expect([value, refusal({ TRUST_PROXY: value })]).toEqual([value, message]);
    }
  });

  it('never repeats a value it refuses, so a password or key in a wrong variable stays out of logs', () => {
    const secret = 'Sup3r-s3cret';
    const messages = [
      refusal({ DATABASE_URL: `mysql://sounding:${secret}@db/sounding` }),
      refusal({ SMTP_URL: `http://mail:${secret}@smtp.example.org` }),
      refusal({ NOTIFY_API_KEY: `${secret}-too-short` }),
      refusal({ ...OIDC, OIDC_CLIENT_SECRET: secret, OIDC_REDIRECT_URL: `not a url ${secret}` }),
      refusal({ PUBLIC_URL: `https://user:${secret}@` }),
    ];
    for (const message of messages) expect(message).not.toContain(secret);
  });
});

describe('the environment is read at the entry points only', () => {
  const src = resolve('src');
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(src, f));
  const mentioning = (pattern: RegExp) =>
    files
      .filter((file) => pattern.test(readFileSync(file, 'utf8')))
      .map((file) => relative(src, file).split('\\').join('/'))
      .sort();

  it('reads process.env in config.ts alone (readConfig’s default), and calls readConfig only in the web server and the command line', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(mentioning(/process\s*\.\s*env|process\s*\[\s*['"]env['"]\s*\]/)).toEqual(['config.ts']);
    expect(mentioning(/\breadConfig\s*\(/)).toEqual(['cli/index.ts', 'config.ts', 'web/server.ts']);
  });
});
