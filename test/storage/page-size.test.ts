import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, openStorage } from '../../src/storage/db.js';
import { bulkInsertResponses } from '../support/bulk-responses.js';
import { openSurveyDatabase, standardInstrument } from '../support/app.js';
import { freshSqlite } from './targets.js';

/** A fresh SQLite file. */
const sqliteFile = () => {
  const target = freshSqlite();
  if (target.kind !== 'sqlite') throw new Error('expected SQLite');
  return target;
};

const pageSize = (file: string) => {
  const db = new SQLite(file, { readonly: true });
  try {
    return { pageSize: db.pragma('page_size', { simple: true }), journal: db.pragma('journal_mode', { simple: true }) };
  } finally {
    db.close();
  }
};

describe('SQLite pages', () => {
  it('keep a response row in its b-tree cell: a new database has 16 KiB pages and no overflow page for the standard instrument’s answers', async () => {
    const target = sqliteFile();
    const definition = standardInstrument();
    const { storage, survey } = await openSurveyDatabase(definition, target);
    await storage.close();
    bulkInsertResponses(target.file, { ...survey, definition }, 300);
    const db = new SQLite(target.file, { readonly: true });
    try {
      expect(db.pragma('page_size', { simple: true })).toBe(16_384);
      const average = db.prepare<[], { bytes: number }>('select avg(length(answers)) as bytes from response').get()!.bytes;
      // The answers are as large as real ones (at 4 KiB pages each such row needed an overflow page).
      expect(average).toBeGreaterThan(1000);
      const pages = db.prepare<[], { pagetype: string; n: number }>("select pagetype, count(*) as n from dbstat where name = 'response' group by pagetype").all();
      expect(pages.find((p) => p.pagetype === 'overflow')).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it('are made larger in a database made with 4 KiB pages, keeping its rows and its write-ahead log', async () => {
    const target = sqliteFile();
    const old = new SQLite(target.file);
    old.pragma('page_size = 4096');
    old.pragma('journal_mode = WAL');
    old.exec("create table kept (x text); insert into kept values ('still here')");
    old.close();
    expect(pageSize(target.file)).toEqual({ pageSize: 4096, journal: 'wal' });

    const storage = openStorage(target);
    try {
      await migrate(storage);
    } finally {
      await storage.close();
    }
    expect(pageSize(target.file)).toEqual({ pageSize: 16_384, journal: 'wal' });
    const db = new SQLite(target.file, { readonly: true });
    try {
      expect(db.prepare('select x from kept').pluck().all()).toEqual(['still here']);
    } finally {
      db.close();
    }
  });
});
