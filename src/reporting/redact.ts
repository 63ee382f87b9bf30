/**
 * Removes personal data from free text before it is shown, quoted or exported. Redaction is
 * deliberately greedy: a council publishing comments from its own staff is better served by
 * a few over-redacted words than by one name left in. What each rule assumes:
 *
 * - email addresses: anything shaped like `local@domain.tld`;
 * - UK phone numbers: `+44` or a leading `0` followed by 9 or 10 more digits, with spaces,
 *   hyphens or brackets anywhere between them (07700 900123, (01632) 960 001, +44 20 7946 0000);
 * - postcodes: the full UK format, outward and inward code (SW1A 1AA, m1 1ae);
 * - staff numbers: one to three letters followed by four to eight digits, optionally with a
 *   trailing letter, or capitals, a space or hyphen and digits (AB123456, E-12345, NI numbers
 *   such as QQ123456C), and any run of four or more digits straight after words such as
 *   "staff number", "employee id" or "payroll no";
 * - names: a title (Mr, Mrs, Ms, Dr, Cllr, ...) and the capitalised words after it; any
 *   capitalised word that does not start a sentence (except "I" and a short list of
 *   common capitalised workplace words, days and months); a capitalised word starting a
 *   sentence when another capitalised word follows it ("Sarah Jones said") or when it is a
 *   common first name.
 */

export const REDACTED = {
  name: '[name]',
  email: '[email]',
  phone: '[phone]',
  postcode: '[postcode]',
  staffNumber: '[staff number]',
} as const;

const EMAIL = /[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
const POSTCODE = /\b(?:GIR\s?0AA|[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})\b/gi;
const PHONE = /(?:\+44\s?(?:\(0\)\s?)?|\(?\b0)\d(?:[\s-]?\)?[\s-]?\d){8,9}\b/g;
const STAFF_LABELLED = /\b((?:staff|employee|payroll|personnel|pay|badge)\s+(?:number|no\.?|num|id|ref(?:erence)?)\s*(?:is|:|#)?\s*)[A-Z]{0,3}[\s-]?\d{4,}[A-Z]?\b/gi;
// Letters joined to digits in any case (ab123456); with a space or hyphen only in capitals, so "in 2024" is left alone.
const STAFF_ID = /\b(?:[A-Za-z]{1,3}\d{4,8}[A-Za-z]?|[A-Z]{1,3}[\s-]\d{4,8}[A-Z]?)\b/g;

const TITLES = ['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'professor', 'cllr', 'councillor', 'sir', 'dame', 'lady', 'lord', 'rev'];
// Not case-insensitive: the words after the title must be capitalised.
const TITLED_NAME = new RegExp(`\\b(?:${TITLES.flatMap((t) => [t, t[0]!.toUpperCase() + t.slice(1)]).join('|')})\\.?\\s+\\p{Lu}[\\p{L}'-]*(?:\\s+\\p{Lu}[\\p{L}'-]*)*`, 'gu');

/** Capitalised words that are not names even mid-sentence; kept short so the default is to redact. */
const NOT_NAMES = new Set(
  [
    'I',
    "I'm",
    "I've",
    "I'd",
    "I'll",
    'OK',
    'Monday',
    'Tuesday',
    'Wednesday',
    'Thursday',
    'Friday',
    'Saturday',
    'Sunday',
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
    'Microsoft',
    'Teams',
    'Excel',
    'Word',
    'Outlook',
    'SharePoint',
    'Office',
    'Google',
    'Zoom',
    'Windows',
    'Copilot',
    'ChatGPT',
    'AI',
    'Council',
    'Councils',
    'Covid',
    'COVID',
    'England',
    'Wales',
    'Scotland',
    'UK',
    'GDS',
    'GOV',
    'NHS',
    'HR',
    'IT',
    'ICT',
    'CRM',
    'GP',
    'English',
    'Welsh',
  ].map((w) => w.toLowerCase()),
);

/** Common UK first names, redacted even where they open a sentence. */
const FIRST_NAMES = new Set(
  `james john robert michael david william richard joseph thomas charles christopher daniel matthew anthony mark paul steven andrew
  kenneth joshua kevin brian george timothy ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin
  scott brandon benjamin samuel gregory alexander patrick frank raymond jack dennis jerry tyler aaron adam henry nathan peter zachary
  dave steve mike chris tom dan matt nick rob bob jim joe ben sam alex andy pete phil jon rich
  kyle harry oliver noah leo charlie freddie alfie theo archie arthur oscar lucas ethan mohammed muhammad ali ahmed liam sean ian
  gareth rhys dylan owen huw dafydd iwan emyr neil simon martin graham colin keith barry alan philip tony lee dean craig wayne stuart
  mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty margaret sandra ashley kimberly emily donna
  michelle carol amanda dorothy melissa deborah stephanie rebecca sharon laura cynthia kathleen amy angela helen anna brenda pamela
  emma nicola samantha katherine christine debra rachel catherine carolyn janet ruth maria heather diane virginia julie joyce victoria
  olivia kelly christina lauren joan evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison frances
  kathryn janice jean abigail alice judy sophia grace denise amber doris marilyn danielle beverly isabella theresa diana natalie
  brittany charlotte marie kayla alexis lori amelia isla ava mia ella poppy lily freya sophie chloe jade zoe claire joanne louise
  kate katie jen jenny liz sue beth becky jo nikki
  gemma kirsty siobhan sian cerys ffion seren carys bethan rhian eleri megan priya aisha fatima yasmin`
    .split(/\s+/)
    .filter((n) => n !== ''),
);

function isCapitalised(word: string): boolean {
  return /^\p{Lu}/u.test(word);
}

function bare(word: string): string {
  return word.replace(/[^\p{L}'’-]/gu, '').replace(/['’]s$/u, '');
}

/** Names by capitalisation: see the module comment for the rule. */
function redactNames(text: string): string {
  const parts = text.split(/(\s+)/);
  // Word positions only (odd indices hold the whitespace between them).
  const words = parts.filter((_, i) => i % 2 === 0);
  const redact = words.map(() => false);
  let sentenceStart = true;
  words.forEach((word, i) => {
    const core = bare(word);
    const startsSentence = sentenceStart || /^["'“‘(]/.test(word);
    sentenceStart = /[.!?…]["'”’)]?$/.test(word) || word === '';
    if (core === '' || !isCapitalised(core) || core.startsWith('[') || NOT_NAMES.has(core.toLowerCase())) return;
    if (core.length > 1 && core === core.toUpperCase()) return; // acronyms such as HR, CRM
    if (FIRST_NAMES.has(core.toLowerCase())) {
      redact[i] = true;
      return;
    }
    if (!startsSentence) {
      redact[i] = true;
      return;
    }
    const next = bare(words[i + 1] ?? '');
    if (!/[.!?,;:]$/.test(word) && next !== '' && isCapitalised(next) && !NOT_NAMES.has(next.toLowerCase()) && next !== next.toUpperCase()) {
      redact[i] = true;
    }
  });
  let result = '';
  let inRun = false;
  words.forEach((word, i) => {
    const space = i > 0 ? parts[2 * i - 1]! : '';
    if (!redact[i]) {
      result += space + word;
      inRun = false;
      return;
    }
    const core = bare(word);
    const at = word.indexOf(core);
    const before = word.slice(0, at);
    const after = word.slice(at + core.length);
    // A run of name words ("Sarah Jones") becomes one placeholder.
    if (inRun && before === '') result += after;
    else result += `${space}${before}${REDACTED.name}${after}`;
    inRun = after === '';
  });
  return result;
}

/**
 * Free text with personal data replaced by placeholders ([name], [email], [phone],
 * [postcode], [staff number]).
 */
export function redactPii(text: string): string {
  let out = text.replace(EMAIL, REDACTED.email);
  out = out.replace(POSTCODE, REDACTED.postcode);
  out = out.replace(STAFF_LABELLED, (_m, label: string) => `${label}${REDACTED.staffNumber}`);
  out = out.replace(PHONE, REDACTED.phone);
  out = out.replace(STAFF_ID, REDACTED.staffNumber);
  out = out.replace(TITLED_NAME, REDACTED.name);
  return redactNames(out);
}
