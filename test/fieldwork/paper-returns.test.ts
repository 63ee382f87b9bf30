import { describe, expect, it } from 'vitest';
import { keyingDifferences, MAX_PAPER_RETURNS, paperColumns, parsePaperReturns, readPaperReturn } from '../../src/fieldwork/paper-returns.js';
import { ZDefinition } from '../../src/instrument/definition.js';
import { minimalDefinition } from '../fixtures/minimal-definition.js';

const definition = ZDefinition.parse(minimalDefinition());
const file = (lines: string[]) => Buffer.from(`${lines.join('\n')}\n`);
const HEADER = 'role,strategy,achievable,engaged,leadership__understand,leadership__invest,barriers,barriers_other,years,comments';

describe('reading a keyed paper return', () => {
  it('reads the whole questionnaire in keying order with the journey’s checks, dropping answers to questions the respondent should have skipped', () => {
    const read = readPaperReturn(definition, {
      role: 'senior',
      strategy: 'no',
      achievable: 'agree',
      engaged: 'quite',
      leadership__understand: 'agree',
      leadership__invest: 'dont_know',
      barriers: ['budget', 'other'],
      barriers_other: 'Procurement',
    });
    expect(read).toEqual({
      ok: true,
      answers: {
        role: 'senior',
        strategy: 'no',
        engaged: 'quite',
        leadership: { understand: 'agree', invest: 'dont_know' },
        barriers: { selected: ['budget', 'other'], other: 'Procurement' },
      },
    });
  });

  it('reports every impossible answer at once, in page order, with the online journey’s codes', () => {
    const read = readPaperReturn(definition, {
      role: 'frontline',
      strategy: 'perhaps',
      leadership__understand: 'agree',
      barriers: ['none', 'culture'],
      years: '1.5',
      comments: 'x'.repeat(101),
    });
    expect(read.ok).toBe(false);
    expect(!read.ok && read.errors.map((e) => `${e.field}: ${e.code}`)).toEqual([
      'strategy: invalid_option',
      'engaged: required',
      'leadership__invest: matrix_incomplete',
      'barriers: exclusive_combined',
      'years: not_whole_number',
      'comments: too_long',
    ]);
  });

  it('stops at the first section when the role group is missing, as the journey does (nothing else can be placed)', () => {
    const read = readPaperReturn(definition, { strategy: 'yes' });
    expect(!read.ok && read.errors.map((e) => `${e.field}: ${e.code}`)).toEqual(['role: required']);
  });
});

describe('a CSV of keyed returns', () => {
  it('takes the form fields of every question in keying order as its columns', () => {
    expect(paperColumns(definition).map((c) => c.name)).toEqual(HEADER.split(','));
  });

  it('reads rows into answers; a checkbox cell holds codes separated by semicolons', () => {
    const parsed = parsePaperReturns(file([HEADER, 'senior,yes,agree,very,agree,agree,culture; budget,,3,Fine']), definition);
    expect(parsed.ok && parsed.returns[0]!.answers).toEqual({
      role: 'senior',
      strategy: 'yes',
      achievable: 'agree',
      engaged: 'very',
      leadership: { understand: 'agree', invest: 'agree' },
      barriers: { selected: ['culture', 'budget'] },
      years: 3,
      comments: 'Fine',
    });
  });

  it('lists a wrong column, a repeated column, a short row, an unknown code and a duplicate row, each by row and column', () => {
    const header = file(['role,strategy,strategy,colour']);
    const bad = parsePaperReturns(header, definition);
    expect(!bad.ok && bad.problems.map((p) => `${p.row}/${p.column}`)).toEqual(['1/strategy', '1/colour']);
    const rows = parsePaperReturns(
      file([HEADER, 'senior,yes', 'senior,yes,agree,very,agree,agree,culture,,3,', 'senior,yes,agree,very,agree,agree,culture,,3,', 'senior,yes,agree,ecstatic,agree,agree,culture,,3,']),
      definition,
    );
    expect(!rows.ok && rows.problems.map((p) => `${p.row}/${p.column ?? ''}/${p.error?.code ?? p.message}`)).toEqual([
      '2//has 2 values for 10 columns',
      '4//is the same as row 3: a questionnaire keyed twice? If it is another questionnaire with the same answers, number them in a "return" column',
      '5/engaged/invalid_option',
    ]);
  });

  it('refuses a file that is not UTF-8, naming the line, and one over the limit with the limit', () => {
    const latin1 = Buffer.concat([Buffer.from(`${HEADER}\n`), Buffer.from('senior,yes,agree,very,agree,agree,culture,,3,caf\xe9\n', 'latin1')]);
    const notUtf8 = parsePaperReturns(latin1, definition);
    expect(!notUtf8.ok && notUtf8.problems).toEqual([{ row: 2, message: 'is not UTF-8 text; save the file as "CSV UTF-8 (comma delimited)" and upload it again' }]);
    const many = parsePaperReturns(file([HEADER, ...Array.from({ length: MAX_PAPER_RETURNS + 1 }, () => 'senior')]), definition);
    expect(!many.ok && many.problems[0]!.message).toContain(`one import takes at most ${MAX_PAPER_RETURNS.toLocaleString('en-GB')} questionnaires`);
    const empty = parsePaperReturns(Buffer.alloc(0), definition);
    expect(!empty.ok && empty.problems[0]!.message).toMatch(/^the file is empty/);
  });

  it('double entry: lists each cell where two keyings differ', () => {
    const first = parsePaperReturns(file([HEADER, 'senior,yes,agree,very,agree,agree,culture,,3,', 'frontline,no,,quite,agree,agree,budget,,12,']), definition);
    const second = parsePaperReturns(file([HEADER, 'senior,yes,agree,very,agree,agree,culture,,3,', 'frontline,no,,very,agree,agree,budget,,21,']), definition);
    if (!first.ok || !second.ok) throw new Error('both keyings should read');
    expect(keyingDifferences(first, second)).toEqual([
      { row: 3, column: 'engaged', first: 'quite', second: 'very' },
      { row: 3, column: 'years', first: '12', second: '21' },
    ]);
    expect(keyingDifferences(first, first)).toEqual([]);
  });
});
