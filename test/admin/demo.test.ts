import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from 'kysely';
import { describe, expect, it } from 'vitest';
import { generateResponses } from '../../src/admin/demo.js';
import type { Storage } from '../../src/storage/db.js';
import { openSurveyDatabase, standardInstrument, testDatabases } from '../support/app.js';
import { TEST_ACTOR } from '../support/waves.js';

const definition = standardInstrument();

/** Makes the nth INSERT into `response` fail, as a full disk or a lost connection would. */
function failingResponseInsert(nth: number): KyselyPlugin {
  let inserts = 0;
  return {
    transformQuery({ node }: PluginTransformQueryArgs) {
      if (node.kind === 'InsertQueryNode' && node.into?.table.identifier.name === 'response' && ++inserts === nth) throw new Error('disk full');
      return node;
    },
    transformResult: async ({ result }: PluginTransformResultArgs) => result,
  };
}

async function stored(storage: Storage, surveyId: string) {
  const responses = await storage.db
    .selectFrom('response')
    .select((s) => s.fn.countAll<number>().as('n'))
    .where('survey_id', '=', surveyId)
    .executeTakeFirstOrThrow();
  const audit = await storage.db.selectFrom('audit_log').select(['target', 'actor_label']).where('action', '=', 'wave.generate').execute();
  return { responses: Number(responses.n), audit };
}

for (const database of testDatabases) {
  describe.skipIf(database.skip)(`synthetic answers and their audit ${database.title}`, () => {
    it('audits a generation once, with the rows of its last batch, naming how many were added', async () => {
      const { storage, survey } = await openSurveyDatabase(definition, await database.fresh());
      try {
        await generateResponses(storage.db, TEST_ACTOR, survey.id, 10, 1, 4);
        expect(await stored(storage, survey.id)).toEqual({ responses: 10, audit: [{ target: `survey ${survey.id} (Wave 1): 10 synthetic responses`, actor_label: 'test' }] });
      } finally {
        await storage.close();
      }
    });

    it('leaves no audit of rows that were not stored when a batch fails: the batches that went in are audited as what was added', async () => {
      const { storage, survey } = await openSurveyDatabase(definition, await database.fresh());
      try {
        // Batches of 4: the second batch's insert fails, so only the first 4 are stored.
        await expect(generateResponses(storage.db.withPlugin(failingResponseInsert(2)), TEST_ACTOR, survey.id, 10, 1, 4)).rejects.toThrow('disk full');
        expect(await stored(storage, survey.id)).toEqual({ responses: 4, audit: [{ target: `survey ${survey.id} (Wave 1): 4 of 10 synthetic responses`, actor_label: 'test' }] });
      } finally {
        await storage.close();
      }
    });

    it('audits nothing when the first batch fails and nothing is stored', async () => {
      const { storage, survey } = await openSurveyDatabase(definition, await database.fresh());
      try {
        await expect(generateResponses(storage.db.withPlugin(failingResponseInsert(1)), TEST_ACTOR, survey.id, 10, 1, 10)).rejects.toThrow('disk full');
        expect(await stored(storage, survey.id)).toEqual({ responses: 0, audit: [] });
      } finally {
        await storage.close();
      }
    });
  });
}
