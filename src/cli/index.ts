import { createWriteStream, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Command } from 'commander';
import { z } from 'zod';
import { generateResponses } from '../admin/demo.js';
import { blankWaveForm, changeWaveState, createWave, listSurveysWithResponses, setFreeTextRelease, uploadWorkforceProfile } from '../admin/waves.js';
import { MIN_THRESHOLD } from '../analysis/suppression.js';
import { profileMargins } from '../analysis/weighting.js';
import { readConfig, type TConfig } from '../config.js';
import { prepareStorage } from '../composition.js';
import { describeProblem, type DefinitionProblem } from '../instrument/problems.js';
import { convertDefinitionFile, readDefinitionFile } from '../instrument/xlsform/index.js';
import { EXPORT_FORMAT_NAMES, exportFileName, writeExport, type ExportFormat } from '../reporting/exports/index.js';
import { prepareExport } from '../reporting/exports/service.js';
import { progressReporter } from './progress.js';
import { openStorage, type Storage } from '../storage/db.js';
import { createOrganisation, findSurveyById } from '../storage/surveys.js';
import { commandLineActor } from '../admin/audit.js';
import { addMember } from '../admin/members.js';
import { answerInvitation, closeRound, createRound, HOST_TYPE, inviteToRound, leaveRound, linkWaveToRound, roundFormOfDays, roundParticipation } from '../admin/rounds.js';
import { createPlatformAdmin, ZNewUser } from '../admin/users.js';
import { findUserByEmail, ROLES } from '../storage/users.js';

/** An error meant for the person at the terminal: printed as one line, exit code 1. */
class CliError extends Error {}

const ORGANISATION_TYPES = ['county', 'district', 'unitary', 'metropolitan', 'london_borough', 'other', HOST_TYPE] as const;
const NATIONS = ['England', 'Wales', 'Scotland', 'Northern Ireland'] as const;

/** Parses commander's options with zod; the first problem becomes a one-line error naming the option. */
function parseOptions<T extends z.ZodType>(schema: T, options: unknown, flags: Record<string, string>): z.output<T> {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0] ?? '');
  const flag = flags[key] ?? `--${key}`;
  const given = (options as Record<string, unknown>)[key];
  const shown = given === undefined ? '' : ` (got ${JSON.stringify(given)})`;
  throw new CliError(`Invalid ${flag}: ${issue.message}${shown}`);
}

const nonEmpty = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} must not be empty`);
const integer = (what: string) =>
  z
    .string()
    .regex(/^-?\d+$/, `${what} must be a whole number`)
    .transform((s) => Number(s));

const ZOrgCreate = z.object({
  name: nonEmpty('name'),
  type: z.enum(ORGANISATION_TYPES, { error: `must be one of ${ORGANISATION_TYPES.join(', ')}` }),
  nation: z.enum(NATIONS, { error: `must be one of ${NATIONS.join(', ')}` }),
  region: nonEmpty('region'),
});

const ZSurveyCreate = z.object({
  org: nonEmpty('organisation id'),
  instrument: nonEmpty('instrument file'),
  title: nonEmpty('title'),
  threshold: integer('threshold').pipe(z.number().min(MIN_THRESHOLD, `the suppression threshold must be at least ${MIN_THRESHOLD}, so small groups cannot be identified`)),
  synthetic: z.boolean().default(false),
});

const ZExport = z.object({
  format: z.enum(EXPORT_FORMAT_NAMES as [ExportFormat, ...ExportFormat[]], { error: `must be one of ${EXPORT_FORMAT_NAMES.join(', ')}` }),
  out: z.string().min(1).optional(),
  freeText: z.boolean().default(false),
  bom: z.boolean().default(false),
});

const ZGenerate = z.object({
  responses: integer('responses').pipe(z.number().min(1, 'must be at least 1')),
  seed: integer('seed'),
  batch: integer('batch').pipe(z.number().min(1, 'must be at least 1').max(100_000, 'must be at most 100000')),
});

/**
 * The configuration, read from the environment once, when a command first needs it (so
 * `validate` works whatever the environment holds). This file and web/server.ts are the only
 * readers of the environment; commands get what they need from here.
 */
let config: TConfig | undefined;
const configuration = (): TConfig => (config ??= readConfig());

/** Opens the configured database (DATA_DIR or DATABASE_URL), brings it up to date, and always closes it. */
async function withStorage<T>(work: (storage: Storage) => Promise<T>): Promise<T> {
  const storage = openStorage(configuration().database);
  try {
    await prepareStorage(storage);
    return await work(storage);
  } finally {
    await storage.close();
  }
}

/** Runs a command; a CliError, a service's Refusal (or any other failure) is reported on one line with exit code 1. */
function run<A extends unknown[]>(action: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      // Refusal and CliError are messages for the person at the terminal; anything else is reported the same way, on one line.
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    }
  };
}

function printTable(rows: Record<string, string | number>[], columns: { key: string; label: string; align?: 'right' }[]): void {
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const cells = rows.map((row) => columns.map((c) => String(row[c.key] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.label.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(line(columns.map((c) => c.label)));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of cells) console.log(line(row));
}

async function requireSurvey(storage: Storage, id: string) {
  const survey = await findSurveyById(storage.db, id);
  if (!survey) throw new CliError(`No survey with id ${id}`);
  return survey;
}

const program = new Command('sounding').description('Sounding command-line tool');

/** A definition problem on one line: by line and path in a YAML or JSON file, by sheet, row and column in an XLSForm. */
const problemLine = (p: DefinitionProblem) => `  ${describeProblem(p)}`;

function readInput(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw new CliError(`Cannot read ${file}`);
  }
}

program
  .command('validate')
  .description('validate a survey definition file (YAML, JSON or an XLSForm .xlsx); exit code 0 when valid, 1 with the list of problems')
  .argument('<file>', 'definition file')
  .action(
    run(async (file: string) => {
      const result = await readDefinitionFile(readInput(file), file);
      if (result.ok) {
        console.log(`${file}: valid (${result.definition.code} version ${result.definition.version})`);
        return;
      }
      throw new CliError([`${file}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`, ...result.problems.map(problemLine)].join('\n'));
    }),
  );

program
  .command('convert')
  .description("convert a survey definition between YAML, JSON and XLSForm (.xlsx), by the files' extensions")
  .argument('<in>', 'definition file to read (.yaml, .yml, .json or .xlsx)')
  .argument('<out>', 'file to write (.yaml, .yml, .json or .xlsx)')
  .action(
    run(async (from: string, to: string) => {
      const result = await convertDefinitionFile(readInput(from), from, to);
      if (!result.ok)
        throw new CliError([`Nothing written; ${from} has ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}:`, ...result.problems.map(problemLine)].join('\n'));
      writeFileSync(to, result.bytes);
      console.log(`${to}: written (${result.definition.code} version ${result.definition.version})`);
    }),
  );

const org = program.command('org').description('organisations (councils)');

org
  .command('create')
  .description('add an organisation and print its id')
  .requiredOption('--name <name>', 'organisation name')
  .requiredOption('--type <type>', `one of ${ORGANISATION_TYPES.join(', ')}`)
  .requiredOption('--nation <nation>', `one of ${NATIONS.join(', ')}`)
  .requiredOption('--region <region>', 'region')
  .action(
    run(async (options: unknown) => {
      const organisation = parseOptions(ZOrgCreate, options, {});
      const id = await withStorage((storage) => createOrganisation(storage.db, organisation));
      console.log(id);
    }),
  );

org
  .command('list')
  .description('list organisations')
  .action(
    run(async () => {
      const rows = await withStorage((storage) => storage.db.selectFrom('organisation').select(['id', 'name', 'type', 'nation', 'region']).orderBy('name').execute());
      printTable(rows, [
        { key: 'name', label: 'Name' },
        { key: 'type', label: 'Type' },
        { key: 'nation', label: 'Nation' },
        { key: 'region', label: 'Region' },
        { key: 'id', label: 'Id' },
      ]);
    }),
  );

const survey = program.command('survey').description('survey waves');

survey
  .command('create')
  .description('create a survey wave (draft) for an organisation from a definition file; prints its id and public link')
  .requiredOption('--org <id>', 'organisation id')
  .requiredOption('--instrument <file>', 'instrument definition file (YAML, JSON or an XLSForm .xlsx)')
  .requiredOption('--title <title>', 'survey title')
  .option('--threshold <n>', `suppression threshold: results for groups smaller than this are hidden (at least ${MIN_THRESHOLD})`, '10')
  .option('--synthetic', 'a demonstration or test wave: the only kind `survey generate` may add synthetic answers to')
  .action(
    run(async (options: unknown) => {
      const {
        org: organisationId,
        instrument,
        title,
        threshold,
        synthetic,
      } = parseOptions(ZSurveyCreate, options, {
        org: '--org',
        instrument: '--instrument',
        title: '--title',
        threshold: '--threshold',
      });
      let bytes: Buffer;
      try {
        bytes = readFileSync(instrument);
      } catch {
        throw new CliError(`Cannot read instrument file ${instrument}`);
      }
      const created = await withStorage(async (storage) => {
        const exists = await storage.db.selectFrom('organisation').select('id').where('id', '=', organisationId).executeTakeFirst();
        if (!exists) throw new CliError(`No organisation with id ${organisationId} (see: org list)`);
        const form = { ...blankWaveForm(), title, source: 'upload', threshold: String(threshold) };
        const result = await createWave(storage.db, commandLineActor(), organisationId, form, bytes, { synthetic, fileName: instrument });
        if (!result.ok) {
          const lines = [
            ...result.errors.filter((e) => e.field !== 'definition' || result.definitionProblems.length === 0).map((e) => `  ${e.message}`),
            ...result.definitionProblems.map(problemLine),
          ];
          throw new CliError([`Nothing created; fix these and try again:`, ...lines].join('\n'));
        }
        return (await findSurveyById(storage.db, result.id))!;
      });
      console.log(created.id);
      console.log(`/s/${created.slug}`);
    }),
  );

for (const state of ['open', 'closed'] as const) {
  const verb = state === 'open' ? 'open' : 'close';
  survey
    .command(verb)
    .description(state === 'open' ? 'open a draft survey to responses' : 'close a survey and publish its results (a closed survey never reopens)')
    .argument('<id>', 'survey id')
    .action(
      run(async (id: string) => {
        await withStorage(async (storage) => {
          const found = await requireSurvey(storage, id);
          const result = await changeWaveState(storage.db, commandLineActor(), found.id, state);
          if (!result.ok) throw new CliError(result.message);
          console.log(`${found.title}: ${state}${state === 'closed' ? ', results published' : ''}`);
        });
      }),
    );
}

survey
  .command('list')
  .description('list surveys with their state, number of responses and public link')
  .action(
    run(async () => {
      const rows = await withStorage((storage) => listSurveysWithResponses(storage.db));
      printTable(
        rows.map((r) => ({ ...r, responses: r.responses ?? `fewer than ${r.threshold} or withheld`, link: `/s/${r.slug}` })),
        [
          { key: 'organisation', label: 'Organisation' },
          { key: 'title', label: 'Title' },
          { key: 'state', label: 'State' },
          { key: 'responses', label: 'Responses', align: 'right' },
          { key: 'id', label: 'Id' },
          { key: 'link', label: 'Link' },
        ],
      );
    }),
  );

survey
  .command('generate')
  .description('add synthetic completed responses to an open demonstration wave (one created with --synthetic)')
  .argument('<id>', 'survey id')
  .requiredOption('--responses <n>', 'number of responses')
  .option('--seed <n>', 'random seed', '1')
  .option('--batch <n>', 'responses per transaction (1: each its own, as real submissions; 1000 for large runs)', '1')
  .action(
    run(async (id: string, options: unknown) => {
      const { responses, seed, batch } = parseOptions(ZGenerate, options, { responses: '--responses', seed: '--seed', batch: '--batch' });
      await withStorage(async (storage) => {
        const found = await requireSurvey(storage, id);
        await generateResponses(storage.db, commandLineActor(), found.id, responses, seed, batch);
        console.log(`Added ${responses} synthetic response${responses === 1 ? '' : 's'} to ${found.title}`);
      });
    }),
  );

survey
  .command('export')
  .description(`write an export of a closed survey from its published results: ${EXPORT_FORMAT_NAMES.join(', ')}`)
  .argument('<id>', 'survey id')
  .requiredOption('--format <name>', `one of ${EXPORT_FORMAT_NAMES.join(', ')}`)
  .option('--out <file>', 'file to write (default: a name from the survey title and format, in the current folder)')
  .option('--free-text', 'include free-text answers in respondent-level files (redacted); only when the survey lead has released them')
  .option('--bom', 'start CSV files with a byte-order mark, so Excel reads them as UTF-8')
  .action(
    run(async (id: string, options: unknown) => {
      const { format, out, freeText, bom } = parseOptions(ZExport, options, { format: '--format', out: '--out' });
      await withStorage(async (storage) => {
        await requireSurvey(storage, id);
        const plan = await prepareExport(storage.db, commandLineActor(), id, format, { freeText });
        const file = out ?? exportFileName(plan, format);
        // Written beside the target and renamed when complete, so a killed export never leaves a file that looks whole.
        const partial = `${file}.partial-${process.pid}`;
        const progress = progressReporter(`Exporting ${format}`);
        try {
          await pipeline(writeExport(plan, format, { bom, onProgress: progress.update }), createWriteStream(partial));
          renameSync(partial, file);
        } catch (error) {
          rmSync(partial, { force: true });
          throw error;
        }
        progress.finish();
        console.log(`Wrote ${file}`);
      });
    }),
  );

survey
  .command('free-text')
  .description("the survey lead's decision whether free-text comments (redacted) go into respondent-level files")
  .argument('<id>', 'survey id')
  .argument('<decision>', 'release or withhold')
  .action(
    run(async (id: string, decision: string) => {
      if (decision !== 'release' && decision !== 'withhold') throw new CliError(`Invalid decision: must be release or withhold (got ${JSON.stringify(decision)})`);
      await withStorage(async (storage) => {
        const found = await requireSurvey(storage, id);
        await setFreeTextRelease(storage.db, commandLineActor(), found.id, decision === 'release');
        console.log(`${found.title}: free-text comments ${decision === 'release' ? 'released into' : 'withheld from'} respondent-level files`);
      });
    }),
  );

survey
  .command('profile')
  .description("load a workforce profile (CSV: role_group, directorate, headcount) for weighting a survey; replaces any earlier one (a closed survey's results are republished)")
  .argument('<id>', 'survey id')
  .argument('<file>', 'CSV file')
  .action(
    run(async (id: string, file: string) => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (error) {
        throw new CliError(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
      }
      await withStorage(async (storage) => {
        const found = await requireSurvey(storage, id);
        const result = await uploadWorkforceProfile(storage.db, commandLineActor(), found, bytes);
        if (!result.ok) {
          const where = (p: { row?: number; column?: string }) => [p.row === undefined ? '' : `row ${p.row}`, p.column ?? ''].filter(Boolean).join(', ');
          throw new CliError([`${file}: nothing saved; fix these and load it again:`, ...result.problems.map((p) => `  ${where(p) ? `${where(p)}: ` : ''}${p.message}`)].join('\n'));
        }
        const margins = profileMargins(result.profile);
        const staff = Object.values(margins.roleGroups).reduce((a, b) => a + b, 0);
        const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
        const dirs = margins.directorates ? ` and ${count(Object.keys(margins.directorates).length, 'directorate')}` : '';
        console.log(`${found.title}: workforce profile of ${staff} staff in ${count(Object.keys(margins.roleGroups).length, 'role group')}${dirs} saved`);
      });
    }),
  );

/**
 * A password from stdin: never an argument, which would sit in shell history and the process
 * list. Typed at a terminal it is not echoed; piped, the first line is used.
 */
async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) text += String(chunk);
    return text.split(/\r?\n/)[0] ?? '';
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  return new Promise((resolve) => {
    let typed = '';
    const onData = (key: string) => {
      for (const char of key) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          stdin.setRawMode(false);
          stdin.off('data', onData);
          stdin.pause();
          process.stderr.write('\n');
          resolve(typed);
          return;
        }
        if (char === '\u0003') process.exit(130);
        typed = char === '\u007f' ? typed.slice(0, -1) : typed + char;
      }
    };
    stdin.on('data', onData);
  });
}

const user = program.command('user').description('staff accounts');

user
  .command('create-admin')
  .description('create a platform admin (the first account); the password is read from stdin or typed at a prompt')
  .requiredOption('--email <email>', 'email address, used to sign in')
  .requiredOption('--name <name>', 'full name')
  .action(
    run(async (options: { email: string; name: string }) => {
      const password = await readPassword('Password (at least 12 characters): ');
      const parsed = ZNewUser.safeParse({ ...options, password, platformAdmin: true });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new CliError(`Invalid ${issue.path[0] === 'password' ? 'password' : `--${String(issue.path[0])}`}: ${issue.message}`);
      }
      await withStorage(async (storage) => {
        if (await findUserByEmail(storage.db, parsed.data.email)) throw new CliError(`An account for ${parsed.data.email} already exists`);
        const id = await createPlatformAdmin(storage.db, commandLineActor(), parsed.data);
        console.log(`Platform admin ${parsed.data.email} created (${id}). Sign in at /sign-in.`);
      });
    }),
  );

const ZMember = z.object({
  email: nonEmpty('email'),
  org: nonEmpty('organisation id'),
  role: z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }),
});

user
  .command('add-member')
  .description('give an existing account a role in an organisation (replaces any role it had there)')
  .requiredOption('--email <email>', 'the account')
  .requiredOption('--org <id>', 'organisation id')
  .requiredOption('--role <role>', ROLES.join(', '))
  .action(
    run(async (raw: Record<string, string>) => {
      const options = parseOptions(ZMember, raw, {});
      await withStorage(async (storage) => {
        const account = await findUserByEmail(storage.db, options.email);
        if (!account) throw new CliError(`No account for ${options.email}`);
        const organisation = await storage.db.selectFrom('organisation').select('name').where('id', '=', options.org).executeTakeFirst();
        if (!organisation) throw new CliError(`No organisation with id ${options.org}`);
        await addMember(storage.db, commandLineActor(), options.org, { email: account.email, name: account.name, role: options.role });
        console.log(`${account.email} is now ${options.role} in ${organisation.name}`);
      });
    }),
  );

const round = program.command('round').description('benchmark rounds: a host (an organisation of type host) invites councils, each runs one wave in the round');
const DAY = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');
const ZRoundCreate = z.object({ host: nonEmpty('host organisation id'), title: z.string().default(''), opens: DAY, closes: DAY });
const ZRoundOrg = z.object({ org: nonEmpty('organisation id') });

round
  .command('create')
  .description('create a benchmark round on the standard instrument for a host organisation; prints its id')
  .requiredOption('--host <id>', 'the host organisation (type host)')
  .requiredOption('--title <title>', 'round title')
  .requiredOption('--opens <date>', 'fieldwork opens, YYYY-MM-DD')
  .requiredOption('--closes <date>', 'fieldwork closes, YYYY-MM-DD')
  .action(
    run(async (options: unknown) => {
      const { host, title, opens, closes } = parseOptions(ZRoundCreate, options, {});
      const created = await withStorage((storage) => createRound(storage.db, commandLineActor(), host, roundFormOfDays(title, opens, closes)));
      if (!created.ok) throw new CliError(['Nothing created; fix these and try again:', ...created.errors.map((e) => `  ${e.message}`)].join('\n'));
      console.log(created.id);
    }),
  );

round
  .command('invite')
  .description('invite a council to a round (its admin accepts with: round accept)')
  .argument('<round>', 'round id')
  .requiredOption('--org <id>', 'the council')
  .action(
    run(async (roundId: string, options: unknown) => {
      const { org } = parseOptions(ZRoundOrg, options, { org: '--org' });
      await withStorage((storage) => inviteToRound(storage.db, commandLineActor(), roundId, org));
      console.log('Invited');
    }),
  );

for (const [verb, accept] of [
  ['accept', true],
  ['decline', false],
] as const) {
  round
    .command(verb)
    .description(`${verb} a council's invitation to a round`)
    .argument('<round>', 'round id')
    .requiredOption('--org <id>', 'the council')
    .action(
      run(async (roundId: string, options: unknown) => {
        const { org } = parseOptions(ZRoundOrg, options, { org: '--org' });
        await withStorage((storage) => answerInvitation(storage.db, commandLineActor(), roundId, org, accept));
        console.log(accept ? 'Joined' : 'Declined');
      }),
    );
}

round
  .command('link')
  .description("make a council's draft or open wave its one wave in the round")
  .argument('<round>', 'round id')
  .requiredOption('--org <id>', 'the council')
  .requiredOption('--survey <id>', 'the council’s wave')
  .action(
    run(async (roundId: string, options: unknown) => {
      const { org, survey: surveyId } = parseOptions(ZRoundOrg.extend({ survey: nonEmpty('survey id') }), options, { org: '--org', survey: '--survey' });
      await withStorage((storage) => linkWaveToRound(storage.db, commandLineActor(), roundId, org, surveyId));
      console.log('Linked');
    }),
  );

round
  .command('leave')
  .description('take a council out of a round (refused once its wave in the round has closed)')
  .argument('<round>', 'round id')
  .requiredOption('--org <id>', 'the council')
  .action(
    run(async (roundId: string, options: unknown) => {
      const { org } = parseOptions(ZRoundOrg, options, { org: '--org' });
      await withStorage((storage) => leaveRound(storage.db, commandLineActor(), roundId, org));
      console.log('Left the round');
    }),
  );

round
  .command('close')
  .description('close a round once no council is in fieldwork; its benchmark is then given to each council')
  .argument('<round>', 'round id')
  .action(
    run(async (roundId: string) => {
      const { contributing, notContributing } = await withStorage((storage) => closeRound(storage.db, commandLineActor(), roundId));
      console.log(`Closed: ${contributing} council${contributing === 1 ? '' : 's'} contribute${notContributing > 0 ? `; ${notContributing} joined without a closed wave` : ''}`);
    }),
  );

round
  .command('status')
  .description("a round's participation as its host sees it: councils and their waves' states, responses by council type and nation (suppressed)")
  .argument('<round>', 'round id')
  .action(
    run(async (roundId: string) => {
      const seen = await withStorage((storage) => roundParticipation(storage.db, roundId));
      const { invited, joined, opened, closed } = seen.totals;
      console.log(`${seen.round.title} (${seen.round.state}, ${seen.round.opensOn} to ${seen.round.closesOn}): ${invited} invited, ${joined} joined, ${opened} opened, ${closed} closed`);
      printTable(seen.councils, [
        { key: 'name', label: 'Council' },
        { key: 'state', label: 'Invitation' },
        { key: 'wave', label: 'Wave' },
      ]);
      const hidden = `fewer than ${seen.threshold}`;
      for (const [label, groups] of [
        ['Type', seen.byType],
        ['Nation', seen.byNation],
      ] as const) {
        printTable(
          groups.map((g) => ({ value: g.value, councils: g.councils, responses: g.responses ?? hidden })),
          [
            { key: 'value', label },
            { key: 'councils', label: 'Councils', align: 'right' },
            { key: 'responses', label: 'Responses', align: 'right' },
          ],
        );
      }
    }),
  );

await program.parseAsync();
