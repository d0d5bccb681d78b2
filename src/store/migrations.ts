/**
 * Versioned schema changes, applied in order when the store opens. Each backend keeps its own
 * list (the SQL differs) with the same version numbers, tables and column names, so a database of
 * either kind at version N holds the same rows and a copy can move them verbatim. All the pending
 * migrations run in one transaction together with their `schema_migrations` rows, under a lock
 * (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: an advisory lock), so a crash mid-way leaves the previous
 * version intact and several processes opening an empty database at once migrate it once. Never
 * edit a released migration: append the next one to both lists.
 */
import type Database from 'better-sqlite3';
import type { ClientBase } from 'pg';
import { StoreError } from './errors.js';

export interface Migration {
  /** 1, 2, 3 … in order, without gaps. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Instants are INTEGER epoch milliseconds; action, quote, outcome, details and payloads are JSON
 * text; money lives inside the JSON as decimal strings of micro-units.
 */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'requests, request events, outbox, notices',
    sql: `
      CREATE TABLE requests (
        id                   TEXT PRIMARY KEY,
        state                TEXT NOT NULL,
        action               TEXT NOT NULL,
        quote                TEXT NOT NULL,
        requester            TEXT NOT NULL,
        reason               TEXT NOT NULL,
        created_at           INTEGER NOT NULL,
        expires_at           INTEGER NOT NULL,
        decided_by           TEXT,
        decided_at           INTEGER,
        decision_note        TEXT,
        execution_started_at INTEGER,
        finished_at          INTEGER,
        outcome              TEXT,
        card_channel         TEXT,
        card_ts              TEXT,
        version              INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX requests_by_created ON requests (created_at, id);
      CREATE INDEX requests_by_state ON requests (state, created_at);
      CREATE INDEX requests_pending_by_expiry ON requests (expires_at) WHERE state = 'pending';

      CREATE TABLE request_events (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id TEXT NOT NULL REFERENCES requests (id),
        at         INTEGER NOT NULL,
        actor      TEXT NOT NULL,
        type       TEXT NOT NULL,
        detail     TEXT NOT NULL
      ) STRICT;
      CREATE INDEX request_events_by_request ON request_events (request_id, id);

      CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        kind            TEXT NOT NULL,
        channel         TEXT NOT NULL,
        request_id      TEXT REFERENCES requests (id),
        user_id         TEXT,
        payload         TEXT,
        created_at      INTEGER NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        lease_until     INTEGER,
        last_error      TEXT,
        delivered_at    INTEGER
      ) STRICT;
      CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL;
      CREATE INDEX outbox_undelivered_by_request ON outbox (request_id, id)
        WHERE delivered_at IS NULL;

      CREATE TABLE notices (
        key    TEXT PRIMARY KEY,
        at     INTEGER NOT NULL,
        detail TEXT
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'watcher state',
    sql: `
      CREATE TABLE watch_state (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        version    INTEGER NOT NULL,
        value      TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'one open request per offering, AWS claims, triggers, dead messages',
    sql: `
      -- Set while a request is open (pending, executing, unknown) to service:kind:offering, NULL
      -- once it ends; the unique index makes a second open request for the same thing impossible.
      ALTER TABLE requests ADD COLUMN open_key TEXT;
      -- When the purchase/renew call was about to be sent; NULL means it never was.
      ALTER TABLE requests ADD COLUMN call_started_at INTEGER;
      UPDATE requests AS r SET open_key =
          json_extract(r.action, '$.service') || ':' || json_extract(r.action, '$.kind') || ':' ||
          COALESCE(json_extract(r.action, '$.offeringId'), json_extract(r.action, '$.offeringArn'))
        WHERE r.state IN ('pending', 'executing', 'unknown')
          AND NOT EXISTS (
            SELECT 1 FROM requests AS older
            WHERE older.state IN ('pending', 'executing', 'unknown')
              AND older.action = r.action AND older.created_at < r.created_at);
      CREATE UNIQUE INDEX requests_one_open ON requests (open_key);

      -- A transaction id or reservation ARN belongs to at most one request.
      CREATE TABLE aws_claims (
        aws_id     TEXT PRIMARY KEY,
        request_id TEXT NOT NULL REFERENCES requests (id),
        at         INTEGER NOT NULL
      ) STRICT;
      INSERT OR IGNORE INTO aws_claims (aws_id, request_id, at)
        SELECT COALESCE(json_extract(outcome, '$.transactionId'), json_extract(outcome, '$.reservationArn')),
               id, COALESCE(finished_at, created_at)
        FROM requests
        WHERE state = 'succeeded'
          AND COALESCE(json_extract(outcome, '$.transactionId'), json_extract(outcome, '$.reservationArn')) IS NOT NULL;

      -- Slack trigger ids already used to make a request: a replayed command or submission.
      CREATE TABLE seen_triggers (
        trigger_id TEXT PRIMARY KEY,
        at         INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX seen_triggers_by_at ON seen_triggers (at);

      -- A message Slack will never accept: kept with its error, never retried.
      ALTER TABLE outbox ADD COLUMN dead_at INTEGER;
    `,
  },
  {
    version: 4,
    name: 'leases',
    sql: `
      -- Work one process does at a time (polling AWS): who holds it, and until when.
      CREATE TABLE leases (
        name   TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        until  INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 5,
    name: 'approvals by amount, reminders',
    sql: `
      -- Different approvers the request needs (SLOTS_APPROVALS when it was made), the approvals
      -- so far as a JSON array of {by, at}, and the reminders already posted.
      ALTER TABLE requests ADD COLUMN approvals_needed INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE requests ADD COLUMN approvals TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE requests ADD COLUMN reminders_sent INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX requests_by_requester ON requests (requester, created_at);
    `,
  },
];

/**
 * Brings the database up to the last migration and returns the versions this call applied (none
 * when another process or an earlier open already did). Refuses a database migrated by a newer
 * slots-bot, whose schema this code does not know.
 */
export function runMigrations(
  db: Database.Database,
  migrations: readonly Migration[] = SQLITE_MIGRATIONS,
  now: () => Date = () => new Date(),
): number[] {
  checkMigrationList(migrations);
  const apply = db.transaction((): number[] => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    ) STRICT`);
    const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as {
      version: number | null;
    };
    const record = db.prepare(
      'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
    );
    const applied: number[] = [];
    for (const m of pendingMigrations(row.version ?? 0, migrations)) {
      db.exec(m.sql);
      record.run(m.version, m.name, now().getTime());
      applied.push(m.version);
    }
    return applied;
  });
  return apply.immediate();
}

/** Refuses a list whose versions are not 1, 2, 3 … in order. */
export function checkMigrationList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`migration ${m.name} has version ${m.version}; expected ${i + 1}`);
    }
  });
}

/**
 * The migrations a database at version `current` still needs, oldest first. A database at a
 * version this code does not know was migrated by a newer slots-bot: running against it could
 * write rows that version no longer accepts, so the store refuses to open.
 */
export function pendingMigrations(
  current: number,
  migrations: readonly Migration[],
): readonly Migration[] {
  const latest = migrations.length;
  if (current > latest) {
    throw new StoreError(
      'store_schema_too_new',
      `the database is at schema version ${current} but this slots-bot knows only up to ${latest}; run a newer slots-bot`,
    );
  }
  return migrations.slice(current);
}

/** The versions recorded in `schema_migrations`, oldest first. */
export function appliedMigrations(db: Database.Database): number[] {
  return (
    db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{
      version: number;
    }>
  ).map((r) => r.version);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/**
 * The same tables and columns as SQLite's. Instants are BIGINT epoch milliseconds and JSON is TEXT
 * (not jsonb), so rows move between the backends unchanged. Ids and keys that are sorted or
 * compared by range use the "C" collation: byte order, as in SQLite, whatever the database's locale.
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'requests, request events, outbox, notices',
    sql: `
      CREATE TABLE requests (
        id                   TEXT COLLATE "C" PRIMARY KEY,
        state                TEXT NOT NULL,
        action               TEXT NOT NULL,
        quote                TEXT NOT NULL,
        requester            TEXT NOT NULL,
        reason               TEXT NOT NULL,
        created_at           BIGINT NOT NULL,
        expires_at           BIGINT NOT NULL,
        decided_by           TEXT,
        decided_at           BIGINT,
        decision_note        TEXT,
        execution_started_at BIGINT,
        finished_at          BIGINT,
        outcome              TEXT,
        card_channel         TEXT,
        card_ts              TEXT,
        version              INTEGER NOT NULL
      );
      CREATE INDEX requests_by_created ON requests (created_at, id);
      CREATE INDEX requests_by_state ON requests (state, created_at);
      CREATE INDEX requests_pending_by_expiry ON requests (expires_at) WHERE state = 'pending';

      CREATE TABLE request_events (
        id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        request_id TEXT COLLATE "C" NOT NULL REFERENCES requests (id),
        at         BIGINT NOT NULL,
        actor      TEXT NOT NULL,
        type       TEXT NOT NULL,
        detail     TEXT NOT NULL
      );
      CREATE INDEX request_events_by_request ON request_events (request_id, id);

      CREATE TABLE outbox (
        id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        kind            TEXT NOT NULL,
        channel         TEXT NOT NULL,
        request_id      TEXT COLLATE "C" REFERENCES requests (id),
        user_id         TEXT,
        payload         TEXT,
        created_at      BIGINT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        lease_until     BIGINT,
        last_error      TEXT,
        delivered_at    BIGINT
      );
      CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL;
      CREATE INDEX outbox_undelivered_by_request ON outbox (request_id, id)
        WHERE delivered_at IS NULL;

      CREATE TABLE notices (
        key    TEXT COLLATE "C" PRIMARY KEY,
        at     BIGINT NOT NULL,
        detail TEXT
      );
    `,
  },
  {
    version: 2,
    name: 'watcher state',
    sql: `
      CREATE TABLE watch_state (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        version    INTEGER NOT NULL,
        value      TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'one open request per offering, AWS claims, triggers, dead messages',
    sql: `
      -- Set while a request is open (pending, executing, unknown) to service:kind:offering, NULL
      -- once it ends; the unique index makes a second open request for the same thing impossible.
      ALTER TABLE requests ADD COLUMN open_key TEXT COLLATE "C";
      -- When the purchase/renew call was about to be sent; NULL means it never was.
      ALTER TABLE requests ADD COLUMN call_started_at BIGINT;
      UPDATE requests AS r SET open_key =
          (r.action::jsonb ->> 'service') || ':' || (r.action::jsonb ->> 'kind') || ':' ||
          COALESCE(r.action::jsonb ->> 'offeringId', r.action::jsonb ->> 'offeringArn')
        WHERE r.state IN ('pending', 'executing', 'unknown')
          AND NOT EXISTS (
            SELECT 1 FROM requests AS older
            WHERE older.state IN ('pending', 'executing', 'unknown')
              AND older.action = r.action AND older.created_at < r.created_at);
      CREATE UNIQUE INDEX requests_one_open ON requests (open_key) WHERE open_key IS NOT NULL;

      -- A transaction id or reservation ARN belongs to at most one request.
      CREATE TABLE aws_claims (
        aws_id     TEXT COLLATE "C" PRIMARY KEY,
        request_id TEXT COLLATE "C" NOT NULL REFERENCES requests (id),
        at         BIGINT NOT NULL
      );
      INSERT INTO aws_claims (aws_id, request_id, at)
        SELECT COALESCE(outcome::jsonb ->> 'transactionId', outcome::jsonb ->> 'reservationArn'),
               id, COALESCE(finished_at, created_at)
        FROM requests
        WHERE state = 'succeeded'
          AND COALESCE(outcome::jsonb ->> 'transactionId', outcome::jsonb ->> 'reservationArn') IS NOT NULL
        ORDER BY COALESCE(finished_at, created_at), id
        ON CONFLICT (aws_id) DO NOTHING;

      -- Slack trigger ids already used to make a request: a replayed command or submission.
      CREATE TABLE seen_triggers (
        trigger_id TEXT COLLATE "C" PRIMARY KEY,
        at         BIGINT NOT NULL
      );
      CREATE INDEX seen_triggers_by_at ON seen_triggers (at);

      -- A message Slack will never accept: kept with its error, never retried.
      ALTER TABLE outbox ADD COLUMN dead_at BIGINT;
    `,
  },
  {
    version: 4,
    name: 'leases',
    sql: `
      -- Work one process does at a time (polling AWS): who holds it, and until when.
      CREATE TABLE leases (
        name   TEXT COLLATE "C" PRIMARY KEY,
        holder TEXT NOT NULL,
        until  BIGINT NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'approvals by amount, reminders',
    sql: `
      ALTER TABLE requests ADD COLUMN approvals_needed INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE requests ADD COLUMN approvals TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE requests ADD COLUMN reminders_sent INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX requests_by_requester ON requests (requester, created_at);
    `,
  },
];

/**
 * The advisory lock every slots-bot takes to migrate a PostgreSQL database: one key for the whole
 * database, so concurrent openers queue behind the first and then find nothing left to do.
 */
const MIGRATION_LOCK_KEY = 0x51075_b07;

/**
 * Brings a PostgreSQL database up to the last migration in one transaction under the advisory
 * lock, and returns the versions this call applied. `client` must not be inside a transaction.
 */
export async function runPostgresMigrations(
  client: ClientBase,
  migrations: readonly Migration[] = POSTGRES_MIGRATIONS,
  now: () => Date = () => new Date(),
): Promise<number[]> {
  checkMigrationList(migrations);
  await client.query('BEGIN');
  try {
    // Held until COMMIT or ROLLBACK; released by the server if this connection dies.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at BIGINT NOT NULL
    )`);
    const { rows } = await client.query<{ version: number | null }>(
      'SELECT MAX(version) AS version FROM schema_migrations',
    );
    const applied: number[] = [];
    for (const m of pendingMigrations(rows[0]?.version ?? 0, migrations)) {
      await client.query(m.sql);
      await client.query(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
        [m.version, m.name, now().getTime()],
      );
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * The versions recorded in a PostgreSQL database's `schema_migrations`, oldest first; `target` is
 * a connection, or a URL to open one for the question.
 */
export async function appliedPostgresMigrations(
  target: Pick<ClientBase, 'query'> | string,
): Promise<number[]> {
  if (typeof target === 'string') {
    // Loaded here, not at the top: a SQLite bot imports this module and never needs the driver.
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: target });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await appliedPostgresMigrations(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const { rows } = await target.query<{ version: number }>(
    'SELECT version FROM schema_migrations ORDER BY version',
  );
  return rows.map((r) => Number(r.version));
}
