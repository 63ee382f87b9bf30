import { describe, expect, it } from 'vitest';
import { loadInstrumentFile, STANDARD_INSTRUMENT_PATH } from '../../src/instrument/load.js';
import { parseWorkforceProfile } from '../../src/admin/workforce-profile.js';
import { migrate, openStorage } from '../../src/storage/db.js';
import { createOrganisation, createSurvey, publishInstrument } from '../../src/storage/surveys.js';
import { loadWorkforceProfile, saveWorkforceProfile } from '../../src/storage/workforce-profiles.js';
import { POSTGRES_SKIP_REASON, freshPostgres, freshSqlite, postgresUrl } from './targets.js';

const definition = loadInstrumentFile(STANDARD_INSTRUMENT_PATH);

const backends = [
  { name: 'SQLite', target: async () => freshSqlite(), skip: false },
  { name: `PostgreSQL${postgresUrl ? '' : ` (${POSTGRES_SKIP_REASON})`}`, target: freshPostgres, skip: !postgresUrl },
];

function parsed(text: string) {
  const result = parseWorkforceProfile(text, definition);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.profile;
}

const sortCells = (cells: { roleGroup: string; directorate: string; headcount: number }[]) =>
  [...cells].sort((a, b) => a.roleGroup.localeCompare(b.roleGroup) || a.directorate.localeCompare(b.directorate));

describe.each(backends)('workforce profiles on $name', ({ target, skip }) => {
  it.skipIf(skip)('saves, loads and replaces a survey’s profile, keeping surveys apart', async () => {
    const storage = openStorage(await target());
    try {
      await migrate(storage);
      const { db } = storage;
      const organisationId = await createOrganisation(db, { name: 'Test council', type: 'district', nation: 'Wales', region: 'Wales' });
      const instrumentVersionId = await publishInstrument(db, definition);
      const first = await createSurvey(db, { organisationId, instrumentVersionId, title: 'Wave 1' });
      const second = await createSurvey(db, { organisationId, instrumentVersionId, title: 'Wave 2' });
      expect(await loadWorkforceProfile(db, first.id)).toBeUndefined();

      const profile = parsed('role_group,directorate,headcount\nfrontline,housing,1200\nmanager,housing,80\nfrontline,adult_social_care,0\n');
      await saveWorkforceProfile(db, first.id, profile);
      expect(sortCells((await loadWorkforceProfile(db, first.id))!.cells)).toEqual(sortCells(profile.cells));
      expect(await loadWorkforceProfile(db, second.id)).toBeUndefined();

      // A second upload replaces the first entirely (no cells left over from it).
      const replacement = parsed('role_group,headcount\nfrontline,1500\nsenior_executive,6\n');
      await saveWorkforceProfile(db, first.id, replacement);
      expect(sortCells((await loadWorkforceProfile(db, first.id))!.cells)).toEqual([
        { roleGroup: 'frontline', directorate: '', headcount: 1500 },
        { roleGroup: 'senior_executive', directorate: '', headcount: 6 },
      ]);
    } finally {
      await storage.close();
    }
  });

  it.skipIf(skip)('keeps the old profile when saving a new one fails part-way', async () => {
    const storage = openStorage(await target());
    try {
      await migrate(storage);
      const { db } = storage;
      const organisationId = await createOrganisation(db, { name: 'Test council', type: 'district', nation: 'England', region: 'London' });
      const instrumentVersionId = await publishInstrument(db, definition);
      const survey = await createSurvey(db, { organisationId, instrumentVersionId, title: 'Wave 1' });
      const profile = parsed('role_group,headcount\nfrontline,100\n');
      await db.transaction().execute((trx) => saveWorkforceProfile(trx, survey.id, profile));
      // A duplicate cell breaks the primary key on insert, after the old rows were deleted in the same transaction.
      const broken = { cells: [...profile.cells, { roleGroup: 'manager', directorate: '', headcount: 3 }, { roleGroup: 'manager', directorate: '', headcount: 4 }] };
      await expect(db.transaction().execute((trx) => saveWorkforceProfile(trx, survey.id, broken))).rejects.toThrow();
      expect(await loadWorkforceProfile(db, survey.id)).toEqual(profile);
    } finally {
      await storage.close();
    }
  });
});
