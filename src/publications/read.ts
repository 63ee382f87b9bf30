import type { Kysely } from 'kysely';
import { remember } from '../reporting/cache.js';
import { latestPublication, type StoredPublication } from '../storage/publications.js';
import type { Database } from '../storage/schema.js';
import { PUBLICATION_FORMAT, type PublicationDocument } from './document.js';

/** Parsed documents by survey and version: a version never changes, so a parse is kept. */
const parsed = new Map<string, PublicationDocument>();

export function parsePublication(stored: StoredPublication): PublicationDocument {
  const key = `${stored.surveyId}:${stored.version}`;
  const hit = parsed.get(key);
  if (hit) return hit;
  const document = JSON.parse(stored.document) as PublicationDocument;
  if (document.format !== PUBLICATION_FORMAT) {
    throw new Error(`Publication ${key} is in format ${String(document.format)}; this version of Sounding reads format ${PUBLICATION_FORMAT}`);
  }
  remember(parsed, key, document);
  return document;
}

/** A wave's newest publication, or undefined while it has none (it is not closed). */
export async function readPublication(db: Kysely<Database>, surveyId: string): Promise<PublicationDocument | undefined> {
  const stored = await latestPublication(db, surveyId);
  return stored ? parsePublication(stored) : undefined;
}
