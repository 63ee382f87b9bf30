import type { SurveyAnalysis, WaveComparison, WorkforceProfile } from '../analysis/index.js';
import type { Coarsening } from '../reporting/exports/coarsen.js';
import type { RespondentFileMasks } from './respondent-file.js';
import type { FreeTextTheme } from '../reporting/free-text.js';

/**
 * The document's format: raised whenever its shape changes. A closed wave whose newest
 * publication is of an older format gets a new version when the database is brought up to
 * date (publications/service.ts `publishClosedWaves`), so readers only ever see this one.
 */
export const PUBLICATION_FORMAT = 3;

export interface FreeTextThemes {
  question: string;
  /** Comments themed: only from groups whose results are shown. */
  comments: number;
  themes: FreeTextTheme[];
}

/**
 * Everything that leaves the system about one closed wave: built in one pass over its
 * responses when it closes, stored frozen, and read by every page, file and API answer.
 * Every figure in it has already passed disclosure control; nothing else about the wave's
 * answers is published.
 */
export interface PublicationDocument {
  format: typeof PUBLICATION_FORMAT;
  surveyId: string;
  version: number;
  builtOn: string;
  title: string;
  closedOn: string | null;
  instrumentVersionId: string;
  threshold: number;
  /** Completed responses (pages say "fewer than the threshold" rather than print a small total). */
  responses: number;
  /** Of those, keyed from paper questionnaires (counted together with the online ones everywhere; the report's method gives the split, when it may). */
  paperResponses: number;
  analysis: SurveyAnalysis;
  /** The workforce profile the analysis is weighted to, as it was when this version was built. */
  profile?: WorkforceProfile;
  /** This wave against the publication of the wave it follows. */
  previous?: { surveyId: string; title: string; version: number; waves: WaveComparison[] };
  freeText: FreeTextThemes[];
  /** How the respondent-level file's segment columns are coarsened, decided with everything else. */
  respondentFile: Coarsening;
  /** What the respondent-level file withholds so that no row stands out by what it was asked or skipped. */
  respondentMasks: RespondentFileMasks;
}
