import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { createMailer, MailError } from '../../src/admin/mailer.js';
import { OUTBOX_FILE, readConfig } from '../../src/config.js';
import { startFakeSmtp } from '../support/smtp.js';

const SERVICE_ID = '26785a09-ab16-4eb0-8407-a37497a57506';
const SECRET = '3d844edf-8d35-48ac-975b-e847b4f122b0';
const API_KEY = `sounding_test-${SERVICE_ID}-${SECRET}`;
const TEMPLATE_ID = 'f33517ff-2a88-4f6e-b855-c550268ce08a';
/** The mail settings the configuration chooses for these variables (config.ts decides which kind). */
const mailOf = (env: Record<string, string>) => readConfig({ MAIL_FROM: 'Sounding <sounding@example.org>', ...env }).mail;

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((done) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => done(body));
  });
}

describe('file outbox (no email service configured)', () => {
  it('appends one CSV row per message under a single header, quoting commas, quotes and new lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sounding-mail-'));
    const mailer = createMailer(mailOf({ DATA_DIR: dir }));
    expect(mailer.kind).toBe('outbox');
    await Promise.all([
      mailer.send({ to: 'a@example.org', subject: 'Your survey, "Wave 1"', body: 'Line one\nLine two' }),
      mailer.send({ to: 'b@example.org', subject: 'Reminder', body: 'Plain' }),
    ]);
    const text = readFileSync(join(dir, OUTBOX_FILE), 'utf8');
    expect(text.split('\n')[0]).toBe('email,subject,body');
    expect(text.match(/^email,subject,body$/gm)).toHaveLength(1);
    const rows = parse<Record<string, string>>(text, { columns: true });
    expect(rows).toEqual([
      { email: 'a@example.org', subject: 'Your survey, "Wave 1"', body: 'Line one\nLine two' },
      { email: 'b@example.org', subject: 'Reminder', body: 'Plain' },
    ]);
  });

  it("keeps each wave's mail in a file of its own, which is taken whole once and is then gone", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sounding-mail-'));
    const mailer = createMailer(mailOf({ DATA_DIR: dir }));
    const wave = '5b0c2b1e-6f8a-4d2e-9a41-3c7f0e9d1a22';
    const other = '0e7d6c5b-4a39-4281-9706-f5e4d3c2b1a0';
    expect(await mailer.outbox!.has(wave)).toBe(false);
    // Sent and taken at once: the take waits for the sends queued before it, and loses none.
    const [, , taken] = await Promise.all([
      mailer.send({ to: 'a@example.org', subject: 'Take part', body: 'Line one\nLine two', wave }),
      mailer.send({ to: 'b@example.org', subject: 'Take part', body: 'Plain', wave: other }),
      mailer.outbox!.take(wave),
    ]);
    expect(taken!.emails).toBe(1);
    expect(parse<Record<string, string>>(taken!.csv, { columns: true })).toEqual([{ email: 'a@example.org', subject: 'Take part', body: 'Line one\nLine two' }]);
    expect(await mailer.outbox!.has(wave)).toBe(false);
    expect(await mailer.outbox!.take(wave)).toBeUndefined();
    expect(await mailer.outbox!.has(other)).toBe(true);
    // Mail for no wave (a password link) stays in the operator's file.
    await mailer.send({ to: 'c@example.org', subject: 'Choose a password', body: 'Link' });
    expect(readFileSync(join(dir, OUTBOX_FILE), 'utf8')).toContain('c@example.org');
    await expect(mailer.outbox!.take('../../etc/passwd')).rejects.toThrow('a wave id is a UUID');
  });
});

describe('GOV.UK Notify', () => {
  async function fakeNotify(status: number, reply: unknown) {
    const received: { url: string; auth: string; body: Record<string, unknown> }[] = [];
    const server = createHttpServer((request, response) => {
      readBody(request)
        .then((body) => {
          received.push({ url: request.url ?? '', auth: String(request.headers.authorization), body: JSON.parse(body) as Record<string, unknown> });
          response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
        })
        // A body the fake cannot read is answered 500, so the test fails on the client's error rather than an unhandled rejection.
        .catch(() => response.writeHead(500).end());
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    closers.push(() => server.close());
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
  }

  it('sends through the one template with subject, body and any other fields as personalisation, signed with the key', async () => {
    const notify = await fakeNotify(201, { id: 'x' });
    const mailer = createMailer(mailOf({ NOTIFY_API_KEY: API_KEY, NOTIFY_TEMPLATE_ID: TEMPLATE_ID }), { notifyBaseUrl: notify.url });
    expect(mailer.kind).toBe('notify');
    await mailer.send({ to: 'lead@example.org', subject: 'Hello', body: 'Body text', personalisation: { link: 'https://sounding.test/i/x', subject: 'ignored' } });
    expect(notify.received).toHaveLength(1);
    expect(notify.received[0]!.url).toBe('/v2/notifications/email');
    expect(notify.received[0]!.auth).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(notify.received[0]!.body).toMatchObject({
      template_id: TEMPLATE_ID,
      email_address: 'lead@example.org',
      // Each field as well, for a template that places them itself; the subject and body are always the message's own.
      personalisation: { subject: 'Hello', body: 'Body text', link: 'https://sounding.test/i/x' },
    });
  });

  it('reports a refusal with Notify’s reason but never the address or the key', async () => {
    const notify = await fakeNotify(400, { status_code: 400, errors: [{ error: 'BadRequestError', message: 'Template not found' }] });
    const mailer = createMailer(mailOf({ NOTIFY_API_KEY: API_KEY, NOTIFY_TEMPLATE_ID: TEMPLATE_ID }), { notifyBaseUrl: notify.url });
    const failure = await mailer.send({ to: 'secret.person@example.org', subject: 's', body: 'b' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MailError);
    expect((failure as Error).message).toBe('GOV.UK Notify did not accept the email (HTTP 400): BadRequestError Template not found');
    expect((failure as Error).message).not.toContain('secret.person');
    expect((failure as Error).message).not.toContain(SECRET);
  });

  it('is refused at start-up with a key and no template, or a template and no key, naming the missing setting', () => {
    expect(() => readConfig({ NOTIFY_API_KEY: API_KEY })).toThrow(
      /^Invalid configuration: NOTIFY_TEMPLATE_ID: GOV.UK Notify needs both NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID to be set, or neither$/,
    );
    expect(() => readConfig({ NOTIFY_TEMPLATE_ID: TEMPLATE_ID })).toThrow(
      /^Invalid configuration: NOTIFY_API_KEY: GOV.UK Notify needs both NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID to be set, or neither$/,
    );
  });

  it('is chosen over SMTP when both are configured', () => {
    expect(mailOf({ NOTIFY_API_KEY: API_KEY, NOTIFY_TEMPLATE_ID: TEMPLATE_ID, SMTP_URL: 'smtp://127.0.0.1:25' }).kind).toBe('notify');
  });
});

describe('SMTP', () => {
  async function fakeSmtp() {
    const smtp = await startFakeSmtp();
    closers.push(smtp.close);
    return smtp;
  }

  it('delivers the message to the configured server from MAIL_FROM', async () => {
    const smtp = await fakeSmtp();
    const mailer = createMailer(mailOf({ SMTP_URL: `${smtp.url}?ignoreTLS=true` }));
    expect(mailer.kind).toBe('smtp');
    await mailer.send({ to: 'staff@example.org', subject: 'Your survey', body: 'Please take part' });
    expect(smtp.transcript).toContain('MAIL FROM:<sounding@example.org>');
    expect(smtp.transcript).toContain('RCPT TO:<staff@example.org>');
    expect(smtp.transcript).toContain('Subject: Your survey');
    expect(smtp.transcript).toContain('Please take part');
  });

  it('reports a server that is not there by its host, without the recipient or the password', async () => {
    const mailer = createMailer(mailOf({ SMTP_URL: 'smtp://sounding:hunter2@127.0.0.1:1' }));
    const failure = await mailer.send({ to: 'secret.person@example.org', subject: 's', body: 'b' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MailError);
    expect((failure as Error).message).toMatch(/^The SMTP server at 127\.0\.0\.1:1 did not accept the email \((ESOCKET|ECONNECTION)\)$/);
  });
});
