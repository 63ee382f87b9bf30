import { describe, expect, it } from 'vitest';
import { runDurability } from '../support/durability.js';
import { standardInstrument, testDatabases } from '../support/app.js';

const definition = standardInstrument();

// A small scale here; scripts/durability.ts runs the same check with thousands of respondents.
for (const database of testDatabases) {
  describe.skipIf(database.skip)(`durability under load ${database.title}`, () => {
    it('keeps every acknowledged answer exactly once across a SIGKILL mid-stream and a restart', { timeout: 240_000 }, async () => {
      const result = await runDurability({ definition, target: await database.fresh(), respondents: 24, concurrency: 8, killAfter: 6 });
      expect(result.acknowledgedBeforeKill).toBeGreaterThanOrEqual(6);
      // The kill came while other respondents were still mid-journey or mid-submit.
      expect(result.interrupted).toBeGreaterThan(0);
      expect(result.acknowledgedStoredOnce).toBe(result.acknowledgedBeforeKill);
      expect(result.missing).toBe(0);
      expect(result.duplicated).toBe(0);
      expect(result.stored).toBe(24);
      expect(result.consistent).toBe(true);
    });
  });
}
