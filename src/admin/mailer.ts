import { appendFile, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Transporter } from 'nodemailer';
import type { NotifyClient } from 'notifications-node-client';
import type { MailSettings } from '../config.js';

export interface MailMessage {
  to: string;
  subject: string;
  body: string;
}

export interface Mailer {
  /** Where mail goes, for the lead's pages: never the key, the server's password or an address. */
  kind: 'notify' | 'smtp' | 'outbox';
  send(message: MailMessage): Promise<void>;
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
    async send({ to, subject, body }) {
      const notify = await connect();
      try {
        await notify.sendEmail(templateId, to, { personalisation: { subject, body } });
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

function outboxMailer(file: string): Mailer {
  // Sends are queued so two at once cannot both find the file missing and both write a header.
  let queue: Promise<void> = Promise.resolve();
  const append = async ({ to, subject, body }: MailMessage) => {
    await mkdir(dirname(file), { recursive: true });
    const exists = await stat(file).then(
      () => true,
      () => false,
    );
    await appendFile(file, stringify([{ email: to, subject, body }], { header: !exists, columns: ['email', 'subject', 'body'] }), { mode: 0o600 });
  };
  return {
    kind: 'outbox',
    send(message) {
      const sent = queue.then(() => append(message));
      queue = sent.catch(() => undefined);
      return sent;
    },
  };
}
