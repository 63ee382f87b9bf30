import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { DatabaseTarget } from '../../src/config.js';
import { openStorage } from '../../src/storage/db.js';
import { openSurveyDatabase, standardInstrument, testDatabases } from '../support/app.js';
import { closeWave } from '../support/waves.js';
import { addResponses, dropDatabase, runCli, sleep, startCli } from './kill-support.js';

/**
 * `survey export --out FILE` writes FILE.partial-<pid> and renames it when complete: an export
 * killed with SIGKILL part-way must leave nothing at FILE (at most its *.partial-* file), so a
 * half-written file can never be taken for a whole one; one left to finish leaves the whole
 * file (a header and one row per response) and no partial file.
 */

const definition = standardInstrument();

/** Enough responses that writing respondents.csv takes a second or more here, so a kill can land part-way. */
const RESPONSES = { sqlite: 20_000, postgres: 12_000 } as const;

interface Attempt {
  label: string;
  /** ms from spawn to SIGKILL; undefined when the export finished first. */
  killedAtMs?: number;
  /** Bytes in its partial file when it was killed (undefined: none yet). */
  partialBytes?: number;
  partial: string;
}

const exportArgs = (surveyId: string, out: string) => ['survey', 'export', surveyId, '--format', 'respondents.csv', '--out', out];

/** Rows of a CSV file, header included, each with every column. */
function csvRows(file: string): number {
  const records = parse(readFileSync(file, 'utf8'));
  expect(records[0]).toContain('role');
  expect(new Set(records.map((r) => r.length)).size, 'every row has every column').toBe(1);
  return records.length;
}

/**
 * Starts an export and kills it right after it starts, or once its partial file holds the
 * given share of the complete file's bytes.
 */
async function killedExport(target: DatabaseTarget, surveyId: string, out: string, label: string, at: { share: number; completeBytes: number } | 'start'): Promise<Attempt> {
  const run = startCli(target, exportArgs(surveyId, out));
  let gone = false;
  void run.exited.then(() => (gone = true));
  await new Promise((resolve) => run.child.once('spawn', resolve));
  const partial = `${out}.partial-${run.child.pid}`;
  const written = () => (existsSync(partial) ? statSync(partial).size : undefined);
  if (at !== 'start') while (!gone && (written() ?? 0) < at.share * at.completeBytes) await sleep(5);
  if (gone) {
    const { code } = await run.exited;
    expect([code, run.stdout().trim()], `${label}: an export that ended before the kill finished properly (${run.stderr().trim()})`).toEqual([0, `Wrote ${out}`]);
    return { label, partial };
  }
  const partialBytes = written();
  run.child.kill('SIGKILL');
  const killedAtMs = Math.round(performance.now() - run.startedAt);
  expect((await run.exited).signal).toBe('SIGKILL');
  return { label, killedAtMs, ...(partialBytes === undefined ? {} : { partialBytes }), partial };
}

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`survey export killed with SIGKILL ${database.title}`, () => {
    it('leaves no file at --out when killed mid-write (at most a *.partial-* file), and the whole file when left to finish', { timeout: 240_000 }, async () => {
      const responses = RESPONSES[database.kind];
      const target = await database.fresh();
      const dir = mkdtempSync(join(tmpdir(), 'sounding-export-killed-'));
      try {
        const { storage, survey } = await openSurveyDatabase(definition, target);
        await storage.close();
        await addResponses(target, survey, definition, responses);
        const closing = openStorage(target);
        await closeWave(closing.db, survey.id);
        await closing.close();

        // Left to finish: the whole file, and nothing else beside it.
        mkdirSync(join(dir, 'finished'));
        const complete = join(dir, 'finished', 'respondents.csv');
        const finished = await runCli(target, exportArgs(survey.id, complete));
        expect([finished.code, finished.stdout.trim()]).toEqual([0, `Wrote ${complete}`]);
        expect(finished.stderr).toContain('Exporting respondents.csv: 100%');
        expect(csvRows(complete), 'a header and one row per response').toBe(responses + 1);
        expect(readdirSync(join(dir, 'finished'))).toEqual(['respondents.csv']);
        const completeBytes = statSync(complete).size;

        // Killed: right after it starts, and once a tenth, half and nine tenths of the file were written.
        mkdirSync(join(dir, 'killed'));
        const out = join(dir, 'killed', 'respondents.csv');
        const attempts: Attempt[] = [];
        const plan: [string, { share: number; completeBytes: number } | 'start'][] = [
          ['right after it starts', 'start'],
          ['with 10% of the file written', { share: 0.1, completeBytes }],
          ['with 50% of the file written', { share: 0.5, completeBytes }],
          ['with 90% of the file written', { share: 0.9, completeBytes }],
        ];
        for (const [label, at] of plan) {
          const attempt = await killedExport(target, survey.id, out, label, at);
          attempts.push(attempt);
          if (attempt.killedAtMs === undefined) {
            // It finished before the kill: then the file is whole. Cleared for the next attempt.
            expect(csvRows(out)).toBe(responses + 1);
            rmSync(out);
            continue;
          }
          expect(existsSync(out), `${label}: no file at --out`).toBe(false);
          for (const name of readdirSync(join(dir, 'killed'))) expect(name, `${label}: only partial files are left`).toMatch(/^respondents\.csv\.partial-\d+$/);
          // What it left, if anything, is the partial file, short of the whole.
          if (existsSync(attempt.partial)) expect(statSync(attempt.partial).size).toBeLessThan(completeBytes);
        }

        console.log(
          [
            `survey export respondents.csv ${database.title}, ${responses} responses: ${Math.round(finished.ms)} ms to finish, ${completeBytes} bytes`,
            ...attempts.map((a) =>
              a.killedAtMs === undefined
                ? `  ${a.label}: finished before the kill (whole file)`
                : `  killed ${a.label}: at ${a.killedAtMs} ms, partial file ${a.partialBytes === undefined ? 'not yet created' : `${a.partialBytes} bytes${existsSync(a.partial) ? ', left behind' : ''}`}`,
            ),
          ].join('\n'),
        );

        // Kills landed mid-write: the partial file had some bytes but not all of them.
        const midWrite = attempts.filter((a) => a.killedAtMs !== undefined && a.partialBytes !== undefined && a.partialBytes > 0 && a.partialBytes < completeBytes);
        expect(midWrite.length, 'kills landed mid-write').toBeGreaterThanOrEqual(2);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await dropDatabase(target).catch(() => undefined);
      }
    });
  });
}
