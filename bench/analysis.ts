/**
 * The analysis in a publication build: analyseSurvey over the standard instrument (every
 * question × every role group, pairwise and group-vs-rest tests with Holm adjustment, indices,
 * perception gap, suppression, weighting to a workforce profile) for BENCH_ANALYSIS_SIZES
 * (default "100000,1000000") synthetic responses, median of BENCH_ANALYSIS_RUNS (5) after a
 * warm-up, and counting them into the tables it reads (TableBuilder, as the build does, here
 * from answers already in memory) timed apart. `--only publication` times the whole build
 * from stored rows.
 */
import { loadInstrumentFile, STANDARD_INSTRUMENT_PATH } from '../src/instrument/load.js';
import { TableBuilder } from '../src/analysis/aggregate.js';
import { analyseSurvey } from '../src/analysis/analyse.js';
import type { SurveyTables } from '../src/analysis/tables.js';
import type { WorkforceProfile } from '../src/analysis/weighting.js';
import { seededRandom, syntheticAnswers } from '../src/fieldwork/synthetic.js';
import type { SuiteOptions, SuiteResult } from './run.js';
import { median, setting } from './support.js';

/** Response rates differ by role group (leaders answer more), so the weights are far from equal. */
const RESPONSE_RATE: Record<string, number> = { senior_executive: 0.9, head_of_service: 0.8, manager: 0.6, it_digital: 0.7, procurement: 0.5, elected_member: 0.4, frontline: 0.25 };

function profileFor(tables: SurveyTables): WorkforceProfile {
  return {
    cells: tables.cells.map((c) => ({
      roleGroup: c.roleGroup,
      directorate: c.directorate,
      headcount: Math.round(c.responses / (RESPONSE_RATE[c.roleGroup] ?? 0.5)),
    })),
  };
}

const seconds = (ns: bigint) => Number(ns) / 1e9;

export async function run(options: SuiteOptions): Promise<SuiteResult> {
  const sizes = setting('BENCH_ANALYSIS_SIZES', { full: '100000,1000000', smoke: '2000' }, options).split(',').map(Number);
  const analysisRuns = Number(setting('BENCH_ANALYSIS_RUNS', { full: '5', smoke: '1' }, options));
  const definition = loadInstrumentFile(STANDARD_INSTRUMENT_PATH);
  const rows: SuiteResult['rows'] = [];
  for (const size of sizes) {
    const random = seededRandom(size);
    const builder = new TableBuilder(definition);
    let generating = 0n;
    let counting = 0n;
    for (let i = 0; i < size; i++) {
      const t0 = process.hrtime.bigint();
      const answers = syntheticAnswers(definition, random);
      const t1 = process.hrtime.bigint();
      builder.add(answers);
      counting += process.hrtime.bigint() - t1;
      generating += t1 - t0;
    }
    const tables = builder.tables();
    const profile = profileFor(tables);
    const times: number[] = [];
    let result: ReturnType<typeof analyseSurvey> | undefined;
    for (let run = 0; run <= analysisRuns; run++) {
      const t0 = process.hrtime.bigint();
      result = analyseSurvey(definition, tables, { profile });
      // The first run warms up the JIT and is not counted.
      if (run > 0) times.push(seconds(process.hrtime.bigint() - t0) * 1000);
    }
    if (result!.weighting.status !== 'weighted') throw new Error(`weighting was not applied: ${JSON.stringify(result!.weighting)}`);
    const countRows = tables.cells.length + tables.answered.length + tables.options.length + tables.numeric.length;
    const tests = result!.variables.reduce((s, v) => s + (v.kind === 'closed' || v.kind === 'number' ? v.comparisons.length : 0), 0);
    rows.push({
      responses: size.toLocaleString('en-GB'),
      'generate answers (s)': +seconds(generating).toFixed(1),
      'build count tables (s)': +seconds(counting).toFixed(1),
      'count rows': countRows,
      variables: result!.variables.length,
      comparisons: tests,
      'design effect': +result!.weighting.designEffect.toFixed(3),
      'analysis median (ms)': +median(times).toFixed(0),
      'analysis min (ms)': +Math.min(...times).toFixed(0),
    });
  }
  return { name: `Full analysis of the standard instrument (median of ${analysisRuns} runs after a warm-up)`, rows };
}
