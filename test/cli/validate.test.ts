import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');

function runValidate(text: string): { status: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sounding-cli-'));
  const file = join(dir, 'definition.yaml');
  writeFileSync(file, text);
  try {
    const output = execFileSync(tsx, ['src/cli/index.ts', 'validate', file], { encoding: 'utf8', stdio: 'pipe' });
    return { status: 0, output };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { status: failed.status, output: failed.stdout + failed.stderr };
  }
}

const valid = `
code: tiny
version: 1
title: Tiny survey
estimatedMinutes: 2
segments: { roleGroup: role }
audiences:
  - { code: everyone, label: Everyone, roleGroups: [staff, leader] }
sections:
  - code: about
    title: About you
    questions:
      - code: role
        type: single
        text: What is your role?
        options:
          - { code: staff, label: Staff }
          - { code: leader, label: Leader }
      - code: engaged
        type: engagement
        text: How engaged are you?
`;

// Each command is a process of its own under tsx: seconds each, several times that on a busy 2-core machine.
describe('sounding validate', { timeout: 120_000 }, () => {
  it('exits 0 for a valid definition', () => {
    const result = runValidate(valid);
    expect(result.status).toBe(0);
    expect(result.output).toContain('valid (tiny version 1)');
  });

  it('exits 1 and lists each problem with its line, section and question by title and code', () => {
    const broken = valid.replace('type: engagement', 'type: slider').replace('estimatedMinutes: 2\n', '');
    const result = runValidate(broken);
    expect(result.status).toBe(1);
    expect(result.output).toContain('2 problems');
    expect(result.output).toMatch(/Line \d+, estimatedMinutes: is required/);
    expect(result.output).toContain('Line 19, section “About you” (about), question “How engaged are you?” (engaged), type: unknown question type');
  });
});
