import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatabaseTarget } from '../../src/config.js';
import { allQuestions } from '../../src/instrument/definition.js';
import { openSurveyDatabase, standardInstrument, testDatabases } from '../support/app.js';
import { databaseEnv } from '../support/server.js';

const definition = standardInstrument();

function generate(target: DatabaseTarget, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(process.cwd(), 'src/cli/index.ts'), 'survey', 'generate', ...args], { env: { ...process.env, ...databaseEnv(target) } }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Counts of each option of the single-choice questions, recounted from the stored answers (not the maintained counts). */
async function recount(storage: Awaited<ReturnType<typeof openSurveyDatabase>>['storage']) {
  const counts = new Map<string, number>();
  for (const row of await storage.db.selectFrom('response').select('answers').execute()) {
    for (const [question, answer] of Object.entries(JSON.parse(row.answers) as Record<string, unknown>)) {
      if (typeof answer === 'string') counts.set(`${question}=${answer}`, (counts.get(`${question}=${answer}`) ?? 0) + 1);
    }
  }
  return counts;
}

async function maintained(storage: Awaited<ReturnType<typeof openSurveyDatabase>>['storage']) {
  const rows = await storage.db
    .selectFrom('option_count')
    .select(['question', 'option', (s) => s.fn.sum<number>('n').as('n')])
    .where('item', '=', '')
    .groupBy(['question', 'option'])
    .execute();
  return new Map(rows.map((r) => [`${r.question}=${r.option}`, Number(r.n)]));
}

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`survey generate --batch ${database.title}`, () => {
    it('stores the same responses and counts in batches of many per transaction as one by one', { timeout: 300_000 }, async () => {
      const [singleTarget, batchedTarget] = [await database.fresh(), await database.fresh()];
      const single = await openSurveyDatabase(definition, singleTarget);
      const batched = await openSurveyDatabase(definition, batchedTarget);
      try {
        const a = await generate(singleTarget, single.survey.id, '--responses', '150', '--seed', '9');
        const b = await generate(batchedTarget, batched.survey.id, '--responses', '150', '--seed', '9', '--batch', '64');
        expect([a.status, a.stderr]).toEqual([0, '']);
        expect([b.status, b.stderr]).toEqual([0, '']);
        expect(b.stdout).toContain('Added 150 synthetic responses');

        const [singleCounts, batchedCounts] = [await maintained(single.storage), await maintained(batched.storage)];
        expect(batchedCounts.size).toBeGreaterThan(20);
        expect(batchedCounts).toEqual(singleCounts);
        // The maintained counts agree with a recount from the stored answers.
        const singleChoice = new Set(allQuestions(definition).filter((p) => p.question.type === 'single').map((p) => p.question.code));
        const recounted = await recount(batched.storage);
        const checked = [...batchedCounts].filter(([key]) => singleChoice.has(key.split('=')[0]!));
        expect(checked.length).toBeGreaterThan(10);
        for (const [key, n] of checked) expect(recounted.get(key) ?? 0, key).toBe(n);
        const total = await batched.storage.db.selectFrom('cell_count').select((s) => s.fn.sum<number>('responses').as('n')).executeTakeFirstOrThrow();
        expect(Number(total.n)).toBe(150);
      } finally {
        await single.storage.close();
        await batched.storage.close();
      }
    });

    it('refuses a batch size that is not a positive whole number, naming the option', async () => {
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
