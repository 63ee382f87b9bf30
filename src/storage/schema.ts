/**
 * The database as Kysely sees it. Dates are ISO date strings (YYYY-MM-DD): a response
 * carries the day it was submitted and never a time, an IP address or a user agent.
 */
export interface Database {
  organisation: {
    id: string;
    name: string;
    type: string;
    nation: string;
    region: string;
  };
  instrument_version: {
    id: string;
    code: string;
    version: number;
    /** sha256 of the definition JSON: publishing the same definition twice gives one version. */
    checksum: string;
    definition: string;
  };
  survey: {
    id: string;
    organisation_id: string;
    instrument_version_id: string;
    title: string;
    /** The open link's public token: random, so survey links cannot be guessed or enumerated. */
    slug: string;
    state: 'draft' | 'open' | 'closed';
    opens_on: string | null;
    closes_on: string | null;
    /** Fixed when the wave is created and never loosened afterwards. */
    suppression_threshold: number;
    previous_survey_id: string | null;
  };
  /** A respondent's unfinished answers; deleted when they submit. */
  answer_session: {
    /** sha256 of the token in the respondent's cookie. */
    id: string;
    survey_id: string;
    answers: string;
    /** sha256 of the short resume code, when the respondent asked for one. */
    resume_code_hash: string | null;
    expires_on: string;
  };
  /** Blocks a second submission of the same answer session; holds nothing that links to the response. */
  submission_key: {
    key: string;
    survey_id: string;
  };
  response: {
    /** Random UUID, so ids do not reveal the order of arrival. */
    id: string;
    survey_id: string;
    instrument_version_id: string;
    role_group: string;
    directorate: string;
    submitted_on: string;
    answers: string;
  };
  /** Counts maintained as answers arrive, so results never scan responses. */
  cell_count: { survey_id: string; role_group: string; directorate: string; responses: number };
  answered_count: { survey_id: string; question: string; item: string; role_group: string; directorate: string; n: number };
  option_count: {
    survey_id: string;
    question: string;
    item: string;
    option: string;
    role_group: string;
    directorate: string;
    n: number;
  };
  numeric_sum: {
    survey_id: string;
    variable: string;
    role_group: string;
    directorate: string;
    n: number;
    sum: number;
    sum_squares: number;
  };
}
