import type { Kysely } from 'kysely';
import { remember } from '../reporting/cache.js';
import { latestPublicationVersion, publicationVersion, type StoredPublication } from '../storage/publications.js';
import type { Database } from '../storage/schema.js';
import { PUBLICATION_FORMAT, type PublicationDocument } from './document.js';

/** Parsed documents by survey and version: a version never changes, so a parse is kept. */
const parsed = new Map<string, PublicationDocument>();

export function parsePublication(stored: StoredPublication): PublicationDocument {
  const key = `${stored.surveyId}:${stored.version}`;
  const hit = parsed.get(key);
  if (hit) return hit;
  const document = JSON.parse(stored.document) as PublicationDocument;
  // Written by another version of Sounding, the stored format may be any number.
  const format: number = document.format;
  if (format !== PUBLICATION_FORMAT) {
    throw new Error(`Publication ${key} is in format ${format}; this version of Sounding reads format ${PUBLICATION_FORMAT}`);
  }
  remember(parsed, key, document);
  return document;
}

/**
 * A wave's newest publication, or undefined while it has none (it is not closed). The
 * version is looked up first, so a document already parsed is not read again (it is about
 * 1.7 MB for the standard instrument, whatever the number of responses).
 */
export async function readPublication(db: Kysely<Database>, surveyId: string): Promise<PublicationDocument | undefined> {
  const version = await latestPublicationVersion(db, surveyId);
  if (version === undefined) return undefined;
  const hit = parsed.get(`${surveyId}:${version}`);
  if (hit) return hit;
  const stored = await publicationVersion(db, surveyId, version);
  return stored ? parsePublication(stored) : undefined;
}
