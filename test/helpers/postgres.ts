/**
 * A real PostgreSQL server for tests: where it is, whether it answers, and a fresh database per
 * test that is dropped afterwards. Without a server the PostgreSQL tests are skipped with one line
 * saying how to run them; with `SLOTS_REQUIRE_POSTGRES=1` (CI) they fail instead.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, it } from 'vitest';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The server tests use: `SLOTS_TEST_POSTGRES_URL`, or the local default. */
export function pgServerUrl(): string {
  return process.env.SLOTS_TEST_POSTGRES_URL || DEFAULT_URL;
}

/** True when tests must not skip (CI). */
export function postgresRequired(): boolean {
  return process.env.SLOTS_REQUIRE_POSTGRES === '1';
}

/** `url` without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparsable URL)';
  }
}

let ready: Promise<boolean> | undefined;

/** Whether the server answers; asked once per test file. */
export function postgresReady(): Promise<boolean> {
  ready ??= (async () => {
    const client = new pg.Client({
      connectionString: pgServerUrl(),
      connectionTimeoutMillis: 2_000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return ready;
}

// Known before any `describe` runs: a skipped suite must be decided while the file is collected.
const available = await postgresReady();
let toldSkipped = false;

/**
 * `describe` for tests that need the server. Skipped, with one line, when none answers; failing
 * when `SLOTS_REQUIRE_POSTGRES=1`, so CI never passes by skipping.
 */
export function describePostgres(name: string, fn: () => void): void {
  if (available) {
    describe(name, fn);
    return;
  }
  const why = `no server at ${redactUrl(pgServerUrl())}`;
  if (postgresRequired()) {
    describe(name, () => {
      it('has a PostgreSQL server (SLOTS_REQUIRE_POSTGRES=1)', () => {
        throw new Error(
          `PostgreSQL tests cannot run: ${why}; SLOTS_REQUIRE_POSTGRES=1 forbids skipping`,
        );
      });
    });
    return;
  }
  if (!toldSkipped) {
    toldSkipped = true;
    console.warn(`PostgreSQL tests skipped: ${why}; start one or set SLOTS_TEST_POSTGRES_URL`);
  }
  describe.skip(name, fn);
}

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  /** Drops the database, ending whatever connections are still open on it. */
  drop(): Promise<void>;
}

/** `url` pointing at database `name` on the same server. */
export function databaseUrl(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function onServer<R>(fn: (client: pg.Client) => Promise<R>): Promise<R> {
  const client = new pg.Client({ connectionString: pgServerUrl(), connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A new, empty database on the test server, named for this process and a random suffix so
 * helpers and test files running at once never meet.
 */
export async function createTestDatabase(prefix = 'slots_test'): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`.toLowerCase();
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad test database name ${name}`);
  swept ??= sweepAbandoned().catch(() => undefined);
  await swept;
  // template0: copying template1 fails while anyone else is connected to it.
  await onServer((c) => c.query(`CREATE DATABASE ${name} TEMPLATE template0`));
  let dropped: Promise<void> | undefined;
  return {
    name,
    url: databaseUrl(pgServerUrl(), name),
    drop() {
      dropped ??= onServer(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
      return dropped;
    },
  };
}

/** The shape of a name `createTestDatabase` makes: prefix, owner's pid, random suffix. */
const TEST_DATABASE_NAME = /^[a-z_][a-z0-9_]*_(\d+)_[0-9a-f]{8}$/;
let swept: Promise<void> | undefined;

/**
 * Drops test databases left by test processes that died before dropping them (a killed run), so
 * the shared server does not fill up. A database whose process still runs is never touched.
 */
async function sweepAbandoned(): Promise<void> {
  await onServer(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE NOT datistemplate',
    );
    for (const { datname } of rows) {
      const pid = TEST_DATABASE_NAME.exec(datname)?.[1];
      if (pid === undefined || processRuns(Number(pid))) continue;
      await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
    }
  });
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
