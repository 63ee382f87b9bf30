/**
 * A worker thread of a publication build (tally.ts): opens the database on a connection of its
 * own, reads its share of the wave's rows and tallies them with the same ResponseTally as a
 * build in one thread, then hands back what they add up to.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStorage } from '../storage/db.js';
import { publicationResponseRows } from '../storage/publications.js';
import { ResponseTally, type TallyResult, type TallyWork } from './tally.js';

const { definition, target, surveyId, share } = workerData as TallyWork;
const storage = openStorage(target);
try {
  const tally = new ResponseTally(definition);
  for await (const page of publicationResponseRows(storage.db, surveyId, { share })) for (const row of page) tally.add(row);
  parentPort!.postMessage(tally.result() satisfies TallyResult);
} finally {
  await storage.close();
}
