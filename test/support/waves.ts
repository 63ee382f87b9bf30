import type { Kysely } from 'kysely';
import { changeWaveState } from '../../src/admin/waves.js';
import type { Database } from '../../src/storage/schema.js';

/** Tests change a wave's state through the same service as the web and the command line. */
export const TEST_ACTOR = { userId: null, label: 'test' };

export async function openWave(db: Kysely<Database>, surveyId: string): Promise<void> {
  const result = await changeWaveState(db, TEST_ACTOR, surveyId, 'open');
  if (!result.ok) throw new Error(result.message);
}

/** Closes a wave, which builds its publication. */
export async function closeWave(db: Kysely<Database>, surveyId: string): Promise<void> {
  const result = await changeWaveState(db, TEST_ACTOR, surveyId, 'closed');
  if (!result.ok) throw new Error(result.message);
}
