/**
 * A worker thread of a publication build (tally.ts): opens the database on a connection of its
 * own, takes parts of the wave's rows until none is left, tallies them with the same
 * ResponseTally as a build in one thread, then hands back what they add up to.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStorage } from '../storage/db.js';
import { publicationResponseRows } from '../storage/publications.js';
import { tallyParts, type TallyResult, type TallyWork } from './tally.js';

const { definition, target, surveyId, parts, next } = workerData as TallyWork;
const storage = openStorage(target);
try {
  const counted = await tallyParts(definition, parts, next, (share) => publicationResponseRows(storage.db, surveyId, { share }));
  parentPort!.postMessage(counted satisfies TallyResult);
} finally {
  await storage.close();
}
