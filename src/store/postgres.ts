/**
 * The PostgreSQL backend: several replicas share one database through a `pg` pool. Every mutation
 * is one transaction at READ COMMITTED whose guarantees come from the database, not from reading
 * first: a compare-and-set is one `UPDATE … WHERE state = ANY(…)` (a concurrent writer of the same
 * row waits, then finds the state changed and writes nothing), and the uniqueness rules are
 * constraints (one open request per offering, one request per AWS record, one request per
 * trigger, one row per notice key), so two replicas racing resolve in the index.
 *
 * A database that is away shows as `store_unavailable` and a lock held too long as `store_busy`,
 * never as a hang: connections, statements and idle transactions all have timeouts, and a client
 * whose connection broke is destroyed so the pool opens a fresh one.
 */
import pg from 'pg';
import { openKey, type PurchaseRequest, type RequestState } from '../domain/requests.js';
import { type Clock, systemClock } from '../lifecycle/clock.js';
import { StoreError } from './errors.js';
import { runPostgresMigrations } from './migrations.js';
import {
  approvalsNeededInput,
  approvalsText,
  awsNoticeKeys,
  claimedAwsId,
  errorText,
  eventParams,
  isAwsIdTaken,
  listFilters,
  listLimit,
  outboxParams,
  prefixEnd,
  type Row,
  remindersInput,
  statesInput,
  TRIGGER_MEMORY_MS,
  toEvent,
  toNotice,
  toOutboxMessage,
  toRequest,
  toWatchState,
} from './rows.js';
import type {
  NewEvent,
  NewNotice,
  NewOutboxMessage,
  NewRequest,
  NoticeRecord,
  OutboxHealth,
  OutboxMessage,
  Store,
  Transition,
  TransitionResult,
  WatchCommit,
  WatchCommitResult,
} from './store.js';
import {
  checkInput,
  checkLease,
  epochMs,
  jsonObjectSchema,
  quoteSchema,
  requestActionSchema,
  requestOutcomeSchema,
  requestStateSchema,
} from './stored-values.js';

export interface PostgresStoreOptions {
  /**
   * `postgres://` or `postgresql://`; what it leaves out comes from the `PG*` variables, and
   * `?sslmode=` is honoured (pg's own connection-string handling).
   */
  readonly url: string;
  /** Connections at most. Default 10. */
  readonly poolSize?: number;
  /** Stamps events and outbox messages written by transitions, `addEvent` and `enqueue`. */
  readonly clock?: Clock;
  /** How long one statement (or a wait for a row lock) may take. Default 5000 ms. */
  readonly statementTimeoutMs?: number;
  /** How long opening a connection may take. Default 3000 ms. */
  readonly connectTimeoutMs?: number;
}

const DEFAULT_POOL_SIZE = 10;
const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
/** Migrations may rewrite whole tables, and queue behind another replica's: longer than a statement. */
const MIGRATION_TIMEOUT_MS = 60_000;
/** Times a transaction the server aborted as a deadlock or serialization failure is tried again. */
const CONFLICT_RETRIES = 3;

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  try {
    await migrate(options);
  } catch (err) {
    throw toStoreError(err);
  }
  return createPostgresStore(createPool(options), options.clock ?? systemClock);
}

// ---------------------------------------------------------------------------------------------
// The pool

/** INT8 (BIGINT, COUNT) as a JS number: every instant and id we store fits in 2^53. */
const INT8_OID = 20;

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** Connection settings shared by the pool and the migrating client. */
function connectionConfig(
  options: PostgresStoreOptions,
  statementTimeoutMs: number,
): pg.ClientConfig {
  return {
    connectionString: options.url,
    application_name: 'slots-bot',
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    // Server side: a statement, a lock wait, or a transaction left idle by a stalled process
    // is cut off, so one hung query never holds rows (or the bot) for long. A lock wait gives up
    // a little before the statement would, so a row held by someone else reads as `store_busy`.
    statement_timeout: statementTimeoutMs,
    lock_timeout: Math.max(1, Math.floor(statementTimeoutMs * 0.8)),
    idle_in_transaction_session_timeout: statementTimeoutMs * 2,
    // Client side, a little later than the server's: catches a server that stopped answering.
    query_timeout: statementTimeoutMs + 1_000,
    // Probes idle connections, so one cut by a network drop is noticed before it is used.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types,
  };
}

function createPool(options: PostgresStoreOptions): pg.Pool {
  const statementTimeoutMs = Math.trunc(options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS);
  const pool = new pg.Pool({
    ...connectionConfig(options, statementTimeoutMs),
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
  });
  // An idle client whose server went away emits `error` on the pool (the pool drops it). Without
  // a listener that would crash the process; the next query reports the outage instead.
  pool.on('error', () => undefined);
  // The same for a checked-out client between two of its queries: its next query fails, and the
  // store releases it as broken.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

/** Migrates on a connection of its own, whose timeouts allow for a long migration or a queue. */
async function migrate(options: PostgresStoreOptions): Promise<void> {
  const client = new pg.Client(connectionConfig(options, MIGRATION_TIMEOUT_MS));
  client.on('error', () => undefined);
  try {
    await client.connect();
    await runPostgresMigrations(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Driver errors

/** Rolls a transaction back on purpose and hands `value` to the caller. */
class Rollback<T> {
  constructor(readonly value: T) {}
}

const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown (the server is stopping, or pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (the server is starting)
  '57014', // query_canceled (statement_timeout)
  '53300', // too_many_connections
  '25P03', // idle_in_transaction_session_timeout
]);
const BUSY_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** pg's own words for a connection that failed, timed out or is gone. */
const CONNECTION_MESSAGES =
  /Connection terminated|timeout expired|timeout exceeded when trying to connect|Query read timeout|not queryable|Client was closed/i;

type Failure = 'unavailable' | 'busy' | undefined;

/** The SQLSTATE the server answered with; no class starts with E, unlike errno codes (EPIPE). */
const sqlState = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-DF-Z][0-9A-Z]{4}$/.test(code) ? code : undefined;
};

/** What kind of failure `err` is, as far as the app can act on it. */
export function classifyPgError(err: unknown): Failure {
  if (err instanceof StoreError) return undefined;
  const state = sqlState(err);
  if (state !== undefined) {
    if (state.startsWith('08') || UNAVAILABLE_SQLSTATES.has(state)) return 'unavailable';
    if (BUSY_SQLSTATES.has(state)) return 'busy';
    return undefined;
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'unavailable';
  if (err instanceof AggregateError) return classifyPgError(err.errors[0]);
  if (err instanceof Error && CONNECTION_MESSAGES.test(err.message)) return 'unavailable';
  return undefined;
}

/**
 * Whether the connection `err` came from can be used again: only when the server answered with
 * an ordinary error. Anything else (a timeout on our side, a dead socket, a fatal error) leaves it
 * in an unknown state, so the pool must destroy it.
 */
function connectionSurvives(err: unknown): boolean {
  if (err instanceof StoreError || err instanceof Rollback) return true;
  const state = sqlState(err);
  if (state === undefined) return false;
  if (state.startsWith('08') || state.startsWith('57P') || state === '25P03') return false;
  return (err as { severity?: unknown }).severity !== 'FATAL';
}

/** The code and a sentence without the URL or password; the driver's error stays as the cause. */
function describeFailure(err: unknown): string {
  const state = sqlState(err);
  const code = (err as { code?: unknown } | null)?.code;
  if (state === '57014') return 'a statement took longer than the statement timeout';
  if (state === '55P03') return 'a row stayed locked by another transaction for too long';
  if (state !== undefined) return `the server reported ${state}`;
  if (typeof code === 'string') return code;
  return err instanceof Error && CONNECTION_MESSAGES.test(err.message)
    ? err.message.replace(/[^\w .'-].*$/, '')
    : 'the connection failed';
}

/** Driver errors the app can act on become `StoreError`s; the rest keep their own message. */
export function toStoreError(err: unknown): unknown {
  switch (classifyPgError(err)) {
    case 'unavailable':
      return new StoreError(
        'store_unavailable',
        `the database could not be reached or did not answer in time (${describeFailure(err)}); try again`,
        { cause: err },
      );
    case 'busy':
      return new StoreError(
        'store_busy',
        `the database is busy with a conflicting write (${describeFailure(err)}); try again`,
        { cause: err },
      );
    default: {
      // Class 22 (data exception): a value PostgreSQL cannot hold, such as a NUL character in
      // text. Nothing was written; the caller passed something this backend cannot store.
      const state = sqlState(err);
      if (state?.startsWith('22')) {
        return new StoreError('store_invalid_input', `a value cannot be stored (${state})`, {
          cause: err,
        });
      }
      return err;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The store

type Db = Pick<pg.PoolClient, 'query'>;

function createPostgresStore(pool: pg.Pool, clock: Clock): Store {
  /** Runs `fn` on one pooled connection; a broken connection is destroyed, not reused. */
  async function withClient<R>(fn: (db: pg.PoolClient) => Promise<R>): Promise<R> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw toStoreError(err);
    }
    try {
      const result = await fn(client);
      client.release();
      return result;
    } catch (err) {
      client.release(connectionSurvives(err) ? undefined : true);
      throw toStoreError(err);
    }
  }

  const read = <R>(fn: (db: Db) => Promise<R>): Promise<R> => withClient(fn);

  /**
   * Runs `fn` in one transaction. A `Rollback` thrown inside undoes everything and becomes the
   * result; a deadlock or serialization failure (the server rolled it back) is tried again.
   */
  async function tx<R>(fn: (db: Db) => Promise<R>): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await withClient(async (client) => {
          await client.query('BEGIN');
          try {
            const result = await fn(client);
            await client.query('COMMIT');
            return result;
          } catch (err) {
            // A broken connection is not asked to roll back (it could hang as long again): it is
            // destroyed, and the server rolls back when the socket closes. If ROLLBACK itself
            // fails, its error (not an ordinary server answer) gets the connection destroyed.
            if (connectionSurvives(err)) await client.query('ROLLBACK');
            throw err;
          }
        });
      } catch (err) {
        if (err instanceof Rollback) return err.value as R;
        const retriable =
          err instanceof StoreError &&
          err.code === 'store_busy' &&
          ['40001', '40P01'].includes(sqlState(err.cause) ?? '');
        if (!retriable || attempt >= CONFLICT_RETRIES) throw err;
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * (attempt + 1)));
      }
    }
  }

  const now = () => epochMs(clock(), 'the clock');

  const readRequest = async (db: Db, id: string): Promise<PurchaseRequest | undefined> => {
    const { rows } = await db.query<Row>('SELECT * FROM requests WHERE id = $1', [id]);
    return rows[0] ? toRequest(rows[0]) : undefined;
  };

  const mustExist = async (db: Db, requestId: string, what: string) => {
    const { rowCount } = await db.query('SELECT 1 FROM requests WHERE id = $1', [requestId]);
    if (rowCount !== 1) {
      throw new StoreError(
        'store_not_found',
        `${what} refers to request ${requestId}, which does not exist`,
      );
    }
  };

  const insertEvent = async (db: Db, requestId: string, event: NewEvent, at: number) => {
    const e = eventParams(requestId, event, at);
    await db.query(
      `INSERT INTO request_events (request_id, at, actor, type, detail)
       VALUES ($1, $2, $3, $4, $5)`,
      [e.request_id, e.at, e.actor, e.type, e.detail],
    );
  };

  const queue = async (db: Db, messages: readonly NewOutboxMessage[], at: number) => {
    for (const message of messages) {
      const m = outboxParams(message, at);
      if (m.request_id !== null) await mustExist(db, m.request_id, 'an outbox message');
      await db.query(
        `INSERT INTO outbox (kind, channel, request_id, user_id, payload, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)`,
        [m.kind, m.channel, m.request_id, m.user_id, m.payload, m.at],
      );
    }
  };

  /** True when this call recorded the key (it was new). */
  const insertNotice = async (db: Db, notice: NewNotice, at: number): Promise<boolean> => {
    if (typeof notice.key !== 'string' || notice.key === '') {
      throw new StoreError('store_invalid_input', 'a notice needs a key');
    }
    const detail =
      notice.detail === undefined
        ? null
        : JSON.stringify(checkInput(jsonObjectSchema, notice.detail, 'the notice detail'));
    const { rowCount } = await db.query(
      'INSERT INTO notices (key, at, detail) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING',
      [notice.key, at, detail],
    );
    return rowCount === 1;
  };

  /** Ids of `ids` claimed by a request other than `requestId`, or announced as outside the bot. */
  const takenIds = async (
    db: Db,
    ids: readonly string[],
    requestId: string,
  ): Promise<Set<string>> => {
    const list = [...new Set(ids.map(String))];
    if (list.length === 0) return new Set();
    const claims = await db.query<{ aws_id: string; request_id: string }>(
      'SELECT aws_id, request_id FROM aws_claims WHERE aws_id = ANY($1::text[])',
      [list],
    );
    const notices = await db.query<Row>(
      'SELECT key, at, detail FROM notices WHERE key = ANY($1::text[])',
      [list.flatMap(awsNoticeKeys)],
    );
    const owners = new Map(claims.rows.map((r) => [r.aws_id, r.request_id]));
    const byKey = new Map<string, NoticeRecord>(
      notices.rows.map((row) => [String(row.key), toNotice(row)]),
    );
    return new Set(
      list.filter((awsId) =>
        isAwsIdTaken(
          requestId,
          owners.get(awsId),
          awsNoticeKeys(awsId).flatMap((key) => byKey.get(key) ?? []),
        ),
      ),
    );
  };

  const createRequest = (
    request: NewRequest,
    event: NewEvent,
    outbox: readonly NewOutboxMessage[],
  ) =>
    tx(async (db) => {
      const at = epochMs(request.createdAt, 'createdAt');
      if (typeof request.id !== 'string' || request.id === '') {
        throw new StoreError('store_invalid_input', 'a request needs an id');
      }
      if ((await db.query('SELECT 1 FROM requests WHERE id = $1', [request.id])).rowCount) {
        throw new StoreError('store_conflict', `request ${request.id} already exists`);
      }
      const action = checkInput(requestActionSchema, request.action, 'the action');
      const quote = checkInput(quoteSchema, request.quote, 'the quote');
      const expiresAt = epochMs(request.expiresAt, 'expiresAt');
      const key = openKey(action);
      const approvalsNeeded = approvalsNeededInput(request.approvalsNeeded);
      const insert = () =>
        // The unique index decides: a concurrent request for the same offering makes this insert
        // wait for it, then do nothing if it committed.
        db.query(
          `INSERT INTO requests (id, state, action, quote, requester, reason, created_at, expires_at, version, open_key, approvals_needed)
           VALUES ($1, 'pending', $2, $3, $4, $5, $6, $7, 1, $8, $9)
           ON CONFLICT (open_key) WHERE open_key IS NOT NULL DO NOTHING`,
          [
            request.id,
            JSON.stringify(action),
            JSON.stringify(quote),
            request.requester,
            request.reason,
            at,
            expiresAt,
            key,
            approvalsNeeded,
          ],
        );
      // The open request may end between the insert and the look-up: then try again.
      for (let attempt = 1; (await insert()).rowCount !== 1; attempt++) {
        const open = await db.query<{ id: string }>('SELECT id FROM requests WHERE open_key = $1', [
          key,
        ]);
        const openId = open.rows[0]?.id;
        if (openId !== undefined || attempt >= 3) {
          throw new StoreError('store_open_request', `request ${openId} is open for ${key}`, {
            detail: { openRequestId: openId ?? '' },
          });
        }
      }
      if (request.triggerId !== undefined) {
        await db.query('DELETE FROM seen_triggers WHERE at < $1', [at - TRIGGER_MEMORY_MS]);
        const remembered = await db.query(
          `INSERT INTO seen_triggers (trigger_id, at) VALUES ($1, $2)
           ON CONFLICT (trigger_id) DO NOTHING`,
          [String(request.triggerId), at],
        );
        if (remembered.rowCount !== 1) {
          throw new StoreError(
            'store_duplicate_trigger',
            'a request was already made from this trigger',
          );
        }
      }
      await insertEvent(db, request.id, event, at);
      await queue(db, outbox, at);
      return (await readRequest(db, request.id))!;
    }).catch((err: unknown) => {
      throw uniqueViolation(err) ?? err;
    });

  const transition = async (id: string, t: Transition): Promise<TransitionResult> => {
    const from = checkInput(statesInput.min(1), t.from, 'the from-states');
    const to = checkInput(requestStateSchema, t.to, 'the to-state');
    const p = t.patch ?? {};
    const date = (d: Date | undefined, what: string) => (d === undefined ? null : epochMs(d, what));
    const outcome =
      p.outcome === undefined
        ? undefined
        : checkInput(requestOutcomeSchema, p.outcome, 'the outcome');
    const awsId = claimedAwsId(to, outcome);
    const params = [
      id,
      to,
      from,
      t.expectedVersion ?? null,
      p.decidedBy ?? null,
      date(p.decidedAt, 'decidedAt'),
      p.decisionNote ?? null,
      date(p.executionStartedAt, 'executionStartedAt'),
      date(p.callStartedAt, 'callStartedAt'),
      date(p.finishedAt, 'finishedAt'),
      outcome === undefined ? null : JSON.stringify(outcome),
      approvalsText(p.approvals),
      remindersInput(p.remindersSent),
    ];

    /** Not applied: the request as it is, and why when it was in an expected state. */
    const notApplied = async (db: Db): Promise<TransitionResult> => {
      const current = await readRequest(db, id);
      const expected = current !== undefined && from.includes(current.state);
      const taken = expected && awsId !== undefined && (await takenIds(db, [awsId], id)).size > 0;
      return {
        applied: false,
        request: current,
        ...(taken && { refused: { code: 'aws_record_taken' as const, awsId } }),
      };
    };

    const result = await tx(async (db): Promise<TransitionResult | 'refused'> => {
      // The compare-and-set: the WHERE clause is the whole check. A concurrent writer of this row
      // makes it wait, then it is evaluated again on the row that writer left.
      const updated = await db.query<Row>(
        `UPDATE requests SET
           state = $2,
           version = version + 1,
           decided_by = COALESCE($5, decided_by),
           decided_at = COALESCE($6, decided_at),
           decision_note = COALESCE($7, decision_note),
           execution_started_at = COALESCE($8, execution_started_at),
           call_started_at = COALESCE($9, call_started_at),
           finished_at = COALESCE($10, finished_at),
           outcome = COALESCE($11, outcome),
           approvals = COALESCE($12, approvals),
           reminders_sent = COALESCE($13::integer, reminders_sent),
           open_key = CASE WHEN $2 IN ('pending', 'executing', 'unknown') THEN open_key END
         WHERE id = $1 AND state = ANY($3::text[])
           AND ($4::integer IS NULL OR version = $4::integer)
         RETURNING *`,
        params,
      );
      const row = updated.rows[0];
      if (row === undefined) return notApplied(db);
      const at = now();
      if (awsId !== undefined) {
        // The primary key decides between two requests claiming one record at once.
        const claimed = await db.query(
          `INSERT INTO aws_claims (aws_id, request_id, at) VALUES ($1, $2, $3)
           ON CONFLICT (aws_id) DO NOTHING`,
          [awsId, id, at],
        );
        if (claimed.rowCount !== 1) throw new Rollback('refused' as const);
      }
      await insertEvent(db, id, t.event, at);
      await queue(db, t.outbox ?? [], at);
      for (const notice of t.notices ?? []) await insertNotice(db, notice, at);
      // Checked after writing this request's own notice keys, so a watcher that recorded one of
      // them first (as made outside the bot) is seen here, in this transaction's last statement.
      if (awsId !== undefined && (await takenIds(db, [awsId], id)).size > 0) {
        throw new Rollback('refused' as const);
      }
      return { applied: true, request: toRequest(row) };
    });
    if (result !== 'refused') return result;
    return read(notApplied);
  };

  const claimOutbox = async (
    now: Date,
    limit: number,
    leaseMs: number,
  ): Promise<OutboxMessage[]> => {
    const at = epochMs(now, 'now');
    if (!Number.isSafeInteger(leaseMs) || leaseMs <= 0) {
      throw new StoreError('store_invalid_input', 'leaseMs must be a positive whole number');
    }
    const count = Math.floor(limit);
    if (!(count >= 1)) return [];
    return tx(async (db) => {
      // Due, not leased, neither delivered nor dead, and the oldest such message of its request.
      // SKIP LOCKED: rows another replica is leasing right now are passed over, never waited
      // for; a row it leased and committed is re-checked on lock and no longer qualifies.
      const { rows } = await db.query<Row>(
        `SELECT o.* FROM outbox AS o
         WHERE o.delivered_at IS NULL
           AND o.dead_at IS NULL
           AND o.next_attempt_at <= $1
           AND (o.lease_until IS NULL OR o.lease_until <= $1)
           AND (o.request_id IS NULL OR NOT EXISTS (
             SELECT 1 FROM outbox AS earlier
             WHERE earlier.request_id = o.request_id
               AND earlier.delivered_at IS NULL
               AND earlier.dead_at IS NULL
               AND earlier.id < o.id))
         ORDER BY o.id
         LIMIT $2
         FOR UPDATE OF o SKIP LOCKED`,
        [at, count],
      );
      // Decode before leasing: a corrupt row aborts the whole claim instead of leasing garbage.
      const messages = rows.map(toOutboxMessage);
      if (messages.length > 0) {
        await db.query('UPDATE outbox SET lease_until = $1 WHERE id = ANY($2::bigint[])', [
          at + leaseMs,
          messages.map((m) => m.id),
        ]);
      }
      return messages;
    });
  };

  /**
   * A poll's writes. The quiet keys (a first poll's whole history) go in one statement, so the
   * transaction holds the watch state's row for as few round trips as it can. A notice's detail
   * is kept with its first key (its own, which its buttons carry); its other keys are recorded
   * bare, since only their presence is read, and a grouped notice of hundreds of transactions
   * would otherwise be written once per transaction.
   */
  const commitWatch = (commit: WatchCommit): Promise<WatchCommitResult> =>
    tx(async (db) => {
      const at = epochMs(commit.at, 'the poll time');
      const value = JSON.stringify(checkInput(jsonObjectSchema, commit.value, 'the watch state'));
      // Two replicas committing the same version: the second waits on the row (or the key),
      // then finds the version moved on and writes nothing.
      const saved =
        commit.expectedVersion === 0
          ? await db.query(
              `INSERT INTO watch_state (id, version, value, updated_at) VALUES (1, 1, $1, $2)
               ON CONFLICT (id) DO NOTHING`,
              [value, at],
            )
          : await db.query(
              `UPDATE watch_state SET version = version + 1, value = $1, updated_at = $2
               WHERE id = 1 AND version = $3`,
              [value, at, commit.expectedVersion],
            );
      if (saved.rowCount !== 1) return { applied: false, announced: 0 };
      await insertKeys(db, commit.quietKeys, at);
      let announced = 0;
      for (const notice of commit.notices) {
        let fresh = false;
        for (const [i, key] of notice.keys.entries()) {
          const detail = i === 0 ? notice.detail : undefined;
          if (await insertNotice(db, { key, ...(detail && { detail }) }, at)) fresh = true;
        }
        if (!fresh) continue;
        await queue(db, notice.outbox, at);
        announced += 1;
      }
      return { applied: true, announced };
    });

  /** Records bare keys, those not yet recorded, in one statement. */
  const insertKeys = async (db: Db, keys: readonly string[], at: number) => {
    if (keys.some((key) => typeof key !== 'string' || key === '')) {
      throw new StoreError('store_invalid_input', 'a notice needs a key');
    }
    if (keys.length === 0) return;
    await db.query(
      `INSERT INTO notices (key, at) SELECT key, $2::bigint FROM unnest($1::text[]) AS k (key)
       ON CONFLICT (key) DO NOTHING`,
      [keys, at],
    );
  };

  const outboxHealth = (): Promise<OutboxHealth> =>
    read(async (db) => {
      const { rows } = await db.query<{
        dead: number;
        last: number | null;
        waiting: number;
        oldest: number | null;
      }>(
        `SELECT COUNT(*) FILTER (WHERE dead_at IS NOT NULL) AS dead,
                MAX(dead_at) AS last,
                COUNT(*) FILTER (WHERE dead_at IS NULL) AS waiting,
                MIN(created_at) FILTER (WHERE dead_at IS NULL) AS oldest
         FROM outbox WHERE delivered_at IS NULL`,
      );
      const r = rows[0] ?? { dead: 0, last: null, waiting: 0, oldest: null };
      return {
        dead: r.dead,
        ...(r.last !== null && { lastDeadAt: new Date(r.last) }),
        waiting: r.waiting,
        ...(r.oldest !== null && { oldestWaitingSince: new Date(r.oldest) }),
      };
    });

  let closed: Promise<void> | undefined;

  return {
    createRequest,
    getRequest: (id) => read((db) => readRequest(db, id)),
    transition,
    addEvent: (requestId, event) =>
      tx(async (db) => {
        await mustExist(db, requestId, 'an event');
        await insertEvent(db, requestId, event, now());
      }),
    listRequests: (query = {}) =>
      read(async (db) => {
        const states =
          query.states === undefined ? null : checkInput(statesInput, query.states, 'the states');
        const f = listFilters(query);
        const [order, beyond] = query.oldestFirst ? ['ASC', '>'] : ['DESC', '<'];
        const { rows } = await db.query<Row>(
          `SELECT * FROM requests
           WHERE ($1::text[] IS NULL OR state = ANY($1::text[]))
             AND ($3::text IS NULL OR requester = $3::text)
             AND ($4::bigint IS NULL OR created_at >= $4::bigint)
             AND ($5::bigint IS NULL OR (created_at, id) ${beyond} ($5::bigint, $6::text))
           ORDER BY created_at ${order}, id ${order}
           LIMIT $2`,
          [states, listLimit(query.limit), f.requester, f.since, f.after_at, f.after_id],
        );
        return rows.map(toRequest);
      }),
    countRequestsByState: () =>
      read(async (db) => {
        const { rows } = await db.query<{ state: RequestState; n: string }>(
          'SELECT state, COUNT(*) AS n FROM requests GROUP BY state',
        );
        const counts: Partial<Record<RequestState, number>> = {};
        for (const row of rows) counts[row.state] = Number(row.n);
        return counts;
      }),
    listEvents: (requestId) =>
      read(async (db) => {
        const { rows } = await db.query<Row>(
          'SELECT * FROM request_events WHERE request_id = $1 ORDER BY id',
          [requestId],
        );
        return rows.map(toEvent);
      }),
    takenAwsIds: (ids, requestId) => read((db) => takenIds(db, ids, requestId)),
    listExpired: (when) =>
      read(async (db) => {
        const { rows } = await db.query<Row>(
          `SELECT * FROM requests WHERE state = 'pending' AND expires_at <= $1
           ORDER BY expires_at, id`,
          [epochMs(when, 'now')],
        );
        return rows.map(toRequest);
      }),
    setCard: (requestId, card) =>
      read(async (db) => {
        await db.query(
          `UPDATE requests SET card_channel = $2, card_ts = $3
           WHERE id = $1 AND card_ts IS NULL`,
          [requestId, card.channel, card.ts],
        );
      }),
    enqueue: (messages) => tx((db) => queue(db, messages, now())),
    claimOutbox,
    markDelivered: (messageId, at) =>
      read(async (db) => {
        await db.query(
          `UPDATE outbox SET delivered_at = $2, lease_until = NULL
           WHERE id = $1 AND delivered_at IS NULL`,
          [messageId, epochMs(at, 'the delivery time')],
        );
      }),
    markFailed: (messageId, nextAttemptAt, error) =>
      read(async (db) => {
        await db.query(
          `UPDATE outbox
           SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, lease_until = NULL
           WHERE id = $1 AND delivered_at IS NULL AND dead_at IS NULL`,
          [messageId, epochMs(nextAttemptAt, 'nextAttemptAt'), errorText(error)],
        );
      }),
    markDead: (messageId, at, error) =>
      read(async (db) => {
        await db.query(
          `UPDATE outbox
           SET attempts = attempts + 1, dead_at = $2, last_error = $3, lease_until = NULL
           WHERE id = $1 AND delivered_at IS NULL AND dead_at IS NULL`,
          [messageId, epochMs(at, 'the time of death'), errorText(error)],
        );
      }),
    recordNotice: (key, at, detail) =>
      read((db) =>
        insertNotice(
          db,
          { key, ...(detail !== undefined && { detail }) },
          epochMs(at, 'the notice time'),
        ),
      ),
    getNotice: (key) =>
      read(async (db) => {
        const { rows } = await db.query<Row>('SELECT key, at, detail FROM notices WHERE key = $1', [
          key,
        ]);
        return rows[0] ? toNotice(rows[0]) : undefined;
      }),
    listNoticeKeys: (prefix = '') =>
      read(async (db) => {
        // A range on the "C"-collated primary key: the index serves it, unlike LIKE.
        const { rows } = await db.query<{ key: string }>(
          'SELECT key FROM notices WHERE key >= $1 AND ($2::text IS NULL OR key < $2::text)',
          [prefix, prefixEnd(prefix)],
        );
        return new Set(rows.map((r) => r.key));
      }),
    getWatchState: () =>
      read(async (db) => {
        const { rows } = await db.query<Row>(
          'SELECT version, value, updated_at FROM watch_state WHERE id = 1',
        );
        return rows[0] ? toWatchState(rows[0]) : undefined;
      }),
    commitWatch,
    listOutbox: (requestId) =>
      read(async (db) => {
        const { rows } = await db.query<Row>(
          'SELECT * FROM outbox WHERE request_id = $1 ORDER BY id',
          [requestId],
        );
        return rows.map(toOutboxMessage);
      }),
    outboxHealth,
    acquireLease: async (name, holder, when, ttlMs) => {
      checkLease(name, holder, ttlMs);
      const at = epochMs(when, 'now');
      return read(async (db) => {
        // Taken when free, expired or already the holder's; the row lock of ON CONFLICT makes two
        // replicas asking at once see each other's answer.
        const { rowCount } = await db.query(
          `INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3)
           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
           WHERE leases.holder = excluded.holder OR leases.until <= $4`,
          [name, holder, at + ttlMs, at],
        );
        return rowCount === 1;
      });
    },
    releaseLease: (name, holder) =>
      read(async (db) => {
        await db.query('DELETE FROM leases WHERE name = $1 AND holder = $2', [name, holder]);
      }),
    ping: () =>
      read(async (db) => {
        await db.query('SELECT 1');
      }),
    close() {
      closed ??= pool.end();
      return closed;
    },
  };
}

/**
 * A unique violation that escaped the ON CONFLICT clauses: two callers creating the same request
 * id at once (the primary key decides).
 */
function uniqueViolation(err: unknown): StoreError | undefined {
  if (sqlState(err) !== '23505') return undefined;
  const constraint = (err as { constraint?: unknown }).constraint;
  if (constraint === 'requests_pkey') {
    return new StoreError('store_conflict', 'a request with this id already exists', {
      cause: err,
    });
  }
  return undefined;
}
