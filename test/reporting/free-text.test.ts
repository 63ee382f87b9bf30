import { describe, expect, it } from 'vitest';
import type { TextVariableAnalysis } from '../../src/analysis/index.js';
import { OTHER_THEME, quotableTexts, themeFreeText } from '../../src/reporting/free-text.js';

const comments = [
  'We need more training on the new system.',
  'Training was rushed and the system keeps crashing.',
  'Better training please, especially for older colleagues.',
  'Managers do not listen to frontline teams about training.',
  'The laptops are slow and old.',
  'My laptop takes ten minutes to start.',
  'Replace the laptops, they are too slow.',
  'Nobody told us about the digital strategy.',
  'What strategy? I have never seen it.',
  'Leadership communication about the strategy is poor.',
  'Sarah Jones in Housing never replies, ring her on 07700 900123 or email sarah.jones@x.gov.uk.',
];

describe('themeFreeText', () => {
  const { themes } = themeFreeText(comments);

  it('groups comments by their shared key word, largest theme first, with counts that add up', () => {
    expect(themes.map((t) => [t.label, t.count])).toEqual([
      ['Training', 4],
      ['Laptops', 3],
      ['Strategy', 3],
      [OTHER_THEME, 1],
    ]);
    expect(themes.reduce((s, t) => s + t.count, 0)).toBe(comments.length);
  });

  it('quotes only comments from the theme, at most the number asked for', () => {
    const training = themes.find((t) => t.label === 'Training')!;
    expect(training.quotes).toHaveLength(3);
    for (const q of training.quotes) expect(q.toLowerCase()).toContain('training');
    const fewer = themeFreeText(comments, { quotesPerTheme: 1 }).themes;
    expect(fewer.filter((t) => t.label !== OTHER_THEME).every((t) => t.quotes.length === 1)).toBe(true);
    // The one comment in no theme is fewer than a theme needs (3), so it is counted but not quoted.
    expect(fewer.find((t) => t.label === OTHER_THEME)).toEqual({ label: OTHER_THEME, count: 1, quotes: [] });
  });

  it('redacts quotes before they leave', () => {
    const all = themeFreeText(comments, { minThemeSize: 1 })
      .themes.flatMap((t) => t.quotes)
      .join('\n');
    expect(all).toContain('[name] in [name] never replies, ring her on [phone] or email [email].');
    for (const leaked of ['Sarah', 'Jones', '900123', 'x.gov.uk']) expect(all).not.toContain(leaked);
  });

  it('makes no theme of a word fewer comments share than the minimum', () => {
    const { themes: strict } = themeFreeText(comments, { minThemeSize: 4 });
    expect(strict.map((t) => [t.label, t.count])).toEqual([
      ['Training', 4],
      [OTHER_THEME, 7],
    ]);
  });

  it('names themes by the noun phrases their comments use, and quotes different comments', () => {
    // The demo's comments, each given several times (as in a real wave, where many say the same).
    const demo = [
      ...Array.from({ length: 4 }, () => 'Fewer passwords and a single sign-in.'),
      ...Array.from({ length: 4 }, () => 'One system for case notes instead of three.'),
      'Case notes take too long to write up.',
      'Our case notes live in two systems.',
      ...Array.from({ length: 3 }, () => 'Laptops that start in less than ten minutes.'),
      ...Array.from({ length: 3 }, () => 'Decent wifi in the depots and community buildings.'),
    ];
    const { themes: named } = themeFreeText(demo);
    expect(named.map((t) => [t.label, t.count])).toEqual([
      ['Case notes', 6],
      ['Passwords', 4],
      ['Community buildings', 3],
      ['Laptops', 3],
    ]);
    // Three different comments for the theme that has them; one for a theme whose comments are all the same.
    expect([...named[0]!.quotes].sort()).toEqual(['Case notes take too long to write up.', 'One system for case notes instead of three.', 'Our case notes live in two systems.']);
    expect(named[1]!.quotes).toEqual(['Fewer passwords and a single sign-in.']);
    for (const t of named) expect(t.label).not.toMatch(/ and (minute|password|case)/i);
  });

  it('shows no theme with fewer comments than the threshold it is given', () => {
    const { themes: strict } = themeFreeText(comments, { minThemeSize: 10 });
    expect(strict).toEqual([{ label: OTHER_THEME, count: comments.length, quotes: expect.any(Array) as unknown }]);
    expect(strict[0]!.quotes).toHaveLength(3);
  });

  it('returns no themes for no comments, and ignores blank ones', () => {
    expect(themeFreeText([]).themes).toEqual([]);
    expect(themeFreeText(['  ', '']).themes).toEqual([]);
  });

  it('shortens long quotes at a word boundary', () => {
    const long = Array.from({ length: 3 }, () => `training ${'word '.repeat(100)}`);
    const [theme] = themeFreeText(long, { maxQuoteLength: 50 }).themes;
    expect(theme!.quotes[0]!.length).toBeLessThanOrEqual(51);
    expect(theme!.quotes[0]!.endsWith('word…')).toBe(true);
  });
});

describe('quotableTexts', () => {
  const variable = (showTotal: boolean, shownRoles: string[], hiddenRoles: string[]): TextVariableAnalysis => ({
    kind: 'text',
    question: 'comments',
    groups: [
      { group: { kind: 'total' }, answered: { shown: true, value: 50 }, showText: showTotal },
      ...shownRoles.map((code) => ({ group: { kind: 'roleGroup' as const, code }, answered: { shown: true as const, value: 20 }, showText: true })),
      ...hiddenRoles.map((code) => ({
        group: { kind: 'roleGroup' as const, code },
        answered: { shown: false as const, reason: 'withheld' as const },
        showText: false,
      })),
    ],
  });
  const answers = [
    { roleGroup: 'frontline', text: 'a' },
    { roleGroup: 'senior', text: 'b' },
    { roleGroup: 'frontline', text: 'c' },
  ];

  it('passes on comments only from role groups whose figures are shown', () => {
    expect(quotableTexts(variable(true, ['frontline'], ['senior']), answers)).toEqual(['a', 'c']);
  });

  it('passes on nothing when the question overall is suppressed', () => {
    expect(quotableTexts(variable(false, ['frontline'], []), answers)).toEqual([]);
  });
});
