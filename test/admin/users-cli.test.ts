import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authenticate } from '../../src/admin/users.js';
import { migrate, openStorage } from '../../src/storage/db.js';
import { createOrganisation } from '../../src/storage/surveys.js';
import { loadSignedInUser } from '../../src/storage/users.js';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');

function cli(dataDir: string, stdin: string, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(tsx, ['src/cli/index.ts', ...args], { encoding: 'utf8', env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' } }, (error, stdout, stderr) =>
      done({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}

// Each command is a process of its own under tsx: seconds each, several times that on a busy 2-core machine.
describe('sounding user commands', { timeout: 120_000 }, () => {
  it('creates the first platform admin with the password from stdin, and gives an account a role', async () => {
    const data = mkdtempSync(join(tmpdir(), 'sounding-users-'));
    const created = await cli(data, 'a long enough passphrase\n', 'user', 'create-admin', '--email', 'Lead@Example.org', '--name', 'Lead');
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    expect(created.stdout).toContain('Platform admin lead@example.org created');
    // The password never appears in the arguments or the output.
    expect(created.stdout).not.toContain('passphrase');

    const storage = openStorage({ kind: 'sqlite', file: resolve(data, 'sounding.sqlite') });
    await migrate(storage);
    const signedIn = await authenticate(storage.db, { email: 'lead@example.org', password: 'a long enough passphrase', client: '192.0.2.1' });
    expect(signedIn.ok).toBe(true);
    const organisationId = await createOrganisation(storage.db, { name: 'Test Council', type: 'district', nation: 'England', region: 'South West' });
    const added = await cli(data, '', 'user', 'add-member', '--email', 'lead@example.org', '--org', organisationId, '--role', 'analyst');
    expect(added.stdout).toContain('lead@example.org is now analyst in Test Council');
    const user = await loadSignedInUser(storage.db, signedIn.ok ? signedIn.userId : '');
    expect(user).toMatchObject({ platformAdmin: true, memberships: [{ organisationId, role: 'analyst' }] });
    const audit = await storage.db.selectFrom('audit_log').select(['action', 'target']).orderBy('at').execute();
    expect(audit).toEqual([
      { action: 'user.create-admin', target: 'lead@example.org' },
      { action: 'member.set-role', target: 'lead@example.org: analyst' },
    ]);
    await storage.close();
  });

  it('refuses a short password, a second account for the same email and an unknown role, each with a one-line reason', async () => {
    const data = mkdtempSync(join(tmpdir(), 'sounding-users-'));
    const short = await cli(data, 'short\n', 'user', 'create-admin', '--email', 'a@example.org', '--name', 'A');
    expect(short.status).toBe(1);
    expect(short.stderr.trim()).toBe('Invalid password: Password must be 12 characters or more');
    await cli(data, 'a long enough passphrase\n', 'user', 'create-admin', '--email', 'a@example.org', '--name', 'A');
    const again = await cli(data, 'a long enough passphrase\n', 'user', 'create-admin', '--email', 'A@example.org', '--name', 'A');
    expect(again.status).toBe(1);
    expect(again.stderr.trim()).toBe('An account for a@example.org already exists');
    const role = await cli(data, '', 'user', 'add-member', '--email', 'a@example.org', '--org', 'x', '--role', 'boss');
    expect(role.status).toBe(1);
    expect(role.stderr.trim()).toBe('Invalid --role: must be one of viewer, analyst, org_admin (got "boss")');
  });
});
