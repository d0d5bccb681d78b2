/**
 * Versioned schema changes for the SQLite backend, applied in order when the store opens. All the
 * pending ones run in one `BEGIN IMMEDIATE` transaction together with their `schema_migrations`
 * rows, so a crash mid-way leaves the previous version intact and two processes opening a new file
 * at once cannot both apply version 1. Never edit a released migration: append the next one.
 * (A PostgreSQL backend keeps its own list of the same shape.)
 */
import type Database from 'better-sqlite3';
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
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`migration ${m.name} has version ${m.version}; expected ${i + 1}`);
    }
  });
  const latest = migrations.length;
  const apply = db.transaction((): number[] => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    ) STRICT`);
    const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as {
      version: number | null;
    };
    const current = row.version ?? 0;
    if (current > latest) {
      throw new StoreError(
        'store_schema_too_new',
        `the database is at schema version ${current} but this slots-bot knows only up to ${latest}; run a newer slots-bot`,
      );
    }
    const record = db.prepare(
      'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
    );
    const applied: number[] = [];
    for (const m of migrations.slice(current)) {
      db.exec(m.sql);
      record.run(m.version, m.name, now().getTime());
      applied.push(m.version);
    }
    return applied;
  });
  return apply.immediate();
}

/** The versions recorded in `schema_migrations`, oldest first. */
export function appliedMigrations(db: Database.Database): number[] {
  return (
    db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{
      version: number;
    }>
  ).map((r) => r.version);
}
