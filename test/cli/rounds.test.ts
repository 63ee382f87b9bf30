import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');

/** The CLI as a separate process on a SQLite database in dataDir (a few seconds each, more on a busy machine). */
function cli(dataDir: string, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' };
  return new Promise((resolve) => {
    execFile(tsx, ['src/cli/index.ts', ...args], { encoding: 'utf8', env }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('sounding round commands', () => {
  it('a host creates a round and invites a council once; the council accepts; the status shows participation, with refusals on one line and exit code 1', async () => {
    const data = mkdtempSync(join(tmpdir(), 'sounding-cli-rounds-'));
    const host = (await cli(data, 'org', 'create', '--name', 'Midlands Partnership', '--type', 'host', '--nation', 'England', '--region', 'West Midlands')).stdout.trim();
    const council = (await cli(data, 'org', 'create', '--name', 'Testshire County Council', '--type', 'county', '--nation', 'England', '--region', 'East Midlands')).stdout.trim();
    expect(host).toMatch(/^[0-9a-f-]{36}$/);

    const badDate = await cli(data, 'round', 'create', '--host', host, '--title', 'Round', '--opens', '1 October', '--closes', '2026-11-30');
    expect(badDate).toMatchObject({ status: 1, stderr: 'Invalid --opens: must be a date as YYYY-MM-DD (got "1 October")\n' });
    const notHost = await cli(data, 'round', 'create', '--host', council, '--title', 'Round', '--opens', '2026-10-01', '--closes', '2026-11-30');
    expect(notHost).toMatchObject({ status: 1, stderr: 'Testshire County Council is a county, not a host: only a host organisation runs benchmark rounds\n' });

    const created = await cli(data, 'round', 'create', '--host', host, '--title', 'Midlands 2026', '--opens', '2026-10-01', '--closes', '2026-11-30');
    expect(created.stderr).toBe('');
    const roundId = created.stdout.trim();
    expect((await cli(data, 'round', 'invite', roundId, '--org', council)).status).toBe(0);
    const twice = await cli(data, 'round', 'invite', roundId, '--org', council);
    expect(twice.status).toBe(1);
    expect(twice.stderr).toMatch(/^Testshire County Council has already been invited and has not answered yet \(invited on [\d-]+\): a council is invited to a round once\n$/);
    expect((await cli(data, 'round', 'accept', roundId, '--org', council)).stdout).toBe('Joined\n');

    const status = await cli(data, 'round', 'status', roundId);
    expect(status.status).toBe(0);
    expect(status.stdout).toContain('Midlands 2026 (open, 2026-10-01 to 2026-11-30): 1 invited, 1 joined, 0 opened, 0 closed');
    expect(status.stdout).toMatch(/Testshire County Council\s+joined\s+none/);
    expect(status.stdout).toMatch(/county\s+1\s+fewer than 10/);
  }, 300_000);
});
