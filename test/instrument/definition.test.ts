import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { allQuestions, type TDefinition } from '../../src/instrument/definition.js';
import { PUBLISHED_FINDINGS_PATH, findFinding, loadPublishedFindings } from '../../src/instrument/published-findings.js';
import type { FormBody } from '../../src/instrument/question-types/contract.js';
import { ZMatrixQuestion, matrixType } from '../../src/instrument/question-types/matrix.js';
import { OTHER_TEXT_MAX, ZMultipleQuestion, multipleType } from '../../src/instrument/question-types/multiple.js';
import { ZNumberQuestion, numberType } from '../../src/instrument/question-types/number.js';
import { ZAgreeQuestion, ZEngagementQuestion, agreeType, engagementType } from '../../src/instrument/question-types/scale.js';
import { ZSingleQuestion, singleType } from '../../src/instrument/question-types/single.js';
import { ZTextQuestion, textType } from '../../src/instrument/question-types/text-question.js';
import { describeProblem, type DefinitionProblem } from '../../src/instrument/problems.js';
import { validateDefinition, validateDefinitionText } from '../../src/instrument/validate.js';
import { minimalDefinition, type Loose } from '../fixtures/minimal-definition.js';

/** Problems as path, line and message: the place in words (`where`) is checked on its own below. */
const bare = (problems: DefinitionProblem[]) => problems.map(({ path, line, message }) => ({ path, ...(line === undefined ? {} : { line }), message }));

const INSTRUMENT_PATH = fileURLToPath(new URL('../../instruments/digital-readiness.yaml', import.meta.url));
const SHARED_FINDINGS_PATH = fileURLToPath(new URL('../../../shared/reference/published-findings.json', import.meta.url));

/** Validates a copy of the fixture after `mutate` has changed it, and returns the problems (failing if it is valid). */
function problemsAfter(mutate: (d: Loose) => void): DefinitionProblem[] {
  const definition = minimalDefinition();
  mutate(definition);
  const result = validateDefinition(definition);
  if (result.ok) throw new Error('expected the definition to be invalid, but it validated');
  return result.problems;
}

/** Asserts that one of the problems is at exactly `path` with a message matching `message`. */
function expectProblem(problems: DefinitionProblem[], path: string, message: RegExp) {
  const atPath = problems.filter((p) => p.path === path);
  expect(atPath, `no problem at "${path}"; got ${JSON.stringify(problems)}`).not.toHaveLength(0);
  expect(atPath.map((p) => p.message)).toContainEqual(expect.stringMatching(message));
}

/** The 1-based number of the only line in `text` that contains `needle`. */
function lineContaining(text: string, needle: string): number {
  const lines = text.split('\n');
  const found = lines.flatMap((line, i) => (line.includes(needle) ? [i + 1] : []));
  expect(found, `"${needle}" should occur on exactly one line`).toHaveLength(1);
  return found[0] as number;
}

const TEXT_KEYS = ['text', 'label', 'title', 'description', 'hint', 'suffix'];

/** Gives every respondent-facing string a Welsh version (in place). */
function addWelsh(value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach(addWelsh);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const record = value as Loose;
  for (const [key, entry] of Object.entries(record)) {
    if (TEXT_KEYS.includes(key) && typeof entry === 'string') record[key] = { en: entry, cy: `(cy) ${entry}` };
    else addWelsh(entry);
  }
}

function loadInstrument(): TDefinition {
  const result = validateDefinitionText(readFileSync(INSTRUMENT_PATH, 'utf8'));
  if (!result.ok) throw new Error(`the standard instrument is invalid:\n${JSON.stringify(result.problems, null, 2)}`);
  return result.definition;
}

/** The question codes a respondent in the audience is asked, in order. */
function questionSet(definition: TDefinition, audience: string): string[] {
  return definition.sections
    .filter((s) => !s.audiences || s.audiences.includes(audience))
    .flatMap((s) => s.questions.filter((q) => !q.audiences || q.audiences.includes(audience)).map((q) => q.code));
}

describe('the minimal fixture', () => {
  it('is valid, so each test below breaks exactly what it names', () => {
    const result = validateDefinition(minimalDefinition());
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('is still valid as YAML text, and with Welsh added for every string', () => {
    const welsh = minimalDefinition();
    welsh.languages = ['en', 'cy'];
    addWelsh(welsh);
    for (const text of [stringify(minimalDefinition()), stringify(welsh), JSON.stringify(welsh)]) {
      const result = validateDefinitionText(text);
      expect(result.ok ? [] : result.problems).toEqual([]);
    }
  });
});

describe('the standard Digital Readiness instrument', () => {
  const definition = loadInstrument();

  it('validates', () => {
    expect(definition.code).toBe('digital_readiness');
    expect(definition.version).toBe(1);
    expect(definition.languages).toEqual(['en', 'cy']);
    expect(definition.estimatedMinutes).toBeGreaterThanOrEqual(8);
    expect(definition.estimatedMinutes).toBeLessThanOrEqual(12);
  });

  it('says at the top that the Welsh is machine-assisted and awaits review', () => {
    const head = readFileSync(INSTRUMENT_PATH, 'utf8').split('\n').slice(0, 10).join('\n');
    expect(head).toMatch(/^#.*machine-assisted/im);
    expect(head).toMatch(/fluent Welsh speaker/i);
  });

  it('asks the role group first, with the agreed option codes, and the directorate with "prefer not to say"', () => {
    const [about] = definition.sections;
    expect(about?.title.en).toBe('About you');
    expect(about?.questions.slice(0, 2).map((q) => q.code)).toEqual(['role', 'directorate']);
    const role = about?.questions[0];
    expect(role?.type).toBe('single');
    if (role?.type !== 'single') return;
    expect(role.options.map((o) => o.code)).toEqual(['senior_executive', 'head_of_service', 'manager', 'frontline', 'it_digital', 'procurement', 'elected_member']);
    const directorate = about?.questions[1];
    expect(directorate?.type === 'single' && directorate.options.map((o) => o.code)).toContain('prefer_not_say');
    expect(definition.segments).toEqual({ roleGroup: 'role', directorate: 'directorate' });
  });

  it('has three audiences and the leaders/frontline perception gap', () => {
    expect(definition.audiences.map((a) => [a.code, a.roleGroups])).toEqual([
      ['staff', ['manager', 'frontline', 'it_digital', 'procurement']],
      ['leaders', ['senior_executive', 'head_of_service']],
      ['members', ['elected_member']],
    ]);
    expect(definition.perceptionGap).toEqual({ leaders: ['senior_executive', 'head_of_service'], frontline: ['frontline'] });
  });

  it('gives each audience its own question set, sharing the codes of questions asked of everyone', () => {
    const staff = questionSet(definition, 'staff');
    const leaders = questionSet(definition, 'leaders');
    const members = questionSet(definition, 'members');
    const shared = staff.filter((code) => leaders.includes(code) && members.includes(code));
    expect(shared.length).toBeGreaterThanOrEqual(15);
    expect(leaders.filter((c) => !staff.includes(c))).toEqual(expect.arrayContaining(['it_focus', 'funding_conf']));
    expect(members.filter((c) => !staff.includes(c) && !leaders.includes(c)).length).toBeGreaterThan(0);
    // Every question is asked of someone.
    const asked = new Set([...staff, ...leaders, ...members]);
    expect(allQuestions(definition).filter((p) => !asked.has(p.question.code))).toEqual([]);
  });

  it('covers every theme of the product brief', () => {
    const q = (code: string) => {
      const found = allQuestions(definition).find((p) => p.question.code === code)?.question;
      if (!found) throw new Error(`no question "${code}"`);
      return found;
    };
    expect(q('engaged').type).toBe('engagement');
    const groups = q('engaged_groups');
    expect(groups.type === 'matrix' && groups.scale).toBe('engagement');
    expect(groups.type === 'matrix' && groups.items.map((i) => i.code)).toEqual(['senior_exec', 'heads', 'councillors', 'frontline']);
    const strategy = q('strategy');
    expect(strategy.type === 'single' && strategy.options.map((o) => o.code)).toEqual(['yes', 'no', 'dont_know']);
    expect(q('strategy_achievable').showIf).toEqual({ question: 'strategy', anyOf: ['yes'] });
    expect(q('leadership').type).toBe('matrix');
    expect(q('impact').type).toBe('single');
    const barriers = q('barriers');
    expect(barriers.type).toBe('multiple');
    if (barriers.type === 'multiple') {
      expect(barriers.options.filter((o) => !o.exclusive).map((o) => o.code)).toEqual([
        'culture',
        'legacy',
        'skills',
        'budget',
        'initial_cost',
        'security',
        'resistance',
        'priorities',
        'guidance',
        'suppliers',
      ]);
      expect(barriers.options.filter((o) => o.exclusive).map((o) => o.code)).toEqual(['none']);
      expect(barriers.other?.code).toBe('other');
    }
    const confidence = q('confidence');
    expect(confidence.type === 'single' && confidence.options.map((o) => o.code)).toEqual(expect.arrayContaining(['very', 'fairly', 'neutral', 'not_very', 'not_at_all']));
    expect(q('missing_opps').type).toBe('agree');
    const automation = q('automation');
    expect(automation.type === 'single' && automation.options.map((o) => o.code)).toEqual(['implemented', 'strategy', 'investigating', 'not_considered', 'dont_know']);
    expect(q('automation_use').type).toBe('multiple');
    const capability = q('capability');
    expect(capability.type === 'matrix' && capability.items.map((i) => i.code)).toEqual(expect.arrayContaining(['skills_org', 'funding_org']));
    const culture = q('culture');
    expect(culture.type === 'matrix' && culture.items.map((i) => i.code)).toContain('asked_opinion');
    for (const code of ['one_change', 'holds_back']) {
      const text = q(code);
      expect(text.type).toBe('text');
      expect(text.required).toBe(false);
      expect(text.type === 'text' && text.maxLength).toBe(1000);
    }
  });

  it('requires every closed question except the optional ones it names', () => {
    const optional = allQuestions(definition)
      .filter((p) => !p.question.required)
      .map((p) => p.question.code);
    expect(optional.sort()).toEqual(['engaged_groups', 'holds_back', 'one_change', 'years_lg']);
  });

  it('has the engagement index and the six maturity dimensions, each with two or more items', () => {
    const engagement = definition.indices.filter((i) => i.kind === 'engagement');
    expect(engagement.map((i) => [i.code, i.items.map((x) => x.question)])).toEqual([['engagement', ['engaged']]]);
    const maturity = definition.indices.filter((i) => i.kind === 'maturity');
    expect(maturity.map((i) => i.code)).toEqual(['strategy_leadership', 'culture_engagement', 'skills_capability', 'technology_data', 'services_automation', 'security_trust']);
    for (const index of maturity) expect(index.items.length, index.code).toBeGreaterThanOrEqual(2);
    // Maturity items are asked of everyone, so leaders' and frontline scores are comparable.
    const everyone = new Set(
      allQuestions(definition)
        .filter((p) => !p.question.audiences && !p.section.audiences)
        .map((p) => p.question.code),
    );
    for (const index of maturity) for (const item of index.items) expect(everyone.has(item.question), item.question).toBe(true);
    // Don't know is never scored.
    for (const index of definition.indices) for (const item of index.items) expect(Object.keys(item.scores ?? {})).not.toContain('dont_know');
  });

  it('references published findings by their exact statements, each at most once', () => {
    const findings = loadPublishedFindings();
    const references = allQuestions(definition).flatMap((p) => p.question.references ?? []);
    for (const reference of references) expect(findFinding(findings, reference.study, reference.statement)).toBeDefined();
    // Each finding once per basis: a role's own answer, and everyone's rating of that role (the engagement grid).
    const keys = references.map((r) => `${r.study}: ${r.statement} (${r.basis})`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(references.map((r) => r.study))).toEqual(new Set(['8x8-staff', 'eduserv-leaders', 'igov-2017', 'publictechnology-2024']));
    expect(references.length).toBeGreaterThanOrEqual(30);
  });

  it('declares polarity on every agreement statement, negative where agreeing is unfavourable, and maps every published segment', () => {
    const agreement = allQuestions(definition).flatMap(({ question }) =>
      question.type === 'agree'
        ? [[question.code, question.polarity]]
        : question.type === 'matrix' && question.scale === 'agree'
          ? question.items.map((i) => [`${question.code}.${i.code}`, i.polarity])
          : [],
    );
    expect(agreement.filter(([, polarity]) => polarity === undefined)).toEqual([]);
    expect(agreement.filter(([, polarity]) => polarity === 'negative').map(([code]) => code)).toEqual(['it_focus.cut_costs', 'it_focus.underinvest', 'it_focus.harder_job', 'missing_opps']);
    const segments = new Set(loadPublishedFindings().studies.flatMap((s) => s.findings.flatMap((f) => (f.segment ? [f.segment] : []))));
    expect(new Set(Object.keys(definition.publishedSegments))).toEqual(segments);
    expect(definition.publishedSegments.senior).toEqual({ group: 'leaders' });
    expect(definition.publishedSegments.procurement).toEqual({ roleGroup: 'procurement' });
    expect(definition.publishedSegments['elected member']).toEqual({ roleGroup: 'elected_member' });
  });

  it('has every respondent-facing string in English and Welsh', () => {
    // The validator already reports any missing translation; this checks the Welsh is not a copy of the English.
    const copies: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${path}[${i}]`));
      if (value === null || typeof value !== 'object') return;
      const record = value as Loose;
      if (typeof record.en === 'string' && typeof record.cy === 'string') {
        if (record.en === record.cy && record.en !== 'Staff') copies.push(path);
        return;
      }
      for (const [key, entry] of Object.entries(record)) walk(entry, `${path}.${key}`);
    };
    walk(definition, '');
    expect(copies).toEqual([]);
  });
});

describe('malformed definitions: each problem names the path and what is wrong', () => {
  it('unknown question type', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[0].type = 'slider';
    });
    expectProblem(problems, 'sections[1].questions[0].type', /^is not a question type Sounding knows. Use one of single, multiple, agree, engagement, number, text, matrix.$/);
  });

  it('duplicate question code within a section', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[2].code = 'strategy';
    });
    expectProblem(
      problems,
      'sections[1].questions[2].code',
      /^the code "strategy" is also used by question “Does your organisation have a digital strategy\?” \(strategy\) in section “Your views” \(views\). Give each question its own code.$/,
    );
  });

  it('duplicate question code across sections', () => {
    const problems = problemsAfter((d) => {
      d.sections[0].questions.push({ code: 'comments', type: 'text', text: 'Comments', required: false });
    });
    expectProblem(problems, 'sections[1].questions[6].code', /^the code "comments" is also used by question “Comments” \(comments\) in section “About you” \(about\)/);
  });

  it('duplicate section code', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].code = 'about';
    });
    expectProblem(problems, 'sections[1].code', /^the code "about" is also used by section “About you” \(about\). Give each section its own code.$/);
  });

  it('duplicate option code', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[0].options[1].code = 'yes';
    });
    expectProblem(problems, 'sections[1].questions[0].options[1].code', /^the code "yes" is also used by option “Yes” \(yes\). Give each option its own code.$/);
  });

  it('duplicate option value', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[0].options[0].value = 2;
    });
    expectProblem(problems, 'sections[1].questions[0].options', /^two options have the same value. Give each option its own value/);
  });

  it('"other" code that is already an option code', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[4].other.code = 'budget';
    });
    expectProblem(problems, 'sections[1].questions[4].other.code', /^"budget" is already the code of an option. Give "other" a code of its own.$/);
  });

  it('showIf referring to a later question', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[1].showIf = { question: 'engaged', anyOf: ['very'] };
    });
    expectProblem(
      problems,
      'sections[1].questions[1].showIf.question',
      /^depends on question “How engaged are you with digital plans\?” \(engaged\), which is asked after it. A condition can only use an earlier answer: choose a question asked before this one, or move this one after/,
    );
  });

  it('showIf referring to the question itself', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[1].showIf = { question: 'achievable', anyOf: ['agree'] };
    });
    expectProblem(problems, 'sections[1].questions[1].showIf.question', /^depends on its own answer. A condition can only use an earlier answer/);
  });

  it('showIf referring to an unknown question', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[1].showIf = { question: 'nowhere', anyOf: ['yes'] };
    });
    expectProblem(problems, 'sections[1].questions[1].showIf.question', /^refers to question "nowhere", which is not in the survey. Use the code of one of its questions.$/);
  });

  it('showIf option that does not exist', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[1].showIf = { question: 'strategy', anyOf: ['yes', 'maybe'] };
    });
    expectProblem(
      problems,
      'sections[1].questions[1].showIf.anyOf[1]',
      /^"maybe" is not an answer to question “Does your organisation have a digital strategy\?” \(strategy\). Use one of "yes", "no" or "dont_know".$/,
    );
  });

  it('showIf with both anyOf and noneOf', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[1].showIf = { question: 'strategy', anyOf: ['yes'], noneOf: ['no'] };
    });
    expectProblem(problems, 'sections[1].questions[1].showIf', /^must have either anyOf or noneOf, not both and not neither. Keep anyOf/);
  });

  it('showIf on a free text question', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions.push({ code: 'follow_up', type: 'agree', text: 'Follow up', showIf: { question: 'comments', anyOf: ['yes'] } });
    });
    expectProblem(
      problems,
      'sections[1].questions[7].showIf.question',
      /^question “Anything else\?” \(comments\) is a free text question; a condition can only use a single choice or scale answer. Choose another question.$/,
    );
  });

  it('showIf on a matrix question without an item', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[4].showIf = { question: 'leadership', anyOf: ['agree'] };
    });
    expectProblem(
      problems,
      'sections[1].questions[4].showIf.item',
      /^question “How far do you agree\?” \(leadership\) is a grid of statements, so say which statement: add item, one of "understand" or "invest".$/,
    );
  });

  it('section showIf referring to a question in the same section', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].showIf = { question: 'strategy', anyOf: ['yes'] };
    });
    expectProblem(
      problems,
      'sections[1].showIf.question',
      /^depends on question “Does your organisation have a digital strategy\?” \(strategy\), which is asked in this section or after it. A section's condition can only use an answer from an earlier section/,
    );
  });

  it('matrix with one item', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[3].items = [{ code: 'understand', text: 'Senior managers understand technology' }];
      d.sections[1].questions[3].references = undefined;
      d.indices[1].items = [{ question: 'strategy', scores: { yes: 100, no: 0 } }];
    });
    expectProblem(problems, 'sections[1].questions[3].items', /^has only one statement. Add at least two.$/);
  });

  it('single choice with one option', () => {
    const problems = problemsAfter((d) => {
      d.sections[0].questions[0].options = [{ code: 'frontline', label: 'Frontline' }];
    });
    expectProblem(problems, 'sections[0].questions[0].options', /^has only one option. Add at least two.$/);
  });

  it('number with min equal to max', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[5].min = 60;
    });
    expectProblem(problems, 'sections[1].questions[5].max', /^must be more than min. Make max larger than min, or min smaller.$/);
  });

  it('number with min greater than max', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[5].min = 61;
    });
    expectProblem(problems, 'sections[1].questions[5].max', /^must be more than min. Make max larger than min, or min smaller.$/);
  });

  it('missing required field at the top level', () => {
    const problems = problemsAfter((d) => {
      delete d.title;
    });
    expectProblem(problems, 'title', /^is missing. Add the title.$/);
  });

  it('missing required field in a question', () => {
    const problems = problemsAfter((d) => {
      delete d.sections[1].questions[5].max;
    });
    expectProblem(problems, 'sections[1].questions[5].max', /^is missing. Add the largest answer allowed, a number.$/);
  });

  it('missing respondent-facing text (a string or an {en, cy} object)', () => {
    const problems = problemsAfter((d) => {
      delete d.sections[1].questions[2].text;
      delete d.sections[1].questions[4].options[0].label;
    });
    expectProblem(problems, 'sections[1].questions[2].text', /^is missing. Add the wording of the question.$/);
    expectProblem(problems, 'sections[1].questions[4].options[0].label', /^is missing. Add the label respondents see.$/);
  });

  it('a field of the wrong type is not reported as missing', () => {
    const problems = problemsAfter((d) => {
      d.version = 'one';
    });
    expectProblem(problems, 'version', /^must be a number. Write a number, such as 10.$/);
    expect(problems.find((p) => p.path === 'version')?.message).not.toMatch(/missing/);
  });

  it('unknown field', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[0].colour = 'red';
    });
    expectProblem(problems, 'sections[1].questions[0]', /^has an unknown field "colour". Remove it, or correct the spelling.$/);
  });

  it('several unknown fields on one object', () => {
    const problems = problemsAfter((d) => {
      d.owner = 'me';
      d.theme = 'dark';
    });
    expectProblem(problems, '', /^has unknown fields "owner", "theme". Remove them, or correct the spelling.$/);
  });

  it('invalid code format', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[0].options[2].code = 'Dont-Know';
    });
    expectProblem(problems, 'sections[1].questions[0].options[2].code', /^must start with a lower-case letter and use only a-z, 0-9 and _. Change it, for example to "dont_know".$/);
  });

  it('code longer than 20 characters', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[6].code = 'comments_about_anything_else';
    });
    expectProblem(problems, 'sections[1].questions[6].code', /^must be at most 20 characters. Shorten it.$/);
  });

  it('empty text', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[2].text = '   ';
    });
    expect(problems.map((p) => p.path)).toContain('sections[1].questions[2].text');
  });

  it('languages without English', () => {
    const problems = problemsAfter((d) => {
      d.languages = ['cy'];
    });
    expectProblem(problems, 'languages', /must include "en"/);
  });

  it('reference to an unknown study', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[0].references[0].study = 'no-such-study';
    });
    expectProblem(
      problems,
      'sections[1].questions[0].references[0]',
      /^there is no study "no-such-study". Use one of "8x8-staff", "eduserv-leaders", "igov-2017" or "publictechnology-2024".$/,
    );
  });

  it('reference to an unknown statement', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[0].references[0].statement = 'aware that a digital strategy exists';
    });
    expectProblem(problems, 'sections[1].questions[0].references[0]', /^study "8x8-staff" has no finding "aware that a digital strategy exists". Copy the statement exactly/);
  });

  it('reference counts with a code that is not an option', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[0].references[0].counts = ['yes', 'agree'];
    });
    expectProblem(
      problems,
      'sections[1].questions[0].references[0].counts[1]',
      /^"agree" is not an answer to question “Does your organisation have a digital strategy\?” \(strategy\). Use one of/,
    );
  });

  it('reference on a matrix question without an item', () => {
    const problems = problemsAfter((d) => {
      delete d.sections[1].questions[3].references[0].item;
    });
    expectProblem(
      problems,
      'sections[1].questions[3].references[0].item',
      /^question “How far do you agree\?” \(leadership\) is a grid of statements, so say which statement: add item, one of "understand" or "invest".$/,
    );
  });

  it('reference to an unknown matrix item', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[3].references[0].item = 'inspire';
    });
    expectProblem(
      problems,
      'sections[1].questions[3].references[0].item',
      /^question “How far do you agree\?” \(leadership\) has no statement "inspire". Use one of "understand" or "invest".$/,
    );
  });

  it('index item on a non-scale question without scores', () => {
    const problems = problemsAfter((d) => {
      delete d.indices[1].items[0].scores;
    });
    expectProblem(
      problems,
      'indices[1].items[0].scores',
      /^question “Does your organisation have a digital strategy\?” \(strategy\) is not a scale question, so its answers need scores. Add scores/,
    );
  });

  it('index scores for an option that does not exist', () => {
    const problems = problemsAfter((d) => {
      d.indices[1].items[0].scores = { yes: 100, perhaps: 50 };
    });
    expectProblem(problems, 'indices[1].items[0].scores[1]', /^"perhaps" is not an answer to question “Does your organisation have a digital strategy\?” \(strategy\)/);
  });

  it('index score above 100', () => {
    const problems = problemsAfter((d) => {
      d.indices[1].items[0].scores = { yes: 150, no: 0 };
    });
    expectProblem(problems, 'indices[1].items[0].scores.yes', /100/);
  });

  it('index item on an unknown question', () => {
    const problems = problemsAfter((d) => {
      d.indices[1].items.push({ question: 'morale' });
    });
    expectProblem(problems, 'indices[1].items[2].question', /^refers to question "morale", which is not in the survey/);
  });

  it('contradictory polarity: an index reverses a statement declared favourable', () => {
    const problems = problemsAfter((d) => {
      d.indices[1].items[1].reverse = true;
    });
    expectProblem(problems, 'indices[1].items[1].reverse', /^contradictory polarity: "leadership.understand" has polarity "positive" \(agreeing is favourable\) but the index reverses it/);
  });

  it('a negative statement the index does not reverse', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[3].items[0].polarity = 'negative';
    });
    expectProblem(problems, 'indices[1].items[1].reverse', /"leadership.understand" has polarity "negative" \(agreeing is unfavourable\), so the index must reverse it/);
  });

  it('polarity on an engagement item, or not one of positive and negative', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions.push({
        code: 'groups',
        type: 'matrix',
        scale: 'engagement',
        text: 'How engaged is each group?',
        items: [
          { code: 'a', text: 'A', polarity: 'negative' },
          { code: 'b', text: 'B' },
        ],
      });
    });
    expectProblem(problems, 'sections[1].questions[7].items[0].polarity', /polarity applies only to agreement statements/);
    const unknown = problemsAfter((d) => {
      d.sections[1].questions[1].polarity = 'unfavourable';
    });
    expectProblem(unknown, 'sections[1].questions[1].polarity', /must be one of "positive", "negative"/);
  });

  it('a published finding about a population the survey does not have', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[3].references.push({
        study: '8x8-staff',
        statement: 'there is sufficient investment in new technology (private sector comparison)',
        item: 'invest',
        counts: ['agree'],
      });
    });
    expectProblem(problems, 'sections[1].questions[3].references[1]', /is about private sector staff, a population this survey does not ask/);
  });

  it('a published finding about a group the definition does not map, or maps to a group not asked', () => {
    const unmapped = problemsAfter((d) => {
      d.sections[1].questions[0].references.push({ study: '8x8-staff', statement: 'the organisation has a digital strategy (senior staff)', counts: ['yes'] });
    });
    expectProblem(unmapped, 'sections[1].questions[0].references[1]', /describes "senior", which publishedSegments does not map to a group of this survey/);
    const notAsked = problemsAfter((d) => {
      d.publishedSegments = { senior: { group: 'leaders' } };
      d.sections[1].questions[0].audiences = ['staff'];
      d.sections[1].questions[0].references.push({ study: '8x8-staff', statement: 'the organisation has a digital strategy (senior staff)', counts: ['yes'] });
    });
    expectProblem(notAsked, 'sections[1].questions[0].references[1]', /describes "senior", but "strategy" is not asked of that group/);
    const byAnswer = problemsAfter((d) => {
      d.publishedSegments = { 'not confident': { question: 'strategy', anyOf: ['no'] } };
      d.sections[1].questions[5].references = [{ study: 'igov-2017', statement: 'lack of budget (among those not confident)', counts: ['budget'] }];
    });
    expectProblem(byAnswer, 'sections[1].questions[5].references[0]', /a group defined by an answer to "strategy"; comparisons within such a group are not made/);
  });

  it('a published segment mapped to a role group or answer that does not exist', () => {
    const problems = problemsAfter((d) => {
      d.publishedSegments = { procurement: { roleGroup: 'buyers' }, 'not confident': { question: 'strategy', anyOf: ['never'] } };
    });
    expectProblem(problems, 'publishedSegments.procurement[0]', /^"buyers" is not a role group \(an option of the role question\). Use one of "senior" or "frontline".$/);
    expectProblem(problems, 'publishedSegments.not confident.anyOf[0]', /^"never" is not an answer to question “Does your organisation have a digital strategy\?” \(strategy\)/);
  });

  it('engagement index on an agree question', () => {
    const problems = problemsAfter((d) => {
      d.indices[0].items = [{ question: 'achievable' }];
    });
    expectProblem(problems, 'indices[0].items[0].question', /an engagement index can only use engagement scale questions/);
  });

  it('role group question not single choice', () => {
    const problems = problemsAfter((d) => {
      d.sections[0].questions[0].type = 'multiple';
    });
    expectProblem(problems, 'segments.roleGroup', /^question “What is your role\?” \(role\) is not a single choice question. Make the role question a single choice \(type: single\).$/);
  });

  it('role group question that does not exist', () => {
    const problems = problemsAfter((d) => {
      d.segments.roleGroup = 'job';
    });
    expectProblem(problems, 'segments.roleGroup', /^refers to question "job", which is not in the survey. Name the role question's code, or leave out roleGroup/);
  });

  it('role group question not in the first section', () => {
    const problems = problemsAfter((d) => {
      d.sections[0].questions.push({ code: 'team_size', type: 'number', text: 'Team size', min: 0, max: 100 });
      d.sections[1].questions.unshift(d.sections[0].questions.shift());
    });
    expectProblem(
      problems,
      'segments.roleGroup',
      /^question “What is your role\?” \(role\) must be asked in the first section, as the questions after it depend on the role. Move it to the first section.$/,
    );
  });

  it('role group question that is optional', () => {
    const problems = problemsAfter((d) => {
      d.sections[0].questions[0].required = false;
    });
    expectProblem(problems, 'sections[0].questions[0].required', /^the role group question must be answered by everyone. Set required: true.$/);
  });

  it('role group not in any audience', () => {
    const problems = problemsAfter((d) => {
      d.sections[0].questions[0].options.push({ code: 'manager', label: 'Manager' });
    });
    expectProblem(problems, 'audiences', /^role group "manager" is not in any audience, so those respondents would see only the questions asked of everyone. Add it to an audience.$/);
  });

  it('role group in two audiences', () => {
    const problems = problemsAfter((d) => {
      d.audiences[1].roleGroups.push('frontline');
    });
    expectProblem(problems, 'audiences[1].roleGroups', /^role group "frontline" is already in audience "staff". Put each role group in one audience only.$/);
  });

  it('audience referring to an unknown role group', () => {
    const problems = problemsAfter((d) => {
      d.audiences[0].roleGroups.push('cleaner');
    });
    expectProblem(problems, 'audiences[0].roleGroups[1]', /^"cleaner" is not a role group \(an option of the role question\). Use one of "senior" or "frontline".$/);
  });

  it('question or section audience that does not exist', () => {
    const problems = problemsAfter((d) => {
      d.sections[1].questions[2].audiences = ['staff', 'members'];
      d.sections[1].audiences = ['everyone'];
    });
    expectProblem(problems, 'sections[1].questions[2].audiences[1]', /^"members" is not an audience. Use one of "staff" or "leaders".$/);
    expectProblem(problems, 'sections[1].audiences[0]', /"everyone" is not an audience/);
  });

  it('perception gap naming an unknown role group', () => {
    const problems = problemsAfter((d) => {
      d.perceptionGap.leaders = ['senior', 'director'];
    });
    expectProblem(problems, 'perceptionGap.leaders[1]', /^"director" is not a role group/);
  });

  it('missing Welsh translation when languages includes cy, listing each missing string', () => {
    const problems = problemsAfter((d) => {
      d.languages = ['en', 'cy'];
      addWelsh(d);
      d.title = 'Mini survey';
      delete d.sections[1].questions[0].options[2].label.cy;
      d.sections[1].questions[3].items[1].text = { en: 'Senior managers invest enough' };
      delete d.sections[1].questions[4].other.label.cy;
      delete d.indices[0].label.cy;
    });
    expect(bare(problems)).toEqual([
      { path: 'title', message: 'has no Welsh (cy) text. Add it.' },
      { path: 'indices[0].label', message: 'has no Welsh (cy) text. Add it.' },
      { path: 'sections[1].questions[0].options[2].label', message: 'has no Welsh (cy) text. Add it.' },
      { path: 'sections[1].questions[3].items[1].text', message: 'has no Welsh (cy) text. Add it.' },
      { path: 'sections[1].questions[4].other.label', message: 'has no Welsh (cy) text. Add it.' },
    ]);
  });

  it('an English-only definition needs no Welsh', () => {
    const definition = minimalDefinition();
    definition.languages = ['en'];
    expect(validateDefinition(definition).ok).toBe(true);
  });
});

describe('every problem is reported at once', () => {
  it('reports all schema problems together', () => {
    const problems = problemsAfter((d) => {
      delete d.title;
      d.estimatedMinutes = 0;
      d.sections[1].questions[0].type = 'slider';
      d.sections[1].questions[3].items.pop();
      d.sections[1].questions[4].options[1].code = 'culture';
      d.sections[1].questions[6].colour = 'blue';
    });
    expectProblem(problems, 'title', /^is missing/);
    expectProblem(problems, 'estimatedMinutes', /^must be 1 or more/);
    expectProblem(problems, 'sections[1].questions[0].type', /^is not a question type/);
    expectProblem(problems, 'sections[1].questions[3].items', /^has only one statement/);
    expectProblem(problems, 'sections[1].questions[4].options[1].code', /^the code "culture" is also used by option/);
    expectProblem(problems, 'sections[1].questions[6]', /^has an unknown field "colour"/);
    expect(problems).toHaveLength(6);
  });

  it('reports all cross-checks together', () => {
    const problems = problemsAfter((d) => {
      d.audiences[0].roleGroups.push('cleaner');
      d.sections[1].questions[1].showIf = { question: 'engaged', anyOf: ['very'] };
      d.sections[1].questions[0].references[0].study = 'no-such-study';
      d.indices[0].items = [{ question: 'achievable' }];
      delete d.indices[1].items[0].scores;
    });
    expect(problems.map((p) => p.path).sort()).toEqual(
      ['audiences[0].roleGroups[1]', 'sections[1].questions[1].showIf.question', 'sections[1].questions[0].references[0]', 'indices[0].items[0].question', 'indices[1].items[0].scores'].sort(),
    );
  });

  it('reports the checks across the definition in the same pass as the schema’s, not once the schema’s are fixed', () => {
    const problems = problemsAfter((d) => {
      // Schema problems: a question without its wording, an option without a label, a section without a title.
      delete d.sections[1].questions[1].text;
      delete d.sections[1].questions[0].options[0].label;
      delete d.sections[1].title;
      // In the same questions and sections: a condition on a later question, a duplicate code, an unknown audience, a missing finding.
      d.sections[1].questions[1].showIf = { question: 'engaged', anyOf: ['very'] };
      d.sections[1].questions[5].code = 'strategy';
      d.sections[1].audiences = ['everyone'];
      d.sections[1].questions[0].references[0].statement = 'no such finding';
    });
    expect(bare(problems).map(({ path, message }) => `${path}: ${message.split('.')[0]}`)).toEqual([
      'sections[1].title: is missing',
      'sections[1].questions[0].options[0].label: is missing',
      'sections[1].questions[1].text: is missing',
      'sections[1].questions[5].code: the code "strategy" is also used by question “Does your organisation have a digital strategy?” (strategy) in section (views)',
      'sections[1].audiences[0]: "everyone" is not an audience',
      'sections[1].questions[0].references[0]: study "8x8-staff" has no finding "no such finding"',
      'sections[1].questions[1].showIf.question: depends on question “How engaged are you with digital plans?” (engaged), which is asked after it',
    ]);
  });

  it('keeps each problem at its own place when entries before it could not be read', () => {
    const problems = problemsAfter((d) => {
      // The first two questions of the section cannot be read at all (an unknown type, options that are not a list) ...
      d.sections[1].questions[0].type = 'slider';
      d.sections[1].questions[1].type = 'single';
      d.sections[1].questions[1].options = 'yes, no';
      // ... so the fourth is the second that can: its problem is still reported at [3], not [1].
      d.sections[1].questions[3].references[0].item = 'inspire';
    });
    expectProblem(problems, 'sections[1].questions[3].references[0].item', /has no statement "inspire"/);
  });

  it('reports nothing about references to a question that could not be read: its own problem is the one to fix', () => {
    const problems = problemsAfter((d) => {
      // strategy is the condition of achievable, a published reference and an index item.
      d.sections[1].questions[0].options = 'yes, no';
    });
    expect(bare(problems)).toEqual([{ path: 'sections[1].questions[0].options', message: 'must be a list. Write each entry on a line of its own starting "- ".' }]);
  });

  it('ends every problem with what to do', () => {
    const problems = problemsAfter((d) => {
      delete d.code;
      d.version = 0;
      d.languages = ['cy', 'fr'];
      d.colour = 'red';
      d.sections[0].questions[0].required = false;
      d.sections[1].questions[0].options[2].code = 'Dont Know';
      d.sections[1].questions[1].showIf = { question: 'strategy', anyOf: ['maybe'], noneOf: ['no'] };
      d.sections[1].questions[2].showIf = { question: 'comments', anyOf: ['yes'] };
      d.sections[1].questions[3].items.push({ code: 'understand', text: 'Again' });
      d.sections[1].questions[5].min = 100;
      d.sections[1].questions[6].type = 'essay';
      d.audiences[1].roleGroups.push('frontline');
      d.indices[0].items[0].question = 'morale';
    });
    expect(problems.length).toBeGreaterThanOrEqual(12);
    for (const problem of problems) {
      // What is wrong, then at least one sentence saying what to do.
      expect(problem.message, problem.path).toMatch(/^[^A-Z].*[.:;] [A-Z][^.]*(\.|: .*\.)$/);
    }
  });
});

describe('segments and audiences are optional', () => {
  const withoutRole = (d: Loose) => {
    delete d.segments;
    delete d.audiences;
    delete d.perceptionGap;
    delete d.sections[1].questions[0].references;
    d.sections[1].questions[3].references = undefined;
  };

  it('a survey without a role question or audiences validates, with no segments and no audiences', () => {
    const definition = minimalDefinition();
    withoutRole(definition);
    definition.sections[0].questions[0].code = 'team';
    const result = validateDefinition(definition);
    if (!result.ok) throw new Error(result.problems.map(describeProblem).join('\n'));
    expect(result.definition.segments).toEqual({});
    expect(result.definition.audiences).toEqual([]);
  });

  it('a role question without audiences validates: everyone is asked everything', () => {
    const definition = minimalDefinition();
    delete definition.audiences;
    expect(validateDefinition(definition).ok).toBe(true);
  });

  it('audiences, role groups of a perception gap or a published segment need a role question, and say so', () => {
    const problems = problemsAfter((d) => {
      delete d.segments;
    });
    expect(bare(problems)).toEqual(
      expect.arrayContaining([
        {
          path: 'audiences',
          message: 'audiences are made of role groups, but the survey has no role group question. Name one in segments (roleGroup: its code), or remove the audiences.',
        },
        {
          path: 'perceptionGap.leaders',
          message: 'refers to role groups, but the survey has no role group question. Name one in segments (roleGroup: its code), or remove this.',
        },
      ]),
    );
  });
});

describe('problems in YAML text carry the line they are on', () => {
  it('invalid YAML gives the line of the error', () => {
    const text = ['code: mini', 'version: 1', 'title: Mini survey', 'estimatedMinutes: [2', 'segments: {roleGroup: role}'].join('\n');
    const result = validateDefinitionText(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]?.path).toBe('');
    expect(result.problems[0]?.message).toMatch(/^the file is not valid YAML or JSON: /);
    expect(result.problems.map((p) => p.line)).toContain(5);
  });

  it('a repeated key is invalid YAML, reported on its line', () => {
    const text = ['code: mini', 'version: 1', 'title: Mini survey', 'version: 2'].join('\n');
    const result = validateDefinitionText(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ path: '', line: 4 });
    expect(result.problems[0]?.message).toMatch(/not valid YAML.*unique/i);
  });

  it('a bad tab indentation is reported on its line', () => {
    const text = ['code: mini', 'version: 1', 'sections:', '\t- code: about'].join('\n');
    const result = validateDefinitionText(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]?.line).toBe(4);
  });

  it("a problem's line points at the offending value in a hand-written file", () => {
    const text = `code: tiny
version: 1
title: Tiny survey
estimatedMinutes: 2
segments: {roleGroup: role}
audiences:
  - {code: everyone, label: Everyone, roleGroups: [staff, leader]}
sections:
  - code: about
    title: About you
    questions:
      - code: role
        type: single
        text: What is your role?
        options:
          - {code: staff, label: Staff}
          - {code: leader, label: Leader}
      - code: engaged
        type: slider
        text: How engaged are you?
      - code: years
        type: number
        text: Years
        min: 10
        max: 5
`;
    const result = validateDefinitionText(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(bare(result.problems)).toContainEqual({ path: 'sections[0].questions[1].type', line: 19, message: expect.stringMatching(/^is not a question type/) as string });
    expect(bare(result.problems)).toContainEqual({ path: 'sections[0].questions[2].max', line: 25, message: expect.stringMatching(/^must be more than min/) as string });
  });

  it('lines are right in a generated file, for a value, an unknown field and a missing field', () => {
    const definition = minimalDefinition();
    definition.sections[1].questions[4].options[1].code = 'Budget';
    definition.sections[1].questions[2].colour = 'red';
    delete definition.sections[1].questions[6].text;
    const text = stringify(definition);
    const result = validateDefinitionText(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const lineOf = (path: string) => result.problems.find((p) => p.path === path)?.line;
    expect(lineOf('sections[1].questions[4].options[1].code')).toBe(lineContaining(text, 'code: Budget'));
    // An unknown field is reported at the object that has it, a missing one at the object that lacks it.
    expect(lineOf('sections[1].questions[2]')).toBe(lineContaining(text, 'code: engaged'));
    expect(lineOf('sections[1].questions[6].text')).toBe(lineContaining(text, 'code: comments'));
    expect(result.problems.find((p) => p.path === 'sections[1].questions[6].text')?.message).toBe('is missing. Add the wording of the question.');
  });

  it('cross-check problems carry lines too', () => {
    const definition = minimalDefinition();
    definition.sections[1].questions[0].references[0].counts = ['maybe'];
    const text = stringify(definition);
    const result = validateDefinitionText(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(bare(result.problems)).toEqual([
      {
        path: 'sections[1].questions[0].references[0].counts[0]',
        line: lineContaining(text, '- maybe'),
        message: '"maybe" is not an answer to question “Does your organisation have a digital strategy?” (strategy). Use one of "yes", "no" or "dont_know".',
      },
    ]);
  });

  it('JSON text gets lines as well', () => {
    const definition = minimalDefinition();
    definition.sections[1].questions[5].type = 'slider';
    const text = JSON.stringify(definition, null, 2);
    const result = validateDefinitionText(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(bare(result.problems)).toEqual([
      { path: 'sections[1].questions[5].type', line: lineContaining(text, '"slider"'), message: expect.stringMatching(/^is not a question type/) as string },
    ]);
  });
});

describe('question types read answers from a form body', () => {
  const single = ZSingleQuestion.parse({
    code: 'strategy',
    type: 'single',
    text: 'Strategy?',
    options: [
      { code: 'yes', label: 'Yes' },
      { code: 'no', label: 'No' },
    ],
  });

  describe('single choice', () => {
    it('reads a chosen option', () => {
      expect(singleType.read(single, { strategy: 'no' })).toEqual({ kind: 'answer', value: 'no' });
    });
    it('takes the first value when a field is repeated', () => {
      expect(singleType.read(single, { strategy: ['yes', 'no'] })).toEqual({ kind: 'answer', value: 'yes' });
    });
    it('is empty when nothing is chosen (the caller decides whether that is allowed)', () => {
      expect(singleType.read(single, {})).toEqual({ kind: 'empty' });
      expect(singleType.read(single, { strategy: '' })).toEqual({ kind: 'empty' });
      expect(singleType.read(single, { strategy: [] })).toEqual({ kind: 'empty' });
    });
    it('refuses an option that does not exist: invalid_option', () => {
      expect(singleType.read(single, { strategy: 'maybe' })).toEqual({
        kind: 'error',
        error: { field: 'strategy', code: 'invalid_option' },
      });
    });
  });

  describe('agree and engagement scales', () => {
    const agree = ZAgreeQuestion.parse({ code: 'opps', type: 'agree', text: 'Missing opportunities' });
    const agreeNoDontKnow = ZAgreeQuestion.parse({ code: 'opps', type: 'agree', text: 'Missing opportunities', dontKnow: false });
    const engagement = ZEngagementQuestion.parse({ code: 'engaged', type: 'engagement', text: 'Engaged?' });

    it("reads each point of the agree scale, and don't know when offered", () => {
      for (const code of ['strongly_agree', 'agree', 'neither', 'disagree', 'strongly_disagree', 'dont_know']) {
        expect(agreeType.read(agree, { opps: code })).toEqual({ kind: 'answer', value: code });
      }
    });
    it("refuses don't know when it is not offered: invalid_option", () => {
      expect(agreeType.read(agreeNoDontKnow, { opps: 'dont_know' })).toEqual({
        kind: 'error',
        error: { field: 'opps', code: 'invalid_option' },
      });
    });
    it('reads each point of the engagement scale and refuses others', () => {
      for (const code of ['very', 'quite', 'not_very', 'not_at_all']) {
        expect(engagementType.read(engagement, { engaged: code })).toEqual({ kind: 'answer', value: code });
      }
      expect(engagementType.read(engagement, { engaged: 'agree' })).toEqual({
        kind: 'error',
        error: { field: 'engaged', code: 'invalid_option' },
      });
      expect(engagementType.read(engagement, {})).toEqual({ kind: 'empty' });
    });
  });

  describe('multiple choice', () => {
    const multiple = ZMultipleQuestion.parse({
      code: 'barriers',
      type: 'multiple',
      text: 'Barriers',
      options: [
        { code: 'culture', label: 'Culture' },
        { code: 'budget', label: 'Budget' },
        { code: 'none', label: 'None of these', exclusive: true },
      ],
      other: { label: 'Something else' },
    });

    it('reads one option sent as a string', () => {
      expect(multipleType.read(multiple, { barriers: 'budget' })).toEqual({ kind: 'answer', value: { selected: ['budget'] } });
    });
    it('keeps the definition order and drops repeats', () => {
      expect(multipleType.read(multiple, { barriers: ['budget', 'culture', 'budget'] })).toEqual({
        kind: 'answer',
        value: { selected: ['culture', 'budget'] },
      });
    });
    it('reads an exclusive option on its own', () => {
      expect(multipleType.read(multiple, { barriers: ['none'] })).toEqual({ kind: 'answer', value: { selected: ['none'] } });
    });
    it('reads "other" with its text, trimmed', () => {
      expect(multipleType.read(multiple, { barriers: ['culture', 'other'], barriers_other: '  Old printers  ' })).toEqual({
        kind: 'answer',
        value: { selected: ['culture', 'other'], other: 'Old printers' },
      });
    });
    it('ignores "other" text when "other" is not chosen', () => {
      expect(multipleType.read(multiple, { barriers: 'culture', barriers_other: 'stray' })).toEqual({
        kind: 'answer',
        value: { selected: ['culture'] },
      });
    });
    it('is empty when nothing is chosen', () => {
      expect(multipleType.read(multiple, {})).toEqual({ kind: 'empty' });
      expect(multipleType.read(multiple, { barriers: ['', ''] })).toEqual({ kind: 'empty' });
    });
    it('refuses an unknown option: invalid_option', () => {
      expect(multipleType.read(multiple, { barriers: ['culture', 'weather'] })).toEqual({
        kind: 'error',
        error: { field: 'barriers', code: 'invalid_option' },
      });
    });
    it('refuses an exclusive option combined with another: exclusive_combined', () => {
      expect(multipleType.read(multiple, { barriers: ['none', 'budget'] })).toEqual({
        kind: 'error',
        error: { field: 'barriers', code: 'exclusive_combined' },
      });
    });
    it('refuses "other" without its text: other_missing', () => {
      for (const body of [{ barriers: 'other' }, { barriers: 'other', barriers_other: '   ' }] as FormBody[]) {
        expect(multipleType.read(multiple, body)).toEqual({
          kind: 'error',
          error: { field: 'barriers_other', code: 'other_missing' },
        });
      }
    });
    it('refuses "other" text that is too long: other_too_long', () => {
      expect(multipleType.read(multiple, { barriers: 'other', barriers_other: 'x'.repeat(OTHER_TEXT_MAX) }).kind).toBe('answer');
      expect(multipleType.read(multiple, { barriers: 'other', barriers_other: 'x'.repeat(OTHER_TEXT_MAX + 1) })).toEqual({
        kind: 'error',
        error: { field: 'barriers_other', code: 'other_too_long', params: { max: OTHER_TEXT_MAX } },
      });
    });
  });

  describe('number', () => {
    const years = ZNumberQuestion.parse({ code: 'years', type: 'number', text: 'Years', min: 0, max: 60 });
    const hours = ZNumberQuestion.parse({ code: 'hours', type: 'number', text: 'Hours', min: 0.5, max: 37.5, integer: false });

    it('reads whole numbers, as people type them', () => {
      expect(numberType.read(years, { years: '12' })).toEqual({ kind: 'answer', value: 12 });
      expect(numberType.read(years, { years: ' 0 ' })).toEqual({ kind: 'answer', value: 0 });
      expect(numberType.read(years, { years: '60' })).toEqual({ kind: 'answer', value: 60 });
      expect(numberType.read(years, { years: '1,0' })).toEqual({ kind: 'answer', value: 10 });
    });
    it('reads decimals when they are allowed', () => {
      expect(numberType.read(hours, { hours: '22.5' })).toEqual({ kind: 'answer', value: 22.5 });
    });
    it('is empty when blank', () => {
      expect(numberType.read(years, {})).toEqual({ kind: 'empty' });
      expect(numberType.read(years, { years: '   ' })).toEqual({ kind: 'empty' });
    });
    it('refuses text that is not a number: not_a_number', () => {
      for (const raw of ['twelve', '1e3', '12 years', '0x10', '.5']) {
        expect(numberType.read(years, { years: raw })).toEqual({ kind: 'error', error: { field: 'years', code: 'not_a_number' } });
      }
    });
    it('refuses a fraction for a whole-number question: not_whole_number', () => {
      expect(numberType.read(years, { years: '2.5' })).toEqual({ kind: 'error', error: { field: 'years', code: 'not_whole_number' } });
    });
    it('refuses a number below the minimum: below_min', () => {
      expect(numberType.read(years, { years: '-1' })).toEqual({
        kind: 'error',
        error: { field: 'years', code: 'below_min', params: { min: 0 } },
      });
      expect(numberType.read(hours, { hours: '0.25' })).toEqual({
        kind: 'error',
        error: { field: 'hours', code: 'below_min', params: { min: 0.5 } },
      });
    });
    it('refuses a number above the maximum: above_max', () => {
      expect(numberType.read(years, { years: '61' })).toEqual({
        kind: 'error',
        error: { field: 'years', code: 'above_max', params: { max: 60 } },
      });
    });
  });

  describe('free text', () => {
    const text = ZTextQuestion.parse({ code: 'one_change', type: 'text', text: 'One change', maxLength: 10, required: false });

    it('reads text, trimmed and with Windows line endings made plain', () => {
      expect(textType.read(text, { one_change: '  Wi-Fi  ' })).toEqual({ kind: 'answer', value: 'Wi-Fi' });
      expect(textType.read(text, { one_change: 'ab\r\ncd\r\nef' })).toEqual({ kind: 'answer', value: 'ab\ncd\nef' });
    });
    it('accepts exactly the maximum length', () => {
      expect(textType.read(text, { one_change: 'x'.repeat(10) })).toEqual({ kind: 'answer', value: 'x'.repeat(10) });
    });
    it('is empty when blank or only spaces', () => {
      expect(textType.read(text, {})).toEqual({ kind: 'empty' });
      expect(textType.read(text, { one_change: ' \r\n ' })).toEqual({ kind: 'empty' });
    });
    it('refuses text that is too long: too_long', () => {
      expect(textType.read(text, { one_change: 'x'.repeat(11) })).toEqual({
        kind: 'error',
        error: { field: 'one_change', code: 'too_long', params: { max: 10 } },
      });
    });
    it('defaults to 2,000 characters', () => {
      const plain = ZTextQuestion.parse({ code: 'note', type: 'text', text: 'Note' });
      expect(textType.read(plain, { note: 'x'.repeat(2000) }).kind).toBe('answer');
      expect(textType.read(plain, { note: 'x'.repeat(2001) }).kind).toBe('error');
    });
  });

  describe('matrix', () => {
    const base = {
      code: 'lead',
      type: 'matrix',
      text: 'Leadership',
      items: [
        { code: 'understand', text: 'Understand' },
        { code: 'invest', text: 'Invest' },
      ],
    };
    const agree = ZMatrixQuestion.parse({ ...base, scale: 'agree' });
    const agreeOptional = ZMatrixQuestion.parse({ ...base, scale: 'agree', required: false });
    const agreeNoDontKnow = ZMatrixQuestion.parse({ ...base, scale: 'agree', dontKnow: false });
    const engagement = ZMatrixQuestion.parse({ ...base, scale: 'engagement' });

    it('reads one answer per item from the item fields', () => {
      expect(matrixType.read(agree, { lead__understand: 'agree', lead__invest: 'dont_know' })).toEqual({
        kind: 'answer',
        value: { understand: 'agree', invest: 'dont_know' },
      });
      expect(matrixType.read(engagement, { lead__understand: 'very', lead__invest: 'not_at_all' })).toEqual({
        kind: 'answer',
        value: { understand: 'very', invest: 'not_at_all' },
      });
    });
    it('is empty when no item is answered', () => {
      expect(matrixType.read(agree, {})).toEqual({ kind: 'empty' });
      expect(matrixType.read(agree, { lead__understand: '', lead__invest: '' })).toEqual({ kind: 'empty' });
    });
    it('refuses a required matrix with an item left blank: matrix_incomplete, on the first blank item', () => {
      expect(matrixType.read(agree, { lead__invest: 'agree' })).toEqual({
        kind: 'error',
        error: { field: 'lead__understand', code: 'matrix_incomplete' },
      });
    });
    it('accepts an optional matrix answered in part', () => {
      expect(matrixType.read(agreeOptional, { lead__invest: 'agree' })).toEqual({ kind: 'answer', value: { invest: 'agree' } });
    });
    it('refuses an answer that is not on the scale: invalid_option, on that item', () => {
      expect(matrixType.read(agree, { lead__understand: 'agree', lead__invest: 'very' })).toEqual({
        kind: 'error',
        error: { field: 'lead__invest', code: 'invalid_option' },
      });
      expect(matrixType.read(agreeNoDontKnow, { lead__understand: 'dont_know', lead__invest: 'agree' })).toEqual({
        kind: 'error',
        error: { field: 'lead__understand', code: 'invalid_option' },
      });
      expect(matrixType.read(engagement, { lead__understand: 'very', lead__invest: 'dont_know' })).toEqual({
        kind: 'error',
        error: { field: 'lead__invest', code: 'invalid_option' },
      });
    });
  });
});

describe('published findings', () => {
  it('load and match the schema', () => {
    const findings = loadPublishedFindings();
    expect(findings.studies.map((s) => s.id)).toEqual(['8x8-staff', 'eduserv-leaders', 'igov-2017', 'publictechnology-2024']);
  });

  it.skipIf(!existsSync(SHARED_FINDINGS_PATH))(
    'reference/published-findings.json equals ../shared/reference/published-findings.json (skipped when the shared copy is not beside the repo)',
    () => {
      const ours = JSON.parse(readFileSync(PUBLISHED_FINDINGS_PATH, 'utf8')) as unknown;
      const shared = JSON.parse(readFileSync(SHARED_FINDINGS_PATH, 'utf8')) as unknown;
      expect(ours).toEqual(shared);
    },
  );
});

describe('problems in plain English', () => {
  it('names the section and question by title and code, with the line, and rewords zod’s own messages ("Invalid input: expected number" is "must be a number")', () => {
    const text = [
      'code: pulse',
      'version: 1',
      'title: Pulse',
      'languages: [en]',
      'segments: {roleGroup: role}',
      'audiences:',
      '  - {code: all, label: All, roleGroups: [staff]}',
      'sections:',
      '  - code: about',
      '    title: About you',
      '    questions:',
      '      - {code: role, type: single, required: true, text: Your role, options: [{code: staff, label: Staff}]}',
      '      - code: service',
      '        type: single',
      '        text: Which service area do you work in?',
      '        options: []',
      '      - {code: years, type: number, text: Years in local government, min: "none"}',
    ].join('\n');
    const result = validateDefinitionText(text);
    expect(result.ok).toBe(false);
    const described = result.ok ? [] : result.problems.map(describeProblem);
    expect(described).toEqual([
      'Line 1, estimatedMinutes: is missing. Add the minutes the survey takes, a whole number from 1 to 120.',
      'Line 12, section “About you” (about), question “Your role” (role), options: has only one option. Add at least two.',
      'Line 16, section “About you” (about), question “Which service area do you work in?” (service), options: has no options. Add at least two.',
      'Line 17, section “About you” (about), question “Years in local government” (years), min: must be a number. Write a number, such as 10.',
      'Line 17, section “About you” (about), question “Years in local government” (years), max: is missing. Add the largest answer allowed, a number.',
    ]);
  });
});
