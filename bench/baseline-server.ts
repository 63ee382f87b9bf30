/**
 * The practical ceiling for answer submission: a bare Fastify route that does one insert of
 * a response row (the same columns and answers as a real submission) into the same database,
 * opened the same way, with nothing else (no session, CSRF, templates or maintained counts).
 * Run by bench/http.ts as its own process, like the real server.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { readConfig } from '../src/config.js';
import { segmentCellOf } from '../src/instrument/definition.js';
import { loadInstrumentFile, STANDARD_INSTRUMENT_PATH } from '../src/instrument/load.js';
import { today } from '../src/fieldwork/respondent.js';
import { keepShownAnswers } from '../src/fieldwork/journey.js';
import { seededRandom, syntheticAnswers } from '../src/fieldwork/synthetic.js';
import { openStorage } from '../src/storage/db.js';

const config = readConfig();
const storage = openStorage(config.database);
const definition = loadInstrumentFile(STANDARD_INSTRUMENT_PATH);
const answers = keepShownAnswers(definition, syntheticAnswers(definition, seededRandom(1)));
const cell = segmentCellOf(definition, answers);
const surveyId = process.env.BASELINE_SURVEY_ID!;
const instrumentVersionId = process.env.BASELINE_INSTRUMENT_VERSION_ID!;

const app = Fastify();
app.get('/readyz', async () => ({ status: 'ready' }));
app.post('/insert', async (_request, reply) => {
  await storage.db
    .insertInto('response')
    .values({
      id: randomUUID(),
      survey_id: surveyId,
      instrument_version_id: instrumentVersionId,
      role_group: cell.roleGroup,
      directorate: cell.directorate,
      submitted_on: today(),
      answers: JSON.stringify(answers),
    })
    .execute();
  return reply.code(204).send();
});
await app.listen({ port: config.port, host: '127.0.0.1' });
process.once(
  'SIGTERM',
  () =>
    void app
      .close()
      .then(() => storage.close())
      .then(() => process.exit(0)),
);
