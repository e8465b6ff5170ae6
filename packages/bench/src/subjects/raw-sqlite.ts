import { createRequire } from 'node:module';
import {
  ARTIFACT,
  ARTIFACT_EVICT_KEYS,
  ARTIFACT_GET_KEYS,
  ARTIFACT_PUT_KEYS,
  BUDGET_BLOBS,
  CHECKPOINT_DATA,
  COUNTER_KEYS,
  COUNTER_KEYSPACE,
  checkpointMetadata,
  GET_BLOBS,
  KV_KEYS,
  VALUE,
} from '../data.js';
import type { ArtifactTarget, CheckpointTarget, KvTarget } from './types.js';

/** The slice of better-sqlite3 the baseline uses (the library ships no types). */
interface Statement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  raw(on?: boolean): this;
  pluck(on?: boolean): this;
}
interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): this;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): ((...args: A) => R) & { immediate(...args: A): R };
  close(): this;
}

const require = createRequire(import.meta.url);
const Sqlite = require('better-sqlite3') as new (file: string) => Database;

/** A raw better-sqlite3 connection with the tables the baseline uses. */
export interface RawSqlite {
  readonly kv: KvTarget;
  readonly checkpoints: CheckpointTarget;
  /** 1 MiB blobs, one row each (autocommit `INSERT OR REPLACE`, `SELECT`). */
  readonly artifacts: ArtifactTarget;
  close(): void;
}

/**
 * better-sqlite3 as a careful user would set it up: WAL, `synchronous` as agentstore's durability maps
 * it (NORMAL for balanced, FULL for strict), prepared statements, a BLOB-keyed WITHOUT ROWID table.
 */
export function openRawSqlite(file: string, synchronous: 'NORMAL' | 'FULL'): RawSqlite {
  const db = new Sqlite(file);
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous};`);
  db.exec(`
    CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS counters (k BLOB PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS checkpoints (
      trace TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, parent_id TEXT,
      created_at INTEGER NOT NULL, metadata TEXT NOT NULL, data BLOB NOT NULL,
      PRIMARY KEY (trace, seq));
    CREATE TABLE IF NOT EXISTS blobs (k BLOB PRIMARY KEY, v BLOB NOT NULL);`);
  const get = db.prepare('SELECT v FROM kv WHERE k = ?').pluck();
  const put = db.prepare('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)');
  const scan = db.prepare('SELECT k, v FROM kv WHERE k >= ? ORDER BY k LIMIT ?').raw();
  const bump = db.prepare('INSERT INTO counters (k, v) VALUES (?, 1) ON CONFLICT (k) DO UPDATE SET v = v + 1 RETURNING v').pluck();
  const putMany = db.transaction((from: number, count: number) => {
    for (let i = from; i < from + count; i++) put.run(KV_KEYS.bytes(i), VALUE);
  });

  const latest = db.prepare('SELECT seq, id FROM checkpoints WHERE trace = ? ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare('INSERT INTO checkpoints (trace, seq, id, parent_id, created_at, metadata, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const loadLatest = db.prepare('SELECT * FROM checkpoints WHERE trace = ? ORDER BY seq DESC LIMIT 1');
  const list = db.prepare(
    'SELECT trace, seq, id, parent_id, created_at, metadata, length(data) AS size FROM checkpoints WHERE trace = ? ORDER BY seq DESC LIMIT ?',
  );
  const appendOne = (trace: string, step: number): number => {
    const last = latest.get(trace) as { seq: number; id: string } | undefined;
    const seq = (last?.seq ?? 0) + 1;
    insert.run(
      trace,
      seq,
      `${Date.now().toString(36)}-${seq}`,
      last?.id ?? null,
      Date.now(),
      JSON.stringify(checkpointMetadata(step)),
      CHECKPOINT_DATA,
    );
    return seq;
  };
  const save = db.transaction(appendOne);
  const fill = db.transaction((trace: string, from: number, count: number) => {
    for (let k = 0; k < count; k++) appendOne(trace, from + k);
  });

  // A rowid table for the blobs: SQLite advises against WITHOUT ROWID for rows this large.
  const putBlob = db.prepare('INSERT OR REPLACE INTO blobs (k, v) VALUES (?, ?)');
  const deleteBlob = db.prepare('DELETE FROM blobs WHERE k = ?');
  const getBlob = db.prepare('SELECT v FROM blobs WHERE k = ?').pluck();
  const putEvicting = db.transaction((i: number) => {
    putBlob.run(ARTIFACT_EVICT_KEYS.bytes(i), ARTIFACT);
    if (i >= BUDGET_BLOBS) deleteBlob.run(ARTIFACT_EVICT_KEYS.bytes(i - BUDGET_BLOBS));
  });

  return {
    artifacts: {
      put: (i) => putBlob.run(ARTIFACT_PUT_KEYS.bytes(i), ARTIFACT),
      putEvicting: (i) => putEvicting.immediate(i),
      get: (i) => getBlob.get(ARTIFACT_GET_KEYS.bytes(i % GET_BLOBS)),
      fillGets: async () => {
        for (let i = 0; i < GET_BLOBS; i++) putBlob.run(ARTIFACT_GET_KEYS.bytes(i), ARTIFACT);
      },
    },
    kv: {
      get: (i) => get.get(KV_KEYS.bytes(i)),
      put: (i) => put.run(KV_KEYS.bytes(i), VALUE),
      putMany: (from, count) => putMany(from, count),
      scan: (from, count) => scan.all(KV_KEYS.bytes(from), count).length,
      // `.all()`, not `.get()`: `.get()` leaves the RETURNING statement unfinished, so SQLite never
      // runs its automatic WAL checkpoint (measured: an 82 MB WAL after 20,000 bumps) and the
      // baseline would skip a cost every real writer pays, agentstore included.
      counter: (i) => bump.all(COUNTER_KEYSPACE.bytes(i % COUNTER_KEYS))[0],
    },
    checkpoints: {
      // BEGIN IMMEDIATE: the read of the latest seq and the insert are one atomic step.
      save: (trace, step) => save.immediate(trace, step),
      loadLatest: (trace) => {
        const row = loadLatest.get(trace) as { metadata: string } | undefined;
        return row && { ...row, metadata: JSON.parse(row.metadata) };
      },
      list: (trace, limit) =>
        (list.all(trace, limit) as Array<{ metadata: string }>).map((row) => ({ ...row, metadata: JSON.parse(row.metadata) })),
      fill: async (trace, count) => {
        for (let done = 0; done < count; done += 1000) fill.immediate(trace, done, Math.min(1000, count - done));
      },
    },
    close: () => void db.close(),
  };
}
