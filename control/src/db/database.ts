// The control database: Kysely over SQLite (the embedded default, one file) or PostgreSQL (DATABASE_URL). Every
// repository is written once against Kysely; the two dialects differ only here and in the migrations' column types.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.ts';
import type { Schema } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Schema>;

/** A PostgreSQL pool's connections now, read on each metrics scrape. */
export interface PoolStats {
  open: number;
  idle: number;
  /** Queries waiting for a connection: the pool is too small for the load, or the database is slow. */
  waiting: number;
  max: number;
}

export interface ControlDatabase {
  db: Db;
  dialect: Dialect;
  /** PostgreSQL only: SQLite has one connection and no pool. */
  poolStats?(): PoolStats;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres://… selects PostgreSQL; empty selects SQLite at `sqliteFile`. */
  databaseUrl?: string;
  sqliteFile: string;
  /** Connections in the PostgreSQL pool. */
  poolSize?: number;
  /** Told when an idle pooled connection dies (PostgreSQL restarted, failed over or ended it); the pool replaces it. */
  onConnectionLost?: (error: Error) => void;
  /**
   * A better-sqlite3 native binary built for another Node version than the one `npm ci` built it for (how
   * `npm run test:node-versions` runs the control suite on Node 22 and 24 beside Node 20's install).
   */
  sqliteBinding?: string;
}

// PostgreSQL returns int8 (BIGINT, COUNT) as strings to protect values past 2^53; ours are millisecond times and
// counts, far below it, so they come back as numbers on both dialects.
pg.types.setTypeParser(20, (text) => Number(text));
pg.types.setTypeParser(1700, (text) => Number(text));

export async function openDatabase(options: OpenDatabaseOptions): Promise<ControlDatabase> {
  const database = options.databaseUrl ? openPostgres(options.databaseUrl, options.poolSize ?? 10, options.onConnectionLost) : openSqlite(options.sqliteFile, options.sqliteBinding ?? process.env.INVORTO_SQLITE_BINDING);
  try {
    await migrateToLatest(database.db, database.dialect);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

function openSqlite(file: string, nativeBinding?: string): ControlDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file, nativeBinding ? { nativeBinding } : {});
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

function openPostgres(url: string, poolSize: number, onConnectionLost?: (error: Error) => void): ControlDatabase {
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`DATABASE_URL must be a postgres:// URL (got "${url.replace(/\/\/[^@]*@/, '//***@')}")`);
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client whose server connection ends (restart, failover, pg_terminate_backend) is an 'error' event on the
  // pool: unheard, it would throw and take control down. The pool has already dropped that client; the next query
  // opens a new connection, so hearing it is all that is needed.
  pool.on('error', (error) => onConnectionLost?.(error));
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  const poolStats = () => ({ open: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: poolSize });
  return { db, dialect: 'postgres', poolStats, close: () => db.destroy() };
}

/** True when a database error is a unique-key violation (both dialects). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
