import { describe, expect, it } from 'vitest';
import { redactPii } from '../../src/reporting/redact.js';

describe('redactPii removes each kind of personal data', () => {
  it.each([
    ['email address', 'Email jo.bloggs+it@example-council.gov.uk for help', 'Email [email] for help', 'jo.bloggs'],
    ['UK mobile', 'ring 07700 900123 after five', 'ring [phone] after five', '900123'],
    ['UK landline in brackets', 'the desk is (01632) 960 001.', 'the desk is [phone].', '960'],
    ['UK number with +44', 'call +44 20 7946 0018 today', 'call [phone] today', '7946'],
    ['UK number with hyphens', 'or 0161-496-0000', 'or [phone]', '496'],
    ['postcode', 'our depot at M1 1AE floods', 'our depot at [postcode] floods', 'M1 1AE'],
    ['lower-case postcode', 'near sw1a 2aa', 'near [postcode]', 'sw1a'],
    ['staff id of letters and digits', 'my id AB123456 was locked', 'my id [staff number] was locked', 'AB123456'],
    ['hyphenated staff id', 'badge E-12345 expired', 'badge [staff number] expired', '12345'],
    ['labelled staff number', 'my staff number is 98765 and', 'my staff number is [staff number] and', '98765'],
    ['name after a title', 'Mrs Okafor-Smith signed it off', '[name] signed it off', 'Okafor'],
    ['full name mid-sentence', 'we asked Priya Shah twice', 'we asked [name] twice', 'Shah'],
    ['full name opening a sentence', 'Gareth Evans never replies.', '[name] never replies.', 'Evans'],
    ['first name opening a sentence', 'Dave is great.', '[name] is great.', 'Dave'],
    ['lower-case full name', 'just ask sarah jones in finance', 'just ask [name] in finance', 'jones'],
    ['lower-case first name alone', 'priya sorted it', '[name] sorted it', 'priya'],
    ['surname after a cue word', 'we emailed Okonkwo about it', 'we emailed [name] about it', 'Okonkwo'],
    ['surname before "said"', 'and Ramanathan said no', 'and [name] said no', 'Ramanathan'],
    ['spaced NI number', 'my NI is QQ 12 34 56 C so', 'my NI is [NI number] so', '56'],
    ['spaced NI number, lower case, no letter', 'ni qq 12 34 56 thanks', 'ni [NI number] thanks', '34'],
    ['NI number written together', 'NI number QQ123456C', 'NI number [NI number]', '123456'],
  ])('%s', (_kind, input, expected, leaked) => {
    const out = redactPii(input);
    expect(out).toBe(expected);
    expect(out).not.toContain(leaked);
  });

  it('leaves ordinary text, years, counts, acronyms, days and sentence openings alone', () => {
    const text = 'Training in 2024 was poor. We need 30 more laptops from IT by Monday. The HR system crashed.';
    expect(redactPii(text)).toBe(text);
  });

  it.each([
    ['a product', 'Oracle keeps crashing and the Oracle licence costs too much.'],
    ['a place', 'The depot in Bootle has no wifi, unlike Liverpool.'],
    ['products mid-sentence', 'We moved from Agresso to Unit4 and now use Salesforce and Power BI.'],
    ['ordinary lower-case words that are also first names', 'please mark the form and frank feedback will help; rob us of time no more.'],
    ['a capitalised opening word followed by another', 'Social Care systems are slow.'],
    ['a date and counts', 'On 12 May we had 34 tickets open.'],
    ['a sentence opening before "asked"', 'Being asked before a new system is bought.'],
    ['people in general before "told"', 'Staff told us nothing; Everyone said the same and Managers asked why.'],
  ])('leaves %s alone', (_kind, text) => {
    expect(redactPii(text)).toBe(text);
  });

  it('redacts every kind at once in one comment', () => {
    const out = redactPii('Please ask Sarah Jones (sarah.jones@x.gov.uk, 07700 900123, staff no AB12345) at LS1 4AP.');
    expect(out).toBe('Please ask [name] ([email], [phone], staff no [staff number]) at [postcode].');
  });
});
