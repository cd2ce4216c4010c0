import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openPostgresStore } from '../../src/history/postgres.ts';
import { openSqliteStore } from '../../src/history/sqlite.ts';
import type { HistoryStore } from '../../src/history/types.ts';
import type { TestPostgres } from './postgres-server.ts';
import type { StoreTarget } from './writer-worker.ts';

/** One empty database of one backend. */
export interface TestDatabase {
  target: StoreTarget;
  /** A new store (its own connection) on this database. */
  open(): Promise<HistoryStore>;
  /** The versions recorded in testloop_migrations, one row each. */
  migrationVersions(): Promise<number[]>;
  /** Pretends a newer testloop migrated this database. */
  recordMigration(version: number): Promise<void>;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** Why this backend cannot run here. */
  skip?: string;
  fresh(): Promise<TestDatabase>;
  dispose(): Promise<void>;
}

export function sqliteBackend(): Backend {
  const root = mkdtempSync(join(tmpdir(), 'testloop-history-'));
  let count = 0;
  const sql = <T>(path: string, work: (db: Database.Database) => T): T => {
    const db = new Database(path);
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  return {
    name: 'sqlite',
    async fresh() {
      const path = join(root, `db-${++count}`, 'history.db');
      return {
        target: { kind: 'sqlite', path },
        open: () => openSqliteStore(path),
        migrationVersions: async () =>
          sql(path, (db) =>
            db.prepare('SELECT version FROM testloop_migrations ORDER BY version').pluck().all(),
          ),
        recordMigration: async (version) =>
          void sql(path, (db) =>
            db.prepare("INSERT INTO testloop_migrations VALUES (?, 'future', '2100-01-01')").run(version),
          ),
      } as TestDatabase;
    },
    async dispose() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A fresh schema (the connection's search_path) per database, all dropped at the end. */
export function postgresBackend(server: TestPostgres): Backend {
  if ('skip' in server) {
    return {
      name: 'postgres',
      skip: server.skip,
      fresh: () => Promise.reject(new Error(server.skip)),
      dispose: async () => undefined,
    };
  }
  const prefix = `tl_${process.pid}_${randomBytes(3).toString('hex')}`;
  const schemas: string[] = [];
  const sql = async <T>(schema: string, work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: server.url, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    async fresh() {
      const schema = `${prefix}_${schemas.length + 1}`;
      schemas.push(schema);
      return {
        target: { kind: 'postgres', url: server.url, schema },
        open: () => openPostgresStore(server.url, { schema }),
        migrationVersions: () =>
          sql(schema, async (client) =>
            (await client.query('SELECT version FROM testloop_migrations ORDER BY version')).rows.map(
              (row: { version: number }) => row.version,
            ),
          ),
        recordMigration: (version) =>
          sql(schema, async (client) => {
            await client.query("INSERT INTO testloop_migrations (version, name) VALUES ($1, 'future')", [
              version,
            ]);
          }),
      };
    },
    async dispose() {
      if (schemas.length > 0) {
        await sql('public', async (client) => {
          for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        });
      }
      await server.stop();
    },
  };
}
