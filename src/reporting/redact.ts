/**
 * Removes personal data from free text before it is shown, quoted or exported. Redaction
 * leans towards removing: a council publishing comments from its own staff is better served by
 * a few over-redacted words than by one name left in, but a comment about Oracle or Bootle
 * with those words gone says nothing. What each rule assumes:
 *
 * - email addresses: anything shaped like `local@domain.tld`;
 * - UK phone numbers: `+44` or a leading `0` followed by 9 or 10 more digits, with spaces,
 *   hyphens or brackets anywhere between them (07700 900123, (01632) 960 001, +44 20 7946 0000);
 * - postcodes: the full UK format, outward and inward code (SW1A 1AA, m1 1ae);
 * - National Insurance numbers: two letters and six digits spaced in pairs, with or without
 *   the final letter (QQ 12 34 56 C, qq 12 34 56), or written together with it (QQ123456C);
 * - staff numbers: one to three letters followed by four to eight digits, optionally with a
 *   trailing letter, or capitals, a space or hyphen and digits (AB123456, E-12345), and any
 *   run of four or more digits straight after words such as "staff number", "employee id" or
 *   "payroll no";
 * - names: a title (Mr, Mrs, Ms, Dr, Cllr, ...) and the capitalised words after it; a common
 *   first name, capitalised or not (lower-case only when it is not also an ordinary word such
 *   as "mark"), with the surname after it; a capitalised word after a cue such as "ask",
 *   "tell" or "thanks", or before "said", "told", "never" and the like. Other capitalised
 *   words are left alone: products (Oracle), places (Bootle), sentence openings. A surname
 *   alone mid-sentence with no such cue is the case this misses.
 */

export const REDACTED = {
  name: '[name]',
  email: '[email]',
  phone: '[phone]',
  postcode: '[postcode]',
  staffNumber: '[staff number]',
  niNumber: '[NI number]',
} as const;

// National Insurance numbers: two letters, six digits (often spaced in pairs), an optional final letter A-D; any case.
const NI_NUMBER = /\b[A-Z]{2}(?:\s\d{2}\s\d{2}\s\d{2}(?:\s?[A-D])?|\d{6}[A-D])\b/gi;
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
    // Sentence openings that come before "asked", "told" and the like: "Being asked before…".
    'Being',
    'Getting',
    'Having',
    'Everyone',
    'Someone',
    'Somebody',
    'Nobody',
    'Noone',
    'Anyone',
    'Staff',
    'Management',
    'Managers',
    'People',
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

/** Words after which a capitalised word is a person: "ask Jones", "thanks to Okafor", "cc Patel". */
const PERSON_CUES = new Set([
  'ask',
  'asked',
  'asking',
  'tell',
  'told',
  'contact',
  'contacted',
  'email',
  'emailed',
  'call',
  'ring',
  'rang',
  'phone',
  'phoned',
  'message',
  'messaged',
  'thank',
  'thanks',
  'cc',
  'ping',
  'pinged',
  'named',
]);
/** Words after which a capitalised word is a person: "Jones said", "Okafor never replies". */
const PERSON_VERBS = new Set([
  'said',
  'says',
  'told',
  'asked',
  'thinks',
  'thought',
  'wants',
  'wanted',
  'replied',
  'replies',
  'refused',
  'refuses',
  'never',
  'promised',
  'insists',
  'insisted',
  'decided',
  'agreed',
]);
/** First names that are also ordinary lower-case words ("mark the form", "a frank talk"): redacted only when capitalised. */
const ORDINARY_WORDS = new Set([
  'mark',
  'rob',
  'bob',
  'jack',
  'frank',
  'sue',
  'grace',
  'amber',
  'jade',
  'lily',
  'poppy',
  'dean',
  'lee',
  'will',
  'ali',
  'sam',
  'pete',
  'rich',
  'dawn',
  'joy',
  'chris',
  'ray',
  'jo',
  'ben',
  'joe',
  'jen',
  'kate',
  'dan',
]);
/** Words that never follow a first name as its surname. */
const NOT_SURNAMES = new Set(
  'a an the and or but nor so to of in on at for with from about as by is was are were be been has have had do does did can could will would should may might must said says told asked who which that this these those it its if when where while because please again too also not no yes then than there here today tomorrow yesterday now about after before'.split(
    ' ',
  ),
);

/**
 * Names, by the rule in the module comment: a capitalised word is redacted when it is a common
 * first name, comes after a first name, a cue such as "ask" or "thanks", or before a word such
 * as "said"; a lower-case common first name ("ask sarah jones") with the word after it when that
 * word can be a surname. Other capitalised words (products such as Oracle, places such as
 * Bootle, sentence openings) are left alone.
 */
function redactNames(text: string): string {
  const parts = text.split(/(\s+)/);
  // Word positions only (odd indices hold the whitespace between them).
  const words = parts.filter((_, i) => i % 2 === 0);
  const cores = words.map(bare);
  const redact = words.map(() => false);
  const candidate = (core: string) => core !== '' && isCapitalised(core) && !core.startsWith('[') && !NOT_NAMES.has(core.toLowerCase()) && !(core.length > 1 && core === core.toUpperCase());
  const surname = (i: number) => {
    const core = cores[i] ?? '';
    const lower = core.toLowerCase();
    // A lower-case word ending -ed or -ing after a name is its verb ("priya sorted it"), not its surname.
    const verbLike = !isCapitalised(core) && /(?:ed|ing)$/.test(lower);
    return core !== '' && /^\p{L}[\p{L}'’-]+$/u.test(core) && !NOT_SURNAMES.has(lower) && !NOT_NAMES.has(lower) && !verbLike;
  };
  const ends = (i: number) => /[.!?,;:…)"”]$/.test(words[i] ?? '');
  words.forEach((_, i) => {
    const core = cores[i]!;
    const lower = core.toLowerCase();
    if (FIRST_NAMES.has(lower) && (isCapitalised(core) ? candidate(core) : !ORDINARY_WORDS.has(lower))) {
      redact[i] = true;
      // The surname after it: capitalised after a capitalised first name, or any possible surname after a lower-case one.
      if (!ends(i) && surname(i + 1) && (isCapitalised(core) ? isCapitalised(cores[i + 1]!) : !isCapitalised(cores[i + 1]!))) redact[i + 1] = true;
      return;
    }
    if (!candidate(core)) return;
    const previous = (cores[i - 1] ?? '').toLowerCase();
    const next = (cores[i + 1] ?? '').toLowerCase();
    if ((PERSON_CUES.has(previous) && !ends(i - 1)) || (PERSON_VERBS.has(next) && !ends(i))) {
      redact[i] = true;
      if (!ends(i) && candidate(cores[i + 1] ?? '')) redact[i + 1] = true;
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
    const core = cores[i]!;
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
  out = out.replace(NI_NUMBER, REDACTED.niNumber);
  out = out.replace(PHONE, REDACTED.phone);
  out = out.replace(STAFF_ID, REDACTED.staffNumber);
  out = out.replace(TITLED_NAME, REDACTED.name);
  return redactNames(out);
}
