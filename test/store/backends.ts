/**
 * Every store backend the suite runs against, each with a way to open a fresh, empty store. The
 * backends' quirks (a temporary file, a database created and dropped on a server) stay here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { createTestDatabase, describePostgres, type TestDatabase } from '../helpers/postgres.js';
import type { OpenStore } from './store-suite.js';

export interface StoreBackend {
  readonly name: string;
  readonly open: OpenStore;
  /** `describe`, or a variant that skips (or fails) when the backend's server is missing. */
  readonly describe: (name: string, fn: () => void) => void;
}

const always = (_name: string, fn: () => void) => fn();

export const STORE_BACKENDS: readonly StoreBackend[] = [
  {
    name: 'sqlite (file)',
    describe: always,
    async open(clock) {
      const dir = mkdtempSync(join(tmpdir(), 'slots-store-'));
      // A directory that does not exist yet: opening creates it.
      const path = join(dir, 'nested', 'slots.db');
      return {
        store: await openSqliteStore({ path, clock }),
        reopen: () => openSqliteStore({ path, clock }),
        async cleanup() {
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    // One database per test file, emptied after each test: CREATE DATABASE costs a third of a
    // second on a busy server, emptying it a few milliseconds, and each store still migrates an
    // empty database when it opens.
    describe: (name, fn) =>
      describePostgres(name, () => {
        afterAll(() => shared?.then((db) => db.drop()));
        fn();
      }),
    async open(clock) {
      shared ??= createTestDatabase('slots_suite');
      const db = await shared;
      return {
        store: await openPostgresStore({ url: db.url, clock }),
        reopen: () => openPostgresStore({ url: db.url, clock }),
        cleanup: () => emptyDatabase(db.url),
      };
    },
  },
];

let shared: Promise<TestDatabase> | undefined;

/** Ends every other connection to the database and drops everything in it. */
async function emptyDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  } finally {
    await client.end();
  }
}
