import type { Generated } from 'kysely';

export const RESPONSE_SOURCES = ['online', 'paper'] as const;
export type ResponseSource = (typeof RESPONSE_SOURCES)[number];
export const ACTION_STATUSES = ['planned', 'in_progress', 'done', 'not_doing'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

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
    /** 1 for the demo organisation and the demo round's councils: never in a real round, benchmark or national report. */
    synthetic: Generated<number>;
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
    /** 1 for demonstration and test waves: the only ones synthetic answers may be added to. */
    synthetic: Generated<number>;
    /** 1 when the lead has decided free-text comments may go into respondent-level files (redacted). */
    release_free_text: Generated<number>;
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
    /** How the answers came: online, or keyed from a paper questionnaire (never who keyed it). */
    source: Generated<ResponseSource>;
  };
  /**
   * A closed wave's results, frozen: the whole suppressed document every output reads
   * (reporting/publication.ts), and its headline measures for other organisations' benchmarks.
   * Version 1 is built when the wave closes; later versions only by an audited republish.
   */
  publication: { survey_id: string; version: number; built_on: string; reason: 'close' | 'republish' | 'migration'; document: string; headline: string };
  /** A survey's workforce profile for weighting: staff per role group × directorate ('' when the profile has none). */
  workforce_profile_cell: { survey_id: string; role_group: string; directorate: string; headcount: number };
  /** A staff account; password_hash is argon2id, null for accounts that sign in only through OpenID Connect. */
  user_account: {
    id: string;
    email: string;
    name: string;
    password_hash: string | null;
    platform_admin: number;
    created_at: string;
  };
  membership: { user_id: string; organisation_id: string; role: 'viewer' | 'analyst' | 'org_admin' };
  /** id is sha256 of the token in the cookie, so a copy of the database cannot be used to sign in. */
  user_session: { id: string; user_id: string; created_at: string; last_seen_at: string; expires_at: string };
  password_reset: { token_hash: string; user_id: string; expires_at: string };
  /** Who did what to which thing, and when; never answer content. */
  audit_log: { id: string; at: string; actor_id: string | null; actor_label: string | null; organisation_id: string | null; action: string; target: string };
  /** Request counters shared by every process serving the app (rate limiting); keys are keyed hashes (storage/rate-limit.ts). */
  rate_limit_counter: { key: string; count: number; window_ends_at: string };
  /** Failed sign-ins per account and client address, both keyed hashes; the next attempt from there is checked from retry_at. */
  sign_in_failure: { account_key: string; client_key: string; failures: number; retry_at: string; forget_at: string };
  /** The random salt of a day (UTC, YYYY-MM-DD) that rate-limit keys are hashed with; dropped the day after. */
  rate_limit_salt: { day: string; salt: string };
  /**
   * A person on a survey's staff list. Once their link is used, everything that said who
   * they were (email, segment, dates) is set to null and only `used` is kept, so the row
   * cannot be tied to the response and reminders skip it.
   */
  invitation: {
    id: string;
    survey_id: string;
    email: string | null;
    role_group: string | null;
    directorate: string | null;
    sent_on: string | null;
    reminded_on: string | null;
    used: number;
  };
  /**
   * A personal, read-only API token for one of its owner's organisations; token_hash is the
   * sha256 of the token, which is shown once and never stored. last_used_on is a day (YYYY-MM-DD).
   */
  api_token: {
    id: string;
    token_hash: string;
    user_id: string;
    organisation_id: string;
    name: string;
    created_at: string;
    expires_at: string;
    last_used_on: string | null;
    revoked_at: string | null;
  };
  /**
   * A benchmark round a host organisation runs on one instrument version: councils it invites
   * each link one wave of their own, and their benchmark comes only from the round's waves.
   */
  benchmark_round: {
    host_organisation_id: string;
    id: string;
    title: string;
    instrument_version_id: string;
    opens_on: string;
    closes_on: string;
    state: 'open' | 'closed';
    /** 1 for the demo's round: only synthetic organisations take part in it. */
    synthetic: Generated<number>;
    created_at: string;
  };
  /** A council invited to a round; one row, so at most one wave, per organisation per round. */
  round_participant: {
    round_id: string;
    organisation_id: string;
    state: 'invited' | 'joined' | 'declined' | 'left';
    /** The council's wave in the round (unique: a wave is in at most one round). */
    survey_id: string | null;
    invited_on: string;
    joined_on: string | null;
    /** Set when the round closes: the version of the wave's publication the round's benchmark uses. */
    publication_version: number | null;
  };
  /** Work done by the server itself at a time: a wave's planned opening or closing (admin/schedule.ts). */
  scheduled_job: {
    id: string;
    kind: string;
    subject: string;
    /** ISO time from which the job may run. */
    due_at: string;
    /** Held by the process doing the job until this ISO time. */
    claimed_until: string | null;
    attempts: Generated<number>;
    finished_at: string | null;
    outcome: string | null;
  };
  /** An action a lead records against a finding of a published wave ("you said, we did"). */
  finding_action: {
    organisation_id: string;
    survey_id: string;
    id: string;
    /** 'question': a question's results; 'theme': an index (a theme of the report). */
    finding_kind: 'question' | 'theme';
    finding_code: string;
    /** A group the finding is about, when it is one whose results are shown. */
    group_kind: 'roleGroup' | 'directorate' | null;
    group_code: string | null;
    what: string;
    /** A role ("Head of ICT"), not a person's name unless the lead chooses to give one. */
    owner_role: string;
    due_on: string;
    status: ActionStatus;
    created_on: string;
    updated_on: string;
  };
  finding_action_note: { organisation_id: string; survey_id: string; action_id: string; id: string; written_at: string; text: string };
  /** sha256 of each link sent (the invitation and every reminder), so any of them works until one is used. */
  invitation_token: { token_hash: string; invitation_id: string };
  /** Keys the server made for itself (migration 014): 'invited-address' keys `invited_address`. */
  secret: { name: string; value: string };
  /** A keyed hash of every address ever invited to a wave, unlinked from its invitation, so nobody is invited twice. */
  invited_address: { survey_id: string; address_key: string };
  /** A wave's invitation and reminder wording; `texts` is JSON (admin/invitation-messages.ts ZWaveTexts). */
  wave_message: { survey_id: string; languages: string; contact: string; texts: string };
}
