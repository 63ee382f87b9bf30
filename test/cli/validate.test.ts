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

  it('exits 0 for a survey without segments or audiences: it simply has no role breakdown', () => {
    const result = runValidate(valid.replace('segments: { roleGroup: role }\n', '').replace(/audiences:\n.*\n/, ''));
    expect(result.status).toBe(0);
    expect(result.output).toContain('valid (tiny version 1)');
  });

  it('exits 1 and lists every problem in one run, in the file’s order, each with its line, section and question by title and code, and what to do', () => {
    const broken = `
code: tiny
version: 1
title: Tiny survey
segments: { roleGroup: role }
audiences:
  - { code: everyone, label: Everyone, roleGroups: [staff, leader, cleaner] }
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
      - code: service
        type: single
        showIf: { question: manager, anyOf: ['yes'] }
        options:
          - { code: people, label: People }
          - { code: place, label: Place }
      - code: engaged
        type: slider
        text: How engaged are you?
      - code: manager
        type: single
        text: Do you manage people?
        options: [{ code: 'yes', label: 'Yes' }, { code: 'no', label: 'No' }]
      - code: role
        type: text
        text: Anything else?
`;
    const result = runValidate(broken);
    expect(result.status).toBe(1);
    // Schema problems (a missing field, an unknown type), codes used twice and the checks across the definition (a role group, a
    // condition on a later question) come together, though the file has problems of every kind: nothing waits for another fix.
    expect(result.output.trim().split('\n')).toEqual([
      expect.stringMatching(/definition\.yaml: 6 problems$/),
      '  Line 2, estimatedMinutes: is missing. Add the minutes the survey takes, a whole number from 1 to 120.',
      '  Line 7, audience “Everyone” (everyone), its role groups, entry 3: "cleaner" is not a role group (an option of the role question). Use one of "staff" or "leader".',
      '  Line 18, section “About you” (about), question (service), text: is missing. Add the wording of the question.',
      '  Line 20, section “About you” (about), question (service), the condition (showIf), question: depends on question “Do you manage people?” (manager), which is asked after it. A condition can only use an earlier answer: choose a question asked before this one, or move this one after that question.',
      '  Line 25, section “About you” (about), question “How engaged are you?” (engaged), type: is not a question type Sounding knows. Use one of single, multiple, agree, engagement, number, text, matrix.',
      '  Line 31, section “About you” (about), question “Anything else?” (role), code: the code "role" is also used by question “What is your role?” (role) in section “About you” (about). Give each question its own code.',
    ]);
  });
});
