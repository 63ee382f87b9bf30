import { appendFile, mkdir, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Transporter } from 'nodemailer';
import type { NotifyClient } from 'notifications-node-client';
import type { MailSettings } from '../config.js';

export interface MailMessage {
  to: string;
  subject: string;
  body: string;
  /** The wave an invitation or reminder belongs to: in the outbox, its mail is kept apart for its lead to download. */
  wave?: string;
  /** GOV.UK Notify's personalisation, when more than the subject and body (admin/invitation-messages.ts renderMail). */
  personalisation?: Record<string, string>;
}

export interface Mailer {
  /** Where mail goes, for the lead's pages: never the key, the server's password or an address. */
  kind: 'notify' | 'smtp' | 'outbox';
  send(message: MailMessage): Promise<void>;
  /** The outbox file's mail for each wave, which its lead downloads (only a file outbox has one). */
  outbox?: WaveOutbox;
}

/** A wave's mail waiting in the outbox, taken (read and deleted) in one step by the download. */
export interface WaveOutbox {
  /** Whether mail is waiting for the wave (not how much: counting would read the whole file on every page). */
  has(wave: string): Promise<boolean>;
  /** The wave's CSV and how many emails it holds, deleted from the server as it is read; undefined when there is none. */
  take(wave: string): Promise<{ csv: Buffer; emails: number } | undefined>;
}

/**
 * A failure to send, worded without the recipient, the API key or the SMTP password, so it
 * can be logged and shown as it is.
 */
export class MailError extends Error {
  override name = 'MailError';
}

/**
 * The mailer the configuration chose (config.ts: GOV.UK Notify when its key and template are
 * set, else SMTP when a server is set, else a CSV outbox in DATA_DIR). Notify sends through one
 * template whose subject is ((subject)) and whose body is ((body)), so Sounding's wording stays
 * in Sounding.
 */
export function createMailer(settings: MailSettings, options: { notifyBaseUrl?: string } = {}): Mailer {
  switch (settings.kind) {
    case 'notify':
      return notifyMailer(settings.apiKey, settings.templateId, options.notifyBaseUrl);
    case 'smtp':
      return smtpMailer(settings.url, settings.from);
    case 'outbox':
      return outboxMailer(settings.file);
  }
}

// Each mail client is loaded with the first message it sends, not at start-up: together with
// what they bring (axios, jsonwebtoken, ...) they are some 80 files a server that sends no
// mail never needs, and a server configured for one never needs the other.

function notifyMailer(apiKey: string, templateId: string, baseUrl?: string): Mailer {
  let client: Promise<NotifyClient> | undefined;
  const connect = () => (client ??= import('notifications-node-client').then(({ NotifyClient }) => (baseUrl ? new NotifyClient(baseUrl, apiKey) : new NotifyClient(apiKey))));
  return {
    kind: 'notify',
    async send({ to, subject, body, personalisation }) {
      const notify = await connect();
      try {
        await notify.sendEmail(templateId, to, { personalisation: { ...personalisation, subject, body } });
      } catch (error) {
        // Notify's error body names the problem (e.g. a bad template) but never the recipient.
        const response = (error as { response?: { status?: number; data?: { errors?: { error?: string; message?: string }[] } } }).response;
        const reason = response?.data?.errors?.map((e) => `${e.error ?? ''} ${e.message ?? ''}`.trim()).join('; ');
        throw new MailError(`GOV.UK Notify did not accept the email${response?.status ? ` (HTTP ${response.status})` : ''}${reason ? `: ${reason}` : ''}`);
      }
    },
  };
}

function smtpMailer(url: string, from: string): Mailer {
  let transport: Promise<Transporter> | undefined;
  const connect = () => (transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(url)));
  const host = new URL(url).host;
  return {
    kind: 'smtp',
    async send({ to, subject, body }) {
      const smtp = await connect();
      try {
        await smtp.sendMail({ from, to, subject, text: body });
      } catch (error) {
        // nodemailer's message can quote the envelope; only its code and the server's host are kept.
        const code = (error as { code?: string; responseCode?: number }).responseCode ?? (error as { code?: string }).code ?? 'unknown';
        throw new MailError(`The SMTP server at ${host} did not accept the email (${code})`);
      }
    },
  };
}

/** A wave's file in the outbox folder, beside the outbox file; wave ids are UUIDs, so never a path of their own. */
function waveFile(file: string, wave: string): string {
  if (!/^[0-9a-f-]{36}$/.test(wave)) throw new Error('a wave id is a UUID');
  return join(dirname(file), 'outbox', `${wave}.csv`);
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
const countEmails = (csv: Buffer) => Math.max(0, (parse(csv, { bom: true }) as unknown[]).length - 1);

/**
 * The CSV outbox: mail for a wave goes to its own file (outbox/<wave id>.csv), which its lead
 * downloads from the wave's page; other mail (password links) to the outbox file itself, for
 * the operator. Writes and takes are queued one after another, so two sends at once cannot
 * both find a file missing and both write a header, and a download never loses an email being
 * written as it is taken.
 */
function outboxMailer(file: string): Mailer {
  let queue: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const done = queue.then(work);
    queue = done.catch(() => undefined);
    return done;
  };
  const append = async ({ to, subject, body, wave }: MailMessage) => {
    const path = wave ? waveFile(file, wave) : file;
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, stringify([{ email: to, subject, body }], { header: !(await exists(path)), columns: ['email', 'subject', 'body'] }), { mode: 0o600 });
  };
  return {
    kind: 'outbox',
    send: (message) => inTurn(() => append(message)),
    outbox: {
      has: (wave) => inTurn(() => exists(waveFile(file, wave))),
      take: (wave) =>
        inTurn(async () => {
          const path = waveFile(file, wave);
          if (!(await exists(path))) return undefined;
          const csv = await readFile(path);
          await unlink(path);
          return { csv, emails: countEmails(csv) };
        }),
    },
  };
}
