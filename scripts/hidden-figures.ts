/**
 * How many figures disclosure control hides in the demo's closed wave (600 responses, seed 1,
 * as the demo seeds it) and in a 3,000-response generated wave of the standard instrument:
 * `npx tsx scripts/hidden-figures.ts`. Prints shown and hidden group figures (every question,
 * index and response count × every group reported) and which role groups are shown.
 */
import { analyseSurvey, TableBuilder } from '../src/analysis/index.js';
import { seededRandom, syntheticAnswers } from '../src/fieldwork/synthetic.js';
import { loadInstrumentFile, STANDARD_INSTRUMENT_PATH } from '../src/instrument/load.js';
import { loadPublishedFindings } from '../src/instrument/published-findings.js';

const definition = loadInstrumentFile(STANDARD_INSTRUMENT_PATH);

for (const [label, count, seed] of [
  ['demo closed wave (600, seed 1)', 600, 1],
  ['generated wave (3,000, seed 7)', 3000, 7],
] as const) {
  const random = seededRandom(seed);
  const builder = new TableBuilder(definition);
  for (let i = 0; i < count; i++) builder.add(syntheticAnswers(definition, random));
  const analysis = analyseSurvey(definition, builder.tables(), { threshold: 10, findings: loadPublishedFindings() });
  let shown = 0;
  let hidden = 0;
  const byKind = new Map<string, number>();
  const tally = (group: { kind: string }, figure: { shown: boolean }) => {
    if (figure.shown) shown++;
    else {
      hidden++;
      byKind.set(group.kind, (byKind.get(group.kind) ?? 0) + 1);
    }
  };
  for (const r of analysis.responses) tally(r.group, r.figure);
  for (const v of analysis.variables) {
    if (v.kind === 'text') for (const g of v.groups) tally(g.group, g.answered);
    else for (const g of v.groups) tally(g.group, g.figure);
  }
  for (const i of analysis.indices) for (const g of i.groups) tally(g.group, g.figure);
  const roles = analysis.responses.filter((r) => r.group.kind === 'roleGroup');
  const shownRoles = roles.filter((r) => r.figure.shown).map((r) => (r.group as { code: string }).code);
  const hiddenRoles = roles.filter((r) => !r.figure.shown).map((r) => (r.group as { code: string }).code);
  console.log(
    `${label}: ${shown} figures shown, ${hidden} hidden (${((100 * hidden) / (shown + hidden)).toFixed(1)}%); role groups shown: ${shownRoles.join(', ')}; hidden: ${hiddenRoles.join(', ') || 'none'}; hidden by kind of group: ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}`,
  );
}
