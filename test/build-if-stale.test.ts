import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm start` builds only when dist/ is older than what it is built from
 * (scripts/build-if-stale.mjs, run by prestart and prepare). Run here in a project of its own
 * whose build:css and build:js scripts only note that they ran and write their outputs.
 */

const script = resolve('scripts/build-if-stale.mjs');
const project = mkdtempSync(join(tmpdir(), 'sounding-build-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

// A build step: notes that it ran, writes its outputs, and fails when FAIL_BUILD is set.
writeFileSync(
  join(project, 'step.cjs'),
  `const fs = require('node:fs');
const path = require('node:path');
const [step, ...outputs] = process.argv.slice(2);
fs.appendFileSync('built.log', step + '\\n');
for (const output of outputs) {
  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.writeFileSync(output, '');
}
if (process.env.FAIL_BUILD) process.exit(3);
`,
);
writeFileSync(
  join(project, 'package.json'),
  JSON.stringify({
    name: 'stale-check',
    private: true,
    scripts: { 'build:css': 'node step.cjs css dist/styles/govuk.css', 'build:js': 'node step.cjs js dist/web/server.js dist/cli/index.js' },
  }),
);
// What dist/ is built from, saved a minute ago: a file saved now is then newer than any build before it.
const aMinuteAgo = new Date(Date.now() - 60_000);
for (const file of ['package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src/web/server.ts', 'src/web/views/layout.njk']) {
  mkdirSync(join(project, file, '..'), { recursive: true });
  writeFileSync(join(project, file), '');
  utimesSync(join(project, file), aMinuteAgo, aMinuteAgo);
}

function run(args: string[] = [], env: Record<string, string> = {}): Promise<{ code: number; stdout: string }> {
  return new Promise((done) =>
    execFile(process.execPath, [script, ...args], { cwd: project, env: { ...process.env, ...env } }, (error, stdout) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout }),
    ),
  );
}
const builds = () => readFileSync(join(project, 'built.log'), 'utf8').trim().split('\n').length / 2;
/** Saves a file now: after the last build began, so newer than it. */
const edit = (file: string) => {
  const now = new Date();
  utimesSync(join(project, file), now, now);
};

describe('building only when dist/ is stale', () => {
  it('builds when dist/ is missing, then not again until a source, the lock file or the TypeScript settings change; --always builds anyway', async () => {
    expect((await run()).stdout).toContain('Building dist/ (dist/web/server.js is missing)');
    expect(builds()).toBe(1);
    expect((await run()).stdout).toContain('dist/ is up to date with src/: not rebuilding');
    expect(builds()).toBe(1);

    edit('src/web/views/layout.njk');
    expect((await run()).stdout).toContain('Building dist/ (src/web/views/layout.njk is newer than the last build)');
    expect(builds()).toBe(2);
    for (const file of ['package-lock.json', 'tsconfig.build.json']) {
      edit(file);
      expect((await run()).stdout).toContain(`Building dist/ (${file} is newer than the last build)`);
    }
    expect(builds()).toBe(4);
    expect((await run()).stdout).toContain('not rebuilding');

    expect((await run(['--always'])).stdout).toContain('Building dist/ (asked to build)');
    expect(builds()).toBe(5);
  }, 120_000);

  it('fails with the build, and builds again next time, when a build step fails', async () => {
    edit('src/web/server.ts');
    const failed = await run([], { FAIL_BUILD: '1' });
    expect(failed.code).not.toBe(0);
    const again = await run();
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Building dist/ (src/web/server.ts is newer than the last build)');
  }, 120_000);
});
