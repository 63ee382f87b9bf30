import { describe, expect, it } from 'vitest';
import { blankWaveForm, changeWaveState, createWave, listSurveysWithResponses, responseRates, uploadWorkforceProfile, waveResponseRates, type WaveForm } from '../../src/admin/waves.js';
import { submitResponse } from '../../src/storage/responses.js';
import { listAuditEntries } from '../../src/storage/audit-log.js';
import { migrate, openStorage } from '../../src/storage/db.js';
import { createOrganisation, findSurveyById } from '../../src/storage/surveys.js';
import { listOrganisationWaves } from '../../src/storage/waves.js';
import { loadWorkforceProfile } from '../../src/storage/workforce-profiles.js';
import { freshSqlite } from '../storage/targets.js';
import { standardInstrument } from '../support/app.js';

const definition = standardInstrument();
const actor = { userId: null };

async function organisation() {
  const storage = openStorage(freshSqlite());
  await migrate(storage);
  const organisationId = await createOrganisation(storage.db, { name: 'Test Council', type: 'district', nation: 'England', region: 'South West' });
  return { storage, db: storage.db, organisationId };
}

const form = (changes: Partial<WaveForm>): WaveForm => ({ ...blankWaveForm(), title: 'Digital readiness 2027', ...changes });

describe('creating a wave', () => {
  it('creates a draft from the standard instrument with its plan, and records who did it', async () => {
    const { storage, db, organisationId } = await organisation();
    const first = await createWave(db, actor, organisationId, form({ title: 'Wave 1' }));
    expect(first.ok).toBe(true);
    const firstId = first.ok ? first.id : '';
    // A trend compares published results: an open or draft wave cannot be named as the previous one.
    expect(await changeWaveState(db, actor, firstId, 'open')).toEqual({ ok: true });
    const followingOpen = await createWave(db, actor, organisationId, form({ previousSurveyId: firstId }));
    expect(followingOpen).toEqual({
      ok: false,
      errors: [{ field: 'previousSurveyId', message: 'The previous wave must be a closed one: only closed waves have published results to compare with' }],
      definitionProblems: [],
    });
    expect(await changeWaveState(db, actor, firstId, 'closed')).toEqual({ ok: true });
    const second = await createWave(
      db,
      actor,
      organisationId,
      form({ threshold: '12', previousSurveyId: first.ok ? first.id : '', opensOn: { day: '1', month: '3', year: '2027' }, closesOn: { day: '29', month: '3', year: '2027' } }),
    );
    expect(second.ok).toBe(true);
    const waves = await listOrganisationWaves(db, organisationId);
    expect(waves.find((w) => second.ok && w.id === second.id)).toMatchObject({
      title: 'Digital readiness 2027',
      state: 'draft',
      opensOn: '2027-03-01',
      closesOn: '2027-03-29',
      suppressionThreshold: 12,
      previousSurveyId: first.ok ? first.id : 'x',
      instrumentCode: 'digital_readiness',
    });
    expect((await listAuditEntries(db, organisationId)).map((e) => e.action)).toEqual(['wave.create', 'wave.close', 'wave.open', 'wave.create']);
    await storage.close();
  });

  it('lists every problem with the form at once, by field', async () => {
    const { storage, db, organisationId } = await organisation();
    const result = await createWave(
      db,
      actor,
      organisationId,
      form({ title: '  ', threshold: '4', source: 'nothing', previousSurveyId: 'not-an-id', opensOn: { day: '31', month: '2', year: '2027' }, closesOn: { day: '1', month: '1', year: '27' } }),
    );
    expect(result).toEqual({
      ok: false,
      definitionProblems: [],
      errors: [
        { field: 'title', message: 'Enter a title for the survey' },
        { field: 'source', message: 'Choose the standard instrument, a blank survey or upload a definition' },
        { field: 'threshold', message: 'The threshold must be at least 5: smaller groups cannot be kept anonymous' },
        { field: 'previousSurveyId', message: 'Choose a previous wave from the list' },
        { field: 'opensOn-day', message: 'The opening date must be a real date, for example 18 12 2026' },
        { field: 'closesOn-day', message: 'The closing date must be a real date, for example 18 12 2026' },
      ],
    });
    const backwards = await createWave(db, actor, organisationId, form({ opensOn: { day: '2', month: '3', year: '2027' }, closesOn: { day: '1', month: '3', year: '2027' } }));
    expect(!backwards.ok && backwards.errors).toEqual([{ field: 'closesOn-day', message: 'The closing date must be on or after the opening date' }]);
    expect(await listOrganisationWaves(db, organisationId)).toEqual([]);
    await storage.close();
  });

  it('refuses a previous wave of another organisation', async () => {
    const { storage, db, organisationId } = await organisation();
    const other = await createOrganisation(db, { name: 'Other Council', type: 'county', nation: 'England', region: 'East' });
    const theirs = await createWave(db, actor, other, form({}));
    const result = await createWave(db, actor, organisationId, form({ previousSurveyId: theirs.ok ? theirs.id : '' }));
    expect(!result.ok && result.errors).toEqual([{ field: 'previousSurveyId', message: 'Choose a previous wave from the list' }]);
    await storage.close();
  });

  it('gives back every problem in an uploaded definition with its path and line, and creates nothing', async () => {
    const { storage, db, organisationId } = await organisation();
    const yaml = ['code: my survey', 'version: 1', 'title: {en: "Mine"}', 'segments: {roleGroup: role}', 'sections: []'].join('\n');
    const result = await createWave(db, actor, organisationId, form({ source: 'upload' }), Buffer.from(yaml));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([{ field: 'definition', message: `The definition has ${result.definitionProblems.length} problems: see the list below` }]);
    expect(result.definitionProblems.find((p) => p.path === 'code')).toMatchObject({ line: 1 });
    expect(await listOrganisationWaves(db, organisationId)).toEqual([]);
    const none = await createWave(db, actor, organisationId, form({ source: 'upload' }));
    expect(!none.ok && none.errors).toEqual([{ field: 'definition', message: 'Choose a definition file (YAML or JSON) to upload' }]);
    await storage.close();
  });
});

describe('opening and closing', () => {
  it('opens a draft, closes an open survey, and refuses anything else', async () => {
    const { storage, db, organisationId } = await organisation();
    const created = await createWave(db, actor, organisationId, form({}));
    const id = created.ok ? created.id : '';
    const survey = async () => (await findSurveyById(db, id))!;
    expect(await changeWaveState(db, actor, id, 'closed')).toEqual({ ok: false, status: 409, message: 'This survey is draft, so it cannot be closed' });
    expect(await changeWaveState(db, actor, id, 'open')).toEqual({ ok: true });
    expect((await survey()).state).toBe('open');
    expect(await changeWaveState(db, actor, id, 'closed')).toEqual({ ok: true });
    expect(await changeWaveState(db, actor, id, 'open')).toEqual({ ok: false, status: 409, message: 'This survey is closed, so it cannot be opened: a closed survey never reopens' });
    expect(await changeWaveState(db, actor, id, 'closed')).toEqual({ ok: false, status: 409, message: 'This survey is closed, so it cannot be closed' });
    expect((await listAuditEntries(db, organisationId)).map((e) => e.action).sort()).toEqual(['wave.close', 'wave.create', 'wave.open']);
    await storage.close();
  });
});

describe('workforce profile upload', () => {
  it('saves a good profile and refuses a file that is not UTF-8, by row', async () => {
    const { storage, db, organisationId } = await organisation();
    const created = await createWave(db, actor, organisationId, form({}));
    const survey = { id: created.ok ? created.id : '', organisationId, definition };
    const bad = await uploadWorkforceProfile(db, actor, survey, Buffer.from('role_group,directorate,headcount\nfrontline,housing,10\nmanager,housing,5\xe9\n', 'latin1'));
    expect(bad).toEqual({ ok: false, problems: [{ row: 3, message: 'is not UTF-8 text; save the file as "CSV UTF-8 (comma delimited)" and upload it again' }] });
    expect(await loadWorkforceProfile(db, survey.id)).toBeUndefined();
    expect(await uploadWorkforceProfile(db, actor, survey, Buffer.from('role_group,directorate,headcount\nfrontline,housing,10\nmanager,housing,5\n'))).toMatchObject({ ok: true });
    expect((await loadWorkforceProfile(db, survey.id))?.cells).toHaveLength(2);
    await storage.close();
  });
});

describe('live response rates', () => {
  const profile = {
    cells: [
      { roleGroup: 'frontline', directorate: 'housing', headcount: 60 },
      { roleGroup: 'frontline', directorate: 'finance_corporate', headcount: 40 },
      { roleGroup: 'manager', directorate: 'housing', headcount: 30 },
      { roleGroup: 'head_of_service', directorate: 'housing', headcount: 6 },
    ],
  };

  it('shows counts and rates against headcount where every group is large enough', () => {
    const cells = [
      { roleGroup: 'frontline', directorate: 'housing', responses: 30 },
      { roleGroup: 'frontline', directorate: 'finance_corporate', responses: 20 },
      { roleGroup: 'manager', directorate: 'housing', responses: 12 },
    ];
    const rates = responseRates(definition, cells, profile, 10);
    expect(rates.total).toEqual({ code: '', label: 'All staff', headcount: 136, responses: 62, rate: 62 / 136 });
    expect(rates.roleGroups.find((r) => r.code === 'frontline')).toMatchObject({ headcount: 100, responses: 50, rate: 0.5 });
    expect(rates.roleGroups.find((r) => r.code === 'manager')).toMatchObject({ headcount: 30, responses: 12, rate: 0.4 });
    expect(rates.directorates.find((d) => d.code === 'housing')).toMatchObject({ headcount: 96, responses: 42, rate: 42 / 96 });
    expect(rates.directorates.find((d) => d.code === 'finance_corporate')).toMatchObject({ headcount: 40, responses: 20, rate: 0.5 });
  });

  it('never shows a group under the threshold, nor one that total minus the others would give away', () => {
    const cells = [
      { roleGroup: 'frontline', directorate: 'housing', responses: 30 },
      { roleGroup: 'frontline', directorate: 'finance_corporate', responses: 20 },
      { roleGroup: 'manager', directorate: 'housing', responses: 12 },
      { roleGroup: 'head_of_service', directorate: 'housing', responses: 3 },
    ];
    const rates = responseRates(definition, cells, profile, 10);
    const head = rates.roleGroups.find((r) => r.code === 'head_of_service')!;
    expect(head).toEqual({ code: 'head_of_service', label: 'Head of service', headcount: 6, responses: undefined, rate: undefined });
    for (const figures of [rates.roleGroups, rates.directorates]) {
      const shown = figures.filter((f) => f.responses !== undefined);
      for (const f of shown) expect(f.responses).toBeGreaterThanOrEqual(10);
      // What is withheld together must be at least the threshold, or the total is withheld.
      if (rates.total.responses !== undefined) {
        const withheld = rates.total.responses - shown.reduce((s, f) => s + f.responses!, 0);
        expect(withheld === 0 || withheld >= 10).toBe(true);
      }
    }
    // 65 responses: frontline 50 shown; manager (12) and head of service (3) withheld together (15).
    expect(rates.roleGroups.filter((r) => r.responses !== undefined).map((r) => [r.code, r.responses])).toEqual([['frontline', 50]]);
  });

  it('withholds, and names for the lead, a group the workforce profile rules out, as the publication does', () => {
    // 12 heads of service answered where the profile has 6: the open link went further than the group.
    const cells = [
      { roleGroup: 'frontline', directorate: 'housing', responses: 30 },
      { roleGroup: 'frontline', directorate: 'finance_corporate', responses: 20 },
      { roleGroup: 'manager', directorate: 'housing', responses: 12 },
      { roleGroup: 'head_of_service', directorate: 'housing', responses: 12 },
    ];
    const rates = responseRates(definition, cells, profile, 10);
    expect(rates.roleGroups.find((r) => r.code === 'head_of_service')!.responses).toBeUndefined();
    expect(rates.profileHidden).toContainEqual({ kind: 'roleGroup', code: 'head_of_service', reason: 'responses_exceed_headcount' });
    expect(rates.profileHidden.filter((h) => ['frontline', 'manager', 'housing', 'finance_corporate'].includes(h.code))).toEqual([]);
    // Without the profile rule 12 would show; with it, manager (12) is withheld beside it, so total less frontline does not give it.
    expect(rates.roleGroups.filter((r) => r.responses !== undefined).map((r) => r.code)).toEqual(['frontline']);
  });

  it("shows a closed wave's figures as its publication released them, and lists surveys with the same figures", async () => {
    const { storage, db, organisationId } = await organisation();
    const created = await createWave(db, actor, organisationId, form({ title: 'Wave 1' }));
    const id = created.ok ? created.id : '';
    await changeWaveState(db, actor, id, 'open');
    const survey = (await findSurveyById(db, id))!;
    const roles: [string, number][] = [
      ['frontline', 14],
      ['manager', 11],
      ['head_of_service', 4],
    ];
    let n = 0;
    for (const [role, count] of roles) {
      for (let i = 0; i < count; i++) {
        n++;
        const answers = { role, directorate: 'housing', engaged: 'engaged' };
        await submitResponse(db, `k${n}`, { surveyId: id, instrumentVersionId: survey.instrumentVersionId, roleGroup: role, directorate: 'housing', submittedOn: '2026-11-20', answers });
      }
    }
    const live = await waveResponseRates(db, survey);
    expect(live.source).toBe('live');
    expect(live.total.responses).toBe(29);
    await changeWaveState(db, actor, id, 'closed');
    const closed = (await findSurveyById(db, id))!;
    const published = await waveResponseRates(db, closed);
    expect(published.source).toBe('published');
    expect(published.total.responses).toBe(29);
    expect(published.roleGroups.find((r) => r.code === 'head_of_service')!.responses).toBeUndefined();
    expect(published.roleGroups.find((r) => r.code === 'frontline')!.responses).toBe(14);
    expect((await listSurveysWithResponses(db)).map((s) => [s.title, s.responses])).toEqual([['Wave 1', 29]]);
    await storage.close();
  });

  it('shows counts without rates when no profile has been loaded', () => {
    const rates = responseRates(definition, [{ roleGroup: 'frontline', directorate: 'housing', responses: 25 }], undefined, 10);
    expect(rates.total).toEqual({ code: '', label: 'All staff', headcount: undefined, responses: 25, rate: undefined });
  });
});
