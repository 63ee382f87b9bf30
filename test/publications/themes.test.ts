import { describe, expect, it } from 'vitest';
import { themeFreeText } from '../../src/reporting/free-text.js';
import { THEME_THREAD_FROM, themerFor } from '../../src/publications/themes.js';

const laptops = ['The laptops take ten minutes to start.', 'Slow laptops waste an hour a week.', 'Our laptops freeze in meetings.', 'New laptops would help.'];
const training = ['Training that fits around shifts.', 'More training on the case system.', 'Training for new starters is poor.', 'Online training please.'];
const questions = [
  [...laptops, ...training, 'Nothing to add.'],
  [...training, 'Better wifi in the depot.', 'Better wifi at the library.', 'Wifi drops at the library.', 'Phone Sarah Jones on 07700 900123.'],
];

describe('theming free text for a large wave, in a thread of its own', () => {
  it('gives exactly the themes of theming in this thread, question by question, however many are asked at once', { timeout: 60_000 }, async () => {
    const expected = questions.map((texts) => themeFreeText(texts, { minThemeSize: 3 }));
    // The themes found are worth comparing: named, with their comments counted and quoted redacted.
    expect(expected[0]!.themes.map((t) => t.label)).toEqual(expect.arrayContaining([expect.stringMatching(/laptop/i), expect.stringMatching(/training/i)]));
    expect(JSON.stringify(expected[1])).not.toContain('07700');

    const thread = themerFor(THEME_THREAD_FROM, 2);
    const here = themerFor(THEME_THREAD_FROM - 1, 2);
    try {
      expect(await Promise.all(questions.map((texts) => thread.theme(texts, { minThemeSize: 3 })))).toEqual(expected);
      expect(await thread.theme(questions[1]!, { minThemeSize: 3 })).toEqual(expected[1]);
      expect(await Promise.all(questions.map((texts) => here.theme(texts, { minThemeSize: 3 })))).toEqual(expected);
    } finally {
      thread.close();
      here.close();
    }
  });
});
