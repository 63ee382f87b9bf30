import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { validateDefinitionText } from '../instrument/validate.js';

const program = new Command('sounding').description('Sounding command-line tool');

program
  .command('validate')
  .description('validate a survey definition file (YAML or JSON); exit code 0 when valid, 1 with the list of problems')
  .argument('<file>', 'definition file')
  .action((file: string) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      console.error(`Cannot read ${file}`);
      process.exitCode = 1;
      return;
    }
    const result = validateDefinitionText(text);
    if (result.ok) {
      console.log(`${file}: valid (${result.definition.code} version ${result.definition.version})`);
      return;
    }
    console.error(`${file}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`);
    for (const problem of result.problems) {
      console.error(`  line ${problem.line ?? '?'}: ${problem.path || '(file)'}: ${problem.message}`);
    }
    process.exitCode = 1;
  });

await program.parseAsync();
