import { describe, expect, it } from 'vitest';
import { openSurveyDatabase, standardInstrument } from '../support/app.js';
import { HttpRespondent, completeJourney, databaseEnv, fingerprint, respondentAnswers, startServer } from '../support/server.js';
import { POSTGRES_SKIP_REASON, freshPostgres, postgresUrl } from '../storage/targets.js';

const definition = standardInstrument();

describe.skipIf(!postgresUrl)(`two web processes on one PostgreSQL database ${postgresUrl ? '' : `(${POSTGRES_SKIP_REASON})`}`, () => {
  it('takes one respondent whose requests alternate between the processes to exactly one complete response', { timeout: 120_000 }, async () => {
    const target = await freshPostgres();
    const { storage, survey } = await openSurveyDatabase(definition, target);
    const [a, b] = await Promise.all([startServer(databaseEnv(target)), startServer(databaseEnv(target))]);
    try {
      const answers = respondentAnswers(definition, 77);
      const respondent = new HttpRespondent([a.origin, b.origin], survey.slug);
      expect(await completeJourney(respondent, definition, answers)).toBe(true);

      // Both processes served the journey's requests (the cookie, CSRF secret and answers travelled between them).
      const served = (output: string) => output.split('\n').filter((l) => l.includes('"incoming request"') && l.includes(`/s/${survey.slug}`)).length;
      expect(served(a.output())).toBeGreaterThan(5);
      expect(served(b.output())).toBeGreaterThan(5);

      const stored = await storage.db.selectFrom('response').select('answers').execute();
      expect(stored).toHaveLength(1);
      expect(fingerprint(JSON.parse(stored[0]!.answers))).toBe(fingerprint(answers));

      // Sending again to the other process is recognised as the same submission.
      const again = await respondent.call('/submit', {});
      expect(again.location).toBe(`/s/${survey.slug}/done`);
      expect(await storage.db.selectFrom('response').select('id').execute()).toHaveLength(1);
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
      await storage.close();
    }
  });

  it('accepts a resume code given by one process at the other', { timeout: 120_000 }, async () => {
    const target = await freshPostgres();
    const { storage, survey } = await openSurveyDatabase(definition, target);
    const [a, b] = await Promise.all([startServer(databaseEnv(target)), startServer(databaseEnv(target))]);
    try {
      const first = new HttpRespondent([a.origin], survey.slug);
      await first.call('');
      await first.call('/start', {});
      await first.call('/q/about');
      await first.call('/q/about', { action: 'continue', role: 'manager', directorate: 'housing' });
      await first.call('/q/engagement');
      const saved = await first.call('/q/engagement', { action: 'save' });
      const code = /<strong class="sounding-code">([A-Z0-9]{8})<\/strong>/.exec(saved.body)?.[1];
      expect(code).toMatch(/^[A-Z0-9]{8}$/);

      const second = new HttpRespondent([b.origin], survey.slug);
      await second.call('/resume');
      const resumed = await second.call('/resume', { code: code! });
      expect(resumed.location).toBe(`/s/${survey.slug}/q/engagement`);
      expect((await second.call('/q/about')).body).toMatch(/value="manager" checked/);
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
      await storage.close();
    }
  });
});
