import type { DatabaseTarget } from '../../src/config.js';
import type { TDefinition } from '../../src/instrument/definition.js';
import type { Answers } from '../../src/instrument/question-types/index.js';
import { openSurveyDatabase } from './app.js';
import { HttpRespondent, completeJourney, databaseEnv, fingerprint, respondentAnswers, startServer } from './server.js';

export interface DurabilityOptions {
  definition: TDefinition;
  target: DatabaseTarget;
  respondents: number;
  /** Respondents going through the journey at the same time. */
  concurrency: number;
  /** The server is killed with SIGKILL as soon as this many submissions have been acknowledged. */
  killAfter: number;
}

export interface DurabilityResult {
  respondents: number;
  acknowledgedBeforeKill: number;
  /** Respondents whose journey broke off when the server was killed. */
  interrupted: number;
  /** Of those acknowledged before the kill, how many were found stored exactly once after the restart (before any retry). */
  acknowledgedStoredOnce: number;
  /** After every respondent retried to the end: stored responses, respondents not stored, and respondents stored more than once. */
  stored: number;
  missing: number;
  duplicated: number;
  /** Maintained counts, submission keys and responses agree: no submission was half-written. */
  consistent: boolean;
}

interface Person {
  answers: Answers;
  client: HttpRespondent;
  acknowledged: boolean;
}

async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>, stop: () => boolean = () => false): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    while (!stop() && queue.length > 0) await work(queue.shift()!);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Submissions under load through a real server process, SIGKILL once `killAfter` are
 * acknowledged (others mid-journey or mid-submit), restart, then every respondent carries
 * on as a person would (retrying the submission). Checks that every acknowledged answer
 * survived the kill, and that in the end each respondent is stored exactly once.
 */
export async function runDurability(options: DurabilityOptions): Promise<DurabilityResult> {
  const { definition, target } = options;
  const { storage, survey } = await openSurveyDatabase(definition, target);
  try {
    let server = await startServer({ ...databaseEnv(target), LOG_LEVEL: 'warn' });
    const people: Person[] = Array.from({ length: options.respondents }, (_, i) => ({
      answers: respondentAnswers(definition, 10_000 + i),
      client: new HttpRespondent([server.origin], survey.slug),
      acknowledged: false,
    }));
    if (new Set(people.map((p) => fingerprint(p.answers))).size !== people.length) throw new Error('synthetic respondents are not distinguishable');

    let acknowledged = 0;
    let killed = false;
    let interrupted = 0;
    await inParallel(
      people,
      options.concurrency,
      async (person) => {
        try {
          person.acknowledged = await completeJourney(person.client, definition, person.answers);
        } catch {
          interrupted++;
        }
        if (person.acknowledged && ++acknowledged >= options.killAfter && !killed) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      },
      () => killed,
    );
    await server.exited;

    const storedCounts = async () => {
      const rows = await storage.db.selectFrom('response').select('answers').where('survey_id', '=', survey.id).execute();
      const counts = new Map<string, number>();
      for (const row of rows) {
        const key = fingerprint(JSON.parse(row.answers));
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return { rows: rows.length, counts };
    };

    server = await startServer({ ...databaseEnv(target), LOG_LEVEL: 'warn' });
    const afterKill = await storedCounts();
    const acknowledgedBeforeKill = people.filter((p) => p.acknowledged);
    const acknowledgedStoredOnce = acknowledgedBeforeKill.filter((p) => afterKill.counts.get(fingerprint(p.answers)) === 1).length;

    for (const person of people) person.client.origins = [server.origin];
    await inParallel(
      people.filter((p) => !p.acknowledged),
      options.concurrency,
      async (person) => {
        for (let attempt = 0; attempt < 5 && !person.acknowledged; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, 250));
          person.acknowledged = await completeJourney(person.client, definition, person.answers).catch(() => false);
        }
      },
    );
    server.child.kill('SIGTERM');
    await server.exited;

    const final = await storedCounts();
    const keys = Number(
      (
        await storage.db
          .selectFrom('submission_key')
          .select((s) => s.fn.countAll<number>().as('n'))
          .where('survey_id', '=', survey.id)
          .executeTakeFirstOrThrow()
      ).n,
    );
    // Every stored response has exactly one submission key, and no key is left without its response.
    const consistent = keys === final.rows;

    return {
      respondents: people.length,
      acknowledgedBeforeKill: acknowledgedBeforeKill.length,
      interrupted,
      acknowledgedStoredOnce,
      stored: final.rows,
      missing: people.filter((p) => !final.counts.has(fingerprint(p.answers))).length,
      duplicated: people.filter((p) => (final.counts.get(fingerprint(p.answers)) ?? 0) > 1).length,
      consistent,
    };
  } finally {
    await storage.close();
  }
}
