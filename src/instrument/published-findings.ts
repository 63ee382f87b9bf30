import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The published national figures (reference/published-findings.json) that results are compared with. */
export const ZFinding = z.object({
  theme: z.string(),
  statement: z.string(),
  segment: z.string().optional(),
  population: z.string().optional(),
  percent: z.number().min(0).max(100),
  /** "lower": the study reported "more than" this percentage. */
  bound: z.enum(['lower', 'upper']).optional(),
});
export const ZStudy = z.object({
  id: z.string(),
  title: z.string(),
  year: z.number().int().nullable(),
  population: z.string(),
  respondents: z.number().int().positive(),
  organisations: z.number().int().positive().optional(),
  findings: z.array(ZFinding),
});
export const ZPublishedFindings = z.object({ about: z.string(), studies: z.array(ZStudy) });
export type TFinding = z.output<typeof ZFinding>;
export type TStudy = z.output<typeof ZStudy>;
export type TPublishedFindings = z.output<typeof ZPublishedFindings>;

export const PUBLISHED_FINDINGS_PATH = new URL('../../reference/published-findings.json', import.meta.url);

let cached: TPublishedFindings | undefined;

export function loadPublishedFindings(): TPublishedFindings {
  cached ??= ZPublishedFindings.parse(JSON.parse(readFileSync(PUBLISHED_FINDINGS_PATH, 'utf8')));
  return cached;
}

export function findFinding(findings: TPublishedFindings, studyId: string, statement: string) {
  const study = findings.studies.find((s) => s.id === studyId);
  const finding = study?.findings.find((f) => f.statement === statement);
  return study && finding ? { study, finding } : undefined;
}
