/**
 * Sounding's analysis engine: pure functions from the per-cell count tables storage keeps
 * (see `tables.ts`) and an instrument definition to suppressed, typed results.
 */
export { analyseSurvey, adjustFamily } from './analyse.js';
export type { AnalysisOptions, ClosedVariableAnalysis, Methods, NumberVariableAnalysis, SurveyAnalysis, TextVariableAnalysis, VariableAnalysis, WeightingSummary } from './analyse.js';
export { adjustPValues, type AdjustMethod } from './adjust.js';
export { TableBuilder, tablesFromAnswers } from './aggregate.js';
export {
  benchmark,
  benchmarkQuantile,
  benchmarkQuartiles,
  closedMeasureKey,
  headlineMeasures,
  indexMeasureKey,
  meanMeasureKey,
  quantile,
  type BenchmarkComparator,
  type BenchmarkFigure,
  type BenchmarkOptions,
  type BenchmarkResult,
  type MeasureKey,
  type Participant,
} from './benchmark.js';
export { chiSquareUpperP, normalCdf, normalQuantile, normalTwoSidedP, tQuantile, tTwoSidedP } from './distributions.js';
export type { ClosedEstimate, Comparison, DifferenceEstimate, OptionEstimate, OverallTest, Proportion } from './estimates.js';
export { formatP, formatPercent, formatPercentInterval, formatPoints, roundHalfUp, suppressedText } from './format.js';
export { indexScores, itemScorer, OVERALL_MATURITY, type IndexAnalysis, type IndexEstimate } from './indices.js';
export { meanFromMoments, welchTest, type MeanDifference, type MeanEstimate } from './means.js';
export { perceptionGap, type PerceptionGap, type PerceptionGapItem } from './perception-gap.js';
export { chiSquareTest, newcombeDifference, oneSampleProportionZ, twoProportionZ, wilsonInterval, Z95, type ChiSquareResult, type Interval, type TestResult } from './proportions.js';
export { comparePublished, describeStudy, type PublishedComparison, type PublishedTest, type PublishedUnavailable } from './published.js';
export { groupCode, groupLabel, type GroupFigure, type GroupRef } from './segments.js';
export {
  checkThreshold,
  DEFAULT_THRESHOLD,
  determinedUnknowns,
  freeTextAllowed,
  MIN_THRESHOLD,
  reveal,
  suppressCells,
  suppressSegments,
  type CellStatus,
  type SegmentGrid,
  type SegmentSuppression,
  type Suppressed,
  type Suppressible,
  type SuppressionProblem,
  type SuppressionReason,
} from './suppression.js';
export { indexVariable, type CellKey, type SurveyTables } from './tables.js';
export { variablesOf, type ClosedVariable, type DontKnowRule, type Variable } from './variables.js';
export { compareWaves, type WaveComparison } from './waves.js';
export {
  kishDesignEffect,
  profileMargins,
  rakeWeights,
  ZWeightingMargins,
  ZWorkforceProfile,
  type CellWeight,
  type RakeOptions,
  type WeightingMargins,
  type WeightingProblem,
  type WeightingResult,
  type WorkforceProfile,
} from './weighting.js';
