import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { TLanguage } from '../instrument/text.js';
import type { Database } from '../storage/schema.js';
import { findWaveMessage, saveWaveMessage } from '../storage/invitations.js';
import { auditBy, recordAudit, type Actor } from './audit.js';
import type { FieldError } from './waves.js';

/**
 * A wave's invitation and reminder emails: wording the lead edits in English and Welsh, with
 * ((name)) fields filled in for each person, as GOV.UK Notify writes its personalisation, so a
 * lead who knows Notify's templates knows these, and a Notify template can use the same fields.
 */

export const MAIL_KINDS = ['invitation', 'reminder'] as const;
export type MailKind = (typeof MAIL_KINDS)[number];
/** The fields Sounding fills in; any other ((name)) is refused by name. */
export const MAIL_FIELDS = ['organisation', 'contact', 'survey', 'link', 'closes'] as const;
export type MailField = (typeof MAIL_FIELDS)[number];
/** Which languages each email is written in: 'both' puts the Welsh first, then the English, in one email. */
export const MAIL_LANGUAGES = ['both', 'en', 'cy'] as const;
export type MailLanguages = (typeof MAIL_LANGUAGES)[number];

const MAX_SUBJECT = 200;
const MAX_BODY = 5_000;
const MAX_CONTACT = 200;
const FIELD = /\(\(([^()]*)\)\)/g;

const ZMailText = z.object({ subject: z.string(), body: z.string() });
const ZWaveTexts = z.object({ invitation: z.object({ en: ZMailText, cy: ZMailText }), reminder: z.object({ en: ZMailText, cy: ZMailText }) });
export type TMailText = z.output<typeof ZMailText>;
export type TWaveTexts = z.output<typeof ZWaveTexts>;

export interface WaveMessages {
  languages: MailLanguages;
  /** Who staff may ask about the survey (a team's email address, say); blank: the catalogue's "the team that sent you this email". */
  contact: string;
  texts: TWaveTexts;
}

/** The wording every wave starts from, from the message catalogue (web/messages.ts `mailDefaults`), and its date format. */
export interface MailDefaults {
  texts: TWaveTexts;
  contactFallback: Record<TLanguage, string>;
  formatDate(date: Date, lang: TLanguage): string;
}

/** What the emails are about: the wave, its organisation, and its languages and closing date. */
export interface MailSurvey {
  id: string;
  title: string;
  organisationId: string;
  organisationName: string;
  closesOn: string | null;
  definition: { languages: readonly TLanguage[] };
}

const LANGUAGE_NAMES: Record<TLanguage, string> = { en: 'English', cy: 'Welsh' };
/** The languages of an email in the order they are written in it. */
export const languagesIn = (languages: MailLanguages): TLanguage[] => (languages === 'both' ? ['cy', 'en'] : [languages]);

/** A new wave's emails: the catalogue's wording, in Welsh and English when the survey is in both. */
export function defaultWaveMessages(survey: MailSurvey, defaults: MailDefaults): WaveMessages {
  return { languages: survey.definition.languages.includes('cy') ? 'both' : 'en', contact: '', texts: defaults.texts };
}

/** The wave's emails as the lead last saved them, else the defaults. */
export async function loadWaveMessages(db: Kysely<Database>, survey: MailSurvey, defaults: MailDefaults): Promise<WaveMessages> {
  const row = await findWaveMessage(db, survey.id);
  if (!row) return defaultWaveMessages(survey, defaults);
  return { languages: z.enum(MAIL_LANGUAGES).parse(row.languages), contact: row.contact, texts: ZWaveTexts.parse(JSON.parse(row.texts)) };
}

/** The form's field for one text, also the id its error links to. */
export const textField = (kind: MailKind, lang: TLanguage, part: keyof TMailText) => `${kind}-${lang}-${part}`;

/** The edit form's fields as WaveMessages; anything missing reads as blank, so checkWaveMessages names it. */
export function waveMessagesFromForm(body: Record<string, unknown>): WaveMessages {
  const field = (name: string) => (typeof body[name] === 'string' ? body[name].replace(/\r\n/g, '\n').trim() : '');
  const languages = z.enum(MAIL_LANGUAGES).safeParse(body.languages);
  const text = (kind: MailKind, lang: TLanguage) => ({ subject: field(textField(kind, lang, 'subject')), body: field(textField(kind, lang, 'body')) });
  return {
    languages: languages.success ? languages.data : 'en',
    contact: field('contact'),
    texts: {
      invitation: { en: text('invitation', 'en'), cy: text('invitation', 'cy') },
      reminder: { en: text('reminder', 'en'), cy: text('reminder', 'cy') },
    },
  };
}

/**
 * Everything wrong with a wave's emails, each naming its field: a missing subject or body in a
 * language the emails are in, a ((field)) Sounding does not fill in, a body without the
 * person's ((link)), ((closes)) in a wave with no closing date.
 */
export function checkWaveMessages(messages: WaveMessages, survey: Pick<MailSurvey, 'closesOn'>): FieldError[] {
  const errors: FieldError[] = [];
  if (messages.contact.length > MAX_CONTACT) errors.push({ field: 'contact', message: `The contact must be ${MAX_CONTACT} characters or fewer` });
  for (const kind of MAIL_KINDS) {
    for (const lang of languagesIn(messages.languages)) {
      const text = messages.texts[kind][lang];
      for (const part of ['subject', 'body'] as const) {
        const field = textField(kind, lang, part);
        const name = `The ${LANGUAGE_NAMES[lang]} ${kind} ${part}`;
        const value = text[part];
        const max = part === 'subject' ? MAX_SUBJECT : MAX_BODY;
        if (value === '') {
          errors.push({ field, message: `Enter the ${LANGUAGE_NAMES[lang]} ${kind} ${part}` });
          continue;
        }
        if (value.length > max) errors.push({ field, message: `${name} must be ${max.toLocaleString('en-GB')} characters or fewer` });
        if (part === 'subject' && value.includes('\n')) errors.push({ field, message: `${name} must be one line` });
        const used = [...value.matchAll(FIELD)].map((m) => m[1]!);
        for (const unknown of new Set(used.filter((f) => !(MAIL_FIELDS as readonly string[]).includes(f)))) {
          errors.push({ field, message: `${name} uses ((${unknown})), which Sounding does not fill in: use ${MAIL_FIELDS.map((f) => `((${f}))`).join(', ')}, or take it out` });
        }
        if (part === 'subject' && used.includes('link')) errors.push({ field, message: `${name} cannot include ((link)): each person's link goes in the body` });
        if (part === 'body' && !used.includes('link')) errors.push({ field, message: `${name} must include ((link)), where each person's own link goes` });
        if (used.includes('closes') && !survey.closesOn)
          errors.push({ field, message: `${name} uses ((closes)), but the survey has no closing date: set one in its settings, or take ((closes)) out` });
      }
    }
  }
  return errors;
}

export type SaveMessagesResult = { ok: true } | { ok: false; errors: FieldError[] };

/** Saves a wave's emails once they are right, audited in the same transaction; a closed wave sends nothing more. */
export async function saveWaveMessages(db: Kysely<Database>, actor: Actor, survey: MailSurvey & { state: string }, messages: WaveMessages): Promise<SaveMessagesResult> {
  if (survey.state === 'closed') return { ok: false, errors: [{ field: 'languages', message: 'This survey is closed, so no more invitations or reminders are sent' }] };
  const errors = checkWaveMessages(messages, survey);
  if (errors.length > 0) return { ok: false, errors };
  await db.transaction().execute(async (trx) => {
    await saveWaveMessage(trx, survey.id, { languages: messages.languages, contact: messages.contact, texts: JSON.stringify(messages.texts) });
    await recordAudit(
      trx,
      auditBy(actor, {
        organisationId: survey.organisationId,
        action: 'invitations.wording',
        target: `survey ${survey.id}: invitation and reminder emails changed (${messages.languages === 'both' ? 'Welsh and English' : LANGUAGE_NAMES[messages.languages]})`,
      }),
    );
  });
  return { ok: true };
}

export interface RenderedMail {
  subject: string;
  body: string;
  /** GOV.UK Notify's personalisation: the subject and body, and each field on its own for a template that places them itself. */
  personalisation: Record<string, string>;
}

/** One person's email: the wave's wording with every field filled in, Welsh first when it is in both languages. */
export function renderMail(messages: WaveMessages, kind: MailKind, survey: MailSurvey, link: string, defaults: MailDefaults): RenderedMail {
  const values = (lang: TLanguage): Record<MailField, string> => ({
    organisation: survey.organisationName,
    contact: messages.contact || defaults.contactFallback[lang],
    survey: survey.title,
    link,
    closes: survey.closesOn ? defaults.formatDate(new Date(`${survey.closesOn}T12:00:00Z`), lang) : '',
  });
  const fill = (text: string, lang: TLanguage) => text.replace(FIELD, (whole, name: string) => values(lang)[name as MailField] ?? whole);
  const langs = languagesIn(messages.languages);
  const subject = langs.map((lang) => fill(messages.texts[kind][lang].subject, lang)).join(' / ');
  const body = langs.map((lang) => fill(messages.texts[kind][lang].body, lang)).join('\n\n---\n\n');
  return { subject, body, personalisation: { subject, body, ...values(langs.at(-1)!) } };
}
