import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/db.js';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const instrument = join(process.cwd(), 'instruments', 'digital-readiness.yaml');

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI as a separate process against the database in dataDir: a few seconds each under
 * tsx, several times that on a busy 2-core machine, so the tests here allow minutes.
 */
function cli(dataDir: string, ...args: string[]): Promise<Run> {
  const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' };
  return new Promise((resolve) => {
    execFile(tsx, ['src/cli/index.ts', ...args], { encoding: 'utf8', env }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

function freshDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'sounding-cli-data-'));
}

/** The list row for a survey id, split into its columns. */
function rowFor(list: string, id: string): string[] {
  const line = list.split('\n').find((l) => l.includes(id));
  expect(line, `survey ${id} is listed`).toBeDefined();
  return line!.trim().split(/\s{2,}/);
}

describe('sounding org and survey commands', () => {
  it('creates an organisation and a survey, opens it, adds responses and closes it; never exports an open one or reopens a closed one; audits each step', async () => {
    const data = freshDataDir();

    const org = await cli(data, 'org', 'create', '--name', 'Testshire County Council', '--type', 'county', '--nation', 'England', '--region', 'East Midlands');
    expect(org.stderr).toBe('');
    expect(org.status).toBe(0);
    const orgId = org.stdout.trim();
    expect(orgId).toMatch(/^[0-9a-f-]{36}$/);

    const orgs = await cli(data, 'org', 'list');
    expect(orgs.status).toBe(0);
    expect(orgs.stdout).toMatch(/Testshire County Council\s+county\s+England\s+East Midlands\s+[0-9a-f-]{36}/);

    const created = await cli(data, 'survey', 'create', '--org', orgId, '--instrument', instrument, '--title', 'Digital readiness 2026', '--synthetic');
    expect(created.status).toBe(0);
    const [surveyId, link] = created.stdout.trim().split('\n');
    expect(surveyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(link).toMatch(/^\/s\/[a-z0-9]+$/);

    expect((await cli(data, 'survey', 'open', surveyId!)).status).toBe(0);

    const generated = await cli(data, 'survey', 'generate', surveyId!, '--responses', '30', '--seed', '7');
    expect(generated.status).toBe(0);
    expect(generated.stderr).toBe(''); // no progress lines below 1000 responses

    const open = await cli(data, 'survey', 'list');
    expect(open.status).toBe(0);
    expect(open.stdout.split('\n')[0]).toMatch(/^Organisation\s+Title\s+State\s+Responses\s+Id\s+Link$/);
    expect(rowFor(open.stdout, surveyId!)).toEqual(['Testshire County Council', 'Digital readiness 2026', 'open', '30', surveyId, link]);

    // An open wave has no publication, so nothing about its answers leaves by any route.
    const early = await cli(data, 'survey', 'export', surveyId!, '--format', 'aggregates.csv', '--out', join(data, 'early.csv'));
    expect(early.status).toBe(1);
    expect(early.stderr.trim()).toBe('Digital readiness 2026 is open: results, reports and exports are published when it closes');
    expect(existsSync(join(data, 'early.csv'))).toBe(false);

    const closing = await cli(data, 'survey', 'close', surveyId!);
    expect([closing.status, closing.stdout.trim()]).toEqual([0, 'Digital readiness 2026: closed, results published']);

    const closed = await cli(data, 'survey', 'list');
    expect(rowFor(closed.stdout, surveyId!)).toEqual(['Testshire County Council', 'Digital readiness 2026', 'closed', '30', surveyId, link]);

    const reopen = await cli(data, 'survey', 'open', surveyId!);
    expect([reopen.status, reopen.stderr.trim()]).toEqual([1, 'This survey is closed, so it cannot be opened: a closed survey never reopens']);
    const exported = await cli(data, 'survey', 'export', surveyId!, '--format', 'aggregates.csv', '--out', join(data, 'aggregates.csv'));
    expect(exported.status).toBe(0);
    expect(readFileSync(join(data, 'aggregates.csv'), 'utf8')).toContain('Responses');

    // Every step is in the audit log as the command line, named by the operating-system user.
    const storage = openStorage({ kind: 'sqlite', file: join(data, 'sounding.sqlite') });
    const audit = await storage.db.selectFrom('audit_log').select(['action', 'actor_label']).orderBy('at').execute();
    await storage.close();
    expect(audit.map((a) => a.action)).toEqual(['wave.create', 'wave.open', 'wave.generate', 'wave.close', 'export']);
    for (const entry of audit) expect(entry.actor_label).toBe(`command line (${userInfo().username})`);
  }, 180_000);

  it('refuses bad input with exit code 1 and a specific message', async () => {
    const data = freshDataDir();
    const org = await cli(data, 'org', 'create', '--name', 'Errorton District Council', '--type', 'district', '--nation', 'Wales', '--region', 'North Wales');
    const orgId = org.stdout.trim();
    const broken = join(data, 'broken.yaml');
    writeFileSync(broken, 'code: broken\nversion: 1\n');

    const [badType, badNation, lowThreshold, unknownSurvey, unknownOrg, invalidInstrument, missingInstrument, surveys] = await Promise.all([
      cli(data, 'org', 'create', '--name', 'X', '--type', 'parish', '--nation', 'England', '--region', 'R'),
      cli(data, 'org', 'create', '--name', 'X', '--type', 'county', '--nation', 'Narnia', '--region', 'R'),
      cli(data, 'survey', 'create', '--org', orgId, '--instrument', instrument, '--title', 'Too small', '--threshold', '4'),
      cli(data, 'survey', 'open', '00000000-0000-0000-0000-000000000000'),
      cli(data, 'survey', 'create', '--org', 'no-such-org', '--instrument', instrument, '--title', 'Orphan'),
      cli(data, 'survey', 'create', '--org', orgId, '--instrument', broken, '--title', 'Broken'),
      cli(data, 'survey', 'create', '--org', orgId, '--instrument', join(data, 'missing.yaml'), '--title', 'Missing'),
      cli(data, 'survey', 'list'),
    ]);

    expect(badType.status).toBe(1);
    expect(badType.stderr.trim()).toBe('Invalid --type: must be one of county, district, unitary, metropolitan, london_borough, other, host (got "parish")');
    expect(badNation.status).toBe(1);
    expect(badNation.stderr).toContain('Invalid --nation: must be one of England, Wales, Scotland, Northern Ireland (got "Narnia")');

    expect(lowThreshold.status).toBe(1);
    expect(lowThreshold.stderr).toContain('Invalid --threshold: the suppression threshold must be at least 5');

    expect(unknownSurvey.status).toBe(1);
    expect(unknownSurvey.stderr.trim()).toBe('No survey with id 00000000-0000-0000-0000-000000000000');

    expect(unknownOrg.status).toBe(1);
    expect(unknownOrg.stderr).toContain('No organisation with id no-such-org');

    expect(invalidInstrument.status).toBe(1);
    expect(invalidInstrument.stderr).toContain('Nothing created; fix these and try again:');
    expect(invalidInstrument.stderr).toMatch(/Line \d+, title: is missing. Add the title./);

    expect(missingInstrument.status).toBe(1);
    expect(missingInstrument.stderr).toContain('Cannot read instrument file');

    // None of the refused commands created a survey.
    expect(surveys.stdout.trim()).toBe('(none)');
  }, 120_000);
});
