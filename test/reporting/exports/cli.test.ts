import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { progressReporter } from '../../../src/cli/progress.js';
import { exportFixture, SIZES, type ExportFixture } from './fixture.js';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');

function cli(dataDir: string, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' };
  return new Promise((resolve) => {
    execFile(tsx, ['src/cli/index.ts', ...args], { encoding: 'utf8', env }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

let dataDir: string;
let fixture: ExportFixture;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sounding-cli-export-'));
  fixture = await exportFixture({ kind: 'sqlite', file: join(dataDir, 'sounding.sqlite') });
  await fixture.storage.close();
});

// Each command is a process of its own under tsx: seconds each, several times that on a busy 2-core machine.
describe('sounding survey export', { timeout: 120_000 }, () => {
  it('writes the file, with plain progress lines on stderr when it is not a terminal', async () => {
    const out = join(dataDir, 'answers.csv');
    const run = await cli(dataDir, 'survey', 'export', fixture.surveyId, '--format', 'respondents.csv', '--out', out, '--bom');
    expect(run.stderr).toContain('Exporting respondents.csv: 100% (40 of 40)');
    expect(run.stderr).not.toContain('\r');
    expect(run.stdout.trim()).toBe(`Wrote ${out}`);
    expect(run.status).toBe(0);
    const bytes = readFileSync(out);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse<Record<string, string>>(bytes.subarray(3), { columns: true });
    expect(rows).toHaveLength(SIZES.frontline + SIZES.manager + SIZES.senior);
    expect(rows.filter((r) => r.role === '3')).toHaveLength(SIZES.frontline);
  });

  it('names the option at fault for a bad format, and an unknown survey', async () => {
    const bad = await cli(dataDir, 'survey', 'export', fixture.surveyId, '--format', 'pdf');
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe('Invalid --format: must be one of respondents.csv, respondents.xlsx, respondents.sav, codebook.csv, aggregates.csv, aggregates.xlsx (got "pdf")');
    const unknown = await cli(dataDir, 'survey', 'export', '00000000-0000-4000-8000-000000000000', '--format', 'codebook.csv');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim()).toBe('No survey with id 00000000-0000-4000-8000-000000000000');
  });
});

describe('progress on stderr', () => {
  const fake = (isTTY: boolean) => {
    const written: string[] = [];
    return { written, stream: { isTTY, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream };
  };

  it('redraws one bar in place on a terminal', () => {
    const { written, stream } = fake(true);
    const p = progressReporter('Exporting', stream);
    p.update(0, 200);
    p.update(100, 200);
    p.update(100, 200);
    p.update(200, 200);
    p.finish();
    expect(written).toEqual([
      `\rExporting [${'.'.repeat(30)}] 0% (0 of 200)`,
      `\rExporting [${'#'.repeat(15)}${'.'.repeat(15)}] 50% (100 of 200)`,
      `\rExporting [${'#'.repeat(30)}] 100% (200 of 200)`,
      '\n',
    ]);
  });

  it('writes a plain line at each tenth otherwise', () => {
    const { written, stream } = fake(false);
    const p = progressReporter('Exporting', stream);
    for (let done = 1; done <= 1000; done++) p.update(done, 1000);
    p.finish();
    expect(written).toHaveLength(11);
    expect(written[0]).toBe('Exporting: 0% (1 of 1000)\n');
    expect(written[10]).toBe('Exporting: 100% (1000 of 1000)\n');
  });
});
