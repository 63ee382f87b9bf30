import { describe, expect, it } from 'vitest';
import type { DatabaseTarget } from '../../src/config.js';
import { PUBLICATION_FORMAT, type PublicationDocument } from '../../src/publications/document.js';
import { openStorage } from '../../src/storage/db.js';
import { openSurveyDatabase, standardInstrument, testDatabases } from '../support/app.js';
import { addResponses, buildProbe, copyDatabase, dropDatabase, runCli, sleep, startCli, type BuildProbe } from './kill-support.js';

/**
 * Closing a wave is one transaction (state, publication, audit). A `survey close` killed with
 * SIGKILL at any moment must leave one of two whole states, never something between:
 *   open: state open, closes_on untouched, no publication, no 'wave.close' audit entry;
 *   closed: state closed, exactly one publication (version 1, a document that parses, counting
 *   every response row) and exactly one 'wave.close' audit entry.
 */

const definition = standardInstrument();

/**
 * Responses per database, so that building the publication takes seconds here (measured on
 * an identical copy each run, and asserted to take at least a second). Since the build reads
 * with a cursor (PostgreSQL) and decodes and counts one response at a time, it takes about
 * 10-15 µs a response on a two-core machine under other load (30,000: 0.9 s on SQLite,
 * 0.7 s on PostgreSQL, on Node 20). Node 24 builds faster (60,000: 0.92 s on SQLite, 0.99 s on
 * PostgreSQL, both under the second), so 120,000 on both gives about twice the second asked
 * for. Under load every figure grows several times over.
 */
const RESPONSES = { sqlite: 120_000, postgres: 120_000 } as const;

type Whole = 'open' | 'closed';

/** Asserts the database holds one of the two whole states, and says which. */
async function wholeState(target: DatabaseTarget, surveyId: string, responses: number): Promise<Whole> {
  const storage = openStorage(target);
  try {
    const { db } = storage;
    const survey = await db.selectFrom('survey').select(['state', 'closes_on']).where('id', '=', surveyId).executeTakeFirstOrThrow();
    const publications = await db.selectFrom('publication').selectAll().where('survey_id', '=', surveyId).execute();
    const closeAudits = await db.selectFrom('audit_log').select(['target']).where('action', '=', 'wave.close').where('target', 'like', `survey ${surveyId} %`).execute();
    const stored = Number(
      (
        await db
          .selectFrom('response')
          .select((s) => s.fn.countAll<number>().as('n'))
          .where('survey_id', '=', surveyId)
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(stored, 'response rows are never touched by closing').toBe(responses);

    if (survey.state === 'open') {
      expect({ closesOn: survey.closes_on, publications: publications.length, closeAudits: closeAudits.length }, 'an open wave has nothing of a close').toEqual({
        closesOn: null,
        publications: 0,
        closeAudits: 0,
      });
      return 'open';
    }
    expect(survey.state, 'the wave is either open or closed').toBe('closed');
    expect(survey.closes_on).not.toBeNull();
    expect(publications, 'a closed wave has exactly one publication').toHaveLength(1);
    const [row] = publications;
    expect([Number(row!.version), row!.reason]).toEqual([1, 'close']);
    const document = JSON.parse(row!.document) as PublicationDocument;
    expect({ format: document.format, surveyId: document.surveyId, version: document.version, responses: document.responses }).toEqual({
      format: PUBLICATION_FORMAT,
      surveyId,
      version: 1,
      responses: stored,
    });
    expect(document.analysis.definition.code).toBe(definition.code);
    expect(typeof JSON.parse(row!.headline)).toBe('object');
    expect(closeAudits, 'a closed wave has exactly one close in the audit log').toHaveLength(1);
    expect(closeAudits[0]!.target).toContain('publication version 1');
    return 'closed';
  } finally {
    await storage.close();
  }
}

/** Polls until the closing transaction is seen (true) or the process has exited (false). */
async function untilBuilding(probe: BuildProbe, gone: () => boolean): Promise<boolean> {
  for (;;) {
    if (await probe.building()) return true;
    if (gone()) return false;
    await sleep(20);
  }
}

interface Timeline {
  totalMs: number;
  /** From spawn to the closing transaction's first write (start-up, migrations check, lookup). */
  buildStartMs: number;
  /** How long the closing transaction was seen open: the build and storing of the publication. */
  buildMs: number;
}

/** Runs `survey close` to the end on a copy, watching when its transaction opens and ends. */
async function measureClose(target: DatabaseTarget, surveyId: string): Promise<Timeline> {
  const probe = await buildProbe(target);
  try {
    const run = startCli(target, ['survey', 'close', surveyId]);
    let gone = false;
    void run.exited.then(() => (gone = true));
    let first: number | undefined;
    let last = 0;
    while (!gone) {
      if (await probe.building()) {
        const at = performance.now() - run.startedAt;
        first ??= at;
        last = at;
      }
      await sleep(20);
    }
    const { code, ms } = await run.exited;
    expect([code, run.stdout().trim()]).toEqual([0, 'Wave 1: closed, results published']);
    expect(first, 'the closing transaction was seen').toBeDefined();
    return { totalMs: ms, buildStartMs: first!, buildMs: last - first! };
  } finally {
    await probe.close();
  }
}

interface Attempt {
  label: string;
  /** ms from spawn to SIGKILL (undefined: the process ended first). */
  killedAtMs?: number;
  /** The closing transaction was open just before the kill. */
  buildingAtKill: boolean;
  outcome: Whole;
}

type When = { kind: 'start' } | { kind: 'build'; fraction: number };

async function killedClose(target: DatabaseTarget, surveyId: string, responses: number, probe: BuildProbe, timeline: Timeline, label: string, when: When): Promise<Attempt> {
  const run = startCli(target, ['survey', 'close', surveyId]);
  let gone = false;
  void run.exited.then(() => (gone = true));
  if (when.kind === 'start') {
    await new Promise((resolve) => run.child.once('spawn', resolve));
  } else if (await untilBuilding(probe, () => gone)) {
    // Timed from the moment the transaction was seen to open, so start-up time (which varies
    // with load) does not move the kill out of the build.
    await sleep(when.fraction * timeline.buildMs);
  }
  let killedAtMs: number | undefined;
  let buildingAtKill = false;
  if (!gone) {
    buildingAtKill = when.kind !== 'start' && (await probe.building());
    run.child.kill('SIGKILL');
    killedAtMs = performance.now() - run.startedAt;
  }
  const exit = await run.exited;
  if (killedAtMs !== undefined) expect(exit.signal, `${label}: killed`).toBe('SIGKILL');
  // A killed client's PostgreSQL session lingers until the server notices; look once it has gone.
  await probe.settled();
  return { label, ...(killedAtMs === undefined ? {} : { killedAtMs: Math.round(killedAtMs) }), buildingAtKill, outcome: await wholeState(target, surveyId, responses) };
}

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`survey close killed with SIGKILL ${database.title}`, () => {
    it('leaves the wave open with nothing published, or closed with one whole publication, wherever the kill lands', { timeout: 240_000 }, async () => {
      const responses = RESPONSES[database.kind];
      const target = await database.fresh();
      const made: DatabaseTarget[] = [target];
      try {
        const { storage, survey } = await openSurveyDatabase(definition, target);
        await storage.close();
        await addResponses(target, survey, definition, responses);
        expect(await wholeState(target, survey.id, responses)).toBe('open');

        // How long closing takes, on an identical copy (closing the wave itself would end the test).
        const copy = await copyDatabase(target);
        made.push(copy);
        const timeline = await measureClose(copy, survey.id);
        expect(timeline.buildMs, 'building the publication takes long enough to be killed part-way (if not, raise RESPONSES)').toBeGreaterThanOrEqual(1_000);

        const probe = await buildProbe(target);
        const attempts: Attempt[] = [];
        try {
          const plan: [string, When][] = [
            ['right after it starts', { kind: 'start' }],
            ['as soon as its transaction was seen open', { kind: 'build', fraction: 0 }],
            ['10% into the build', { kind: 'build', fraction: 0.1 }],
            ['50% into the build', { kind: 'build', fraction: 0.5 }],
            // Last, since a kill that comes after the commit ends the series: the wave is then closed.
            ['90% into the build', { kind: 'build', fraction: 0.9 }],
          ];
          for (const [label, when] of plan) attempts.push(await killedClose(target, survey.id, responses, probe, timeline, label, when));
        } finally {
          await probe.close();
        }

        console.log(
          [
            `survey close ${database.title}, ${responses} responses: ${Math.round(timeline.totalMs)} ms in all, transaction opened at ${Math.round(timeline.buildStartMs)} ms and was open ${Math.round(timeline.buildMs)} ms`,
            ...attempts.map(
              (a) =>
                `  killed ${a.label}: ${a.killedAtMs === undefined ? 'ended before the kill' : `at ${a.killedAtMs} ms`}, ${a.buildingAtKill ? 'mid-build' : 'not building'} -> ${a.outcome}`,
            ),
          ].join('\n'),
        );

        // At least one kill landed while the publication was being built, and it left the wave open with nothing published.
        expect(attempts.filter((a) => a.buildingAtKill && a.outcome === 'open').length, 'a kill landed mid-build').toBeGreaterThanOrEqual(1);
        // Killed before it could do anything, nothing changed.
        expect(attempts[0]!.outcome).toBe('open');

        // Closed properly, the wave is closed with one whole publication (or, if a kill came after the commit, a second close is refused and changes nothing).
        const closedByKill = attempts.some((a) => a.outcome === 'closed');
        const final = await runCli(target, ['survey', 'close', survey.id]);
        if (closedByKill) expect([final.code, final.stderr.trim()]).toEqual([1, 'This survey is closed, so it cannot be closed']);
        else expect([final.code, final.stdout.trim(), final.stderr]).toEqual([0, 'Wave 1: closed, results published', '']);
        expect(await wholeState(target, survey.id, responses)).toBe('closed');
      } finally {
        for (const each of made) await dropDatabase(each).catch(() => undefined);
      }
    });
  });
}
