import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatabaseTarget } from '../../src/config.js';
import { openSurveyDatabase, standardInstrument, testDatabases } from '../support/app.js';
import { databaseEnv } from '../support/server.js';

const definition = standardInstrument();

function generate(target: DatabaseTarget, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(process.cwd(), 'src/cli/index.ts'), 'survey', 'generate', ...args],
      { env: { ...process.env, ...databaseEnv(target) } },
      (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Every stored response's answers, in a fixed order: the same generated answers give the same list. */
async function storedAnswers(storage: Awaited<ReturnType<typeof openSurveyDatabase>>['storage']): Promise<string[]> {
  const rows = await storage.db.selectFrom('response').select('answers').execute();
  return rows.map((r) => r.answers).sort();
}

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`survey generate --batch ${database.title}`, () => {
    it('stores the same responses in batches of many per transaction as one by one, and only in a demonstration wave', { timeout: 300_000 }, async () => {
      const [singleTarget, batchedTarget] = [await database.fresh(), await database.fresh()];
      const single = await openSurveyDatabase(definition, singleTarget);
      const batched = await openSurveyDatabase(definition, batchedTarget);
      const real = await openSurveyDatabase(definition, batchedTarget, { synthetic: false });
      try {
        const a = await generate(singleTarget, single.survey.id, '--responses', '150', '--seed', '9');
        const b = await generate(batchedTarget, batched.survey.id, '--responses', '150', '--seed', '9', '--batch', '64');
        expect([a.status, a.stderr]).toEqual([0, '']);
        expect([b.status, b.stderr]).toEqual([0, '']);
        expect(b.stdout).toContain('Added 150 synthetic responses');
        const [singleAnswers, batchedAnswers] = [await storedAnswers(single.storage), await storedAnswers(batched.storage)];
        expect(batchedAnswers).toHaveLength(150);
        expect(batchedAnswers).toEqual(singleAnswers);

        // A real wave never gets synthetic answers: refused, nothing stored, and the attempt is not even audited as done.
        const refused = await generate(batchedTarget, real.survey.id, '--responses', '5');
        expect(refused.status).toBe(1);
        expect(refused.stderr).toContain('is a real survey: synthetic answers can only be added to a wave created as a demonstration');
        const count = await real.storage.db
          .selectFrom('response')
          .select((s) => s.fn.countAll<number>().as('n'))
          .where('survey_id', '=', real.survey.id)
          .executeTakeFirstOrThrow();
        expect(Number(count.n)).toBe(0);
        const audit = await batched.storage.db.selectFrom('audit_log').select(['action', 'actor_label']).where('action', '=', 'wave.generate').execute();
        expect(audit).toEqual([{ action: 'wave.generate', actor_label: expect.stringMatching(/^command line \(.+\)$/) }]);
      } finally {
        await single.storage.close();
        await batched.storage.close();
        await real.storage.close();
      }
    });

    it('refuses a batch size that is not a positive whole number, naming the option', { timeout: 120_000 }, async () => {
      const target = await database.fresh();
      const { storage, survey } = await openSurveyDatabase(definition, target);
      await storage.close();
      const zero = await generate(target, survey.id, '--responses', '10', '--batch', '0');
      expect(zero.status).toBe(1);
      expect(zero.stderr.trim()).toBe('Invalid --batch: must be at least 1 (got "0")');
      const word = await generate(target, survey.id, '--responses', '10', '--batch', 'many');
      expect(word.stderr.trim()).toBe('Invalid --batch: batch must be a whole number (got "many")');
    });
  });
}
