/**
 * The SQLite backend: one file in WAL mode, shared safely by several processes. Every mutation is
 * one `BEGIN IMMEDIATE` transaction, which takes the file's write lock up front, so writers
 * queue (for up to the busy timeout) instead of interleaving, and a compare-and-set read and its
 * write can never be split by another process.
 *
 * better-sqlite3 is synchronous: each method does its work before returning its promise, and a
 * transaction never spans an `await`.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { openKey, type PurchaseRequest, type RequestState } from '../domain/requests.js';
import { type Clock, systemClock } from '../lifecycle/clock.js';
import { mapInSlices } from '../lifecycle/slices.js';
import { StoreError } from './errors.js';
import { runMigrations } from './migrations.js';
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

export interface SqliteStoreOptions {
  /** A file path (its directory is created), or `:memory:` for a private throwaway database. */
  readonly path: string;
  /** Stamps events and outbox messages written by transitions, `addEvent` and `enqueue`. */
  readonly clock?: Clock;
  /** How long a write waits for another process's transaction to finish. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  if (options.path !== ':memory:' && options.path !== '') {
    mkdirSync(dirname(options.path), { recursive: true });
  }
  const busyTimeoutMs = Math.trunc(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  const db = new Database(options.path);
  try {
    // Opening may wait inside SQLite: nothing is served yet.
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // FULL: a committed `executing` must survive a power cut, or the request could run twice.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Switching a new file to WAL answers SQLITE_BUSY at once, without the busy handler, while
    // another process is doing the same; so the first open retries until the busy timeout.
    await retryWhileBusy(busyTimeoutMs, () => {
      db.pragma('journal_mode = WAL');
      runMigrations(db);
    });
    // From here on no waiting inside SQLite: its busy handler sleeps on the event loop's thread,
    // freezing acks and /healthz while another process holds the write lock. `read` and `write`
    // wait on timers instead.
    db.pragma('busy_timeout = 0');
    return createSqliteStore(db, options.clock ?? systemClock, busyTimeoutMs);
  } catch (err) {
    db.close();
    throw mapDriverError(err);
  }
}

async function retryWhileBusy<R>(timeoutMs: number, fn: () => R): Promise<R> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err;
      // Jitter keeps processes that wait for the same lock from retrying in step.
      const wait = Math.min(50, 2 * 2 ** attempt) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

function isBusy(err: unknown): boolean {
  return err instanceof Database.SqliteError && /^SQLITE_BUSY/.test(err.code);
}

// ---------------------------------------------------------------------------------------------
// The store

/** A notice of a poll with its JSON made, ready for the transaction. */
interface PreparedWatchNotice {
  readonly keys: readonly string[];
  readonly detail: string | null;
  readonly outbox: readonly ReturnType<typeof outboxParams>[];
}

function createSqliteStore(db: Database.Database, clock: Clock, busyTimeoutMs: number): Store {
  const sql = {
    getRequest: db.prepare('SELECT * FROM requests WHERE id = ?'),
    requestExists: db.prepare('SELECT 1 FROM requests WHERE id = ?').pluck(),
    insertRequest: db.prepare(
      `INSERT INTO requests (id, state, action, quote, requester, reason, created_at, expires_at, version, open_key, approvals_needed)
       VALUES (@id, 'pending', @action, @quote, @requester, @reason, @created_at, @expires_at, 1, @open_key, @approvals_needed)`,
    ),
    openRequestFor: db.prepare('SELECT id FROM requests WHERE open_key = ?').pluck(),
    rememberTrigger: db.prepare(
      'INSERT INTO seen_triggers (trigger_id, at) VALUES (?, ?) ON CONFLICT (trigger_id) DO NOTHING',
    ),
    forgetTriggers: db.prepare('DELETE FROM seen_triggers WHERE at < ?'),
    claimOf: db.prepare('SELECT request_id FROM aws_claims WHERE aws_id = ?').pluck(),
    insertClaim: db.prepare('INSERT INTO aws_claims (aws_id, request_id, at) VALUES (?, ?, ?)'),
    // The compare-and-set: the WHERE clause is the whole check, `changes` says whether it held.
    transition: db.prepare(
      `UPDATE requests SET
         state = @to,
         version = version + 1,
         decided_by = COALESCE(@decided_by, decided_by),
         decided_at = COALESCE(@decided_at, decided_at),
         decision_note = COALESCE(@decision_note, decision_note),
         execution_started_at = COALESCE(@execution_started_at, execution_started_at),
         call_started_at = COALESCE(@call_started_at, call_started_at),
         finished_at = COALESCE(@finished_at, finished_at),
         outcome = COALESCE(@outcome, outcome),
         approvals = COALESCE(@approvals, approvals),
         reminders_sent = COALESCE(@reminders_sent, reminders_sent),
         open_key = CASE WHEN @to IN ('pending', 'executing', 'unknown') THEN open_key END
       WHERE id = @id AND state IN (SELECT value FROM json_each(@from))
         AND (@version IS NULL OR version = @version)`,
    ),
    setCard: db.prepare(
      `UPDATE requests SET card_channel = @channel, card_ts = @ts
       WHERE id = @id AND card_ts IS NULL`,
    ),
    listRequests: db.prepare(
      `SELECT * FROM requests
       WHERE (@states IS NULL OR state IN (SELECT value FROM json_each(@states)))
         AND (@requester IS NULL OR requester = @requester)
         AND (@since IS NULL OR created_at >= @since)
         AND (@after_at IS NULL OR (created_at, id) < (@after_at, @after_id))
       ORDER BY created_at DESC, id DESC
       LIMIT @limit`,
    ),
    listRequestsOldestFirst: db.prepare(
      `SELECT * FROM requests
       WHERE (@states IS NULL OR state IN (SELECT value FROM json_each(@states)))
         AND (@requester IS NULL OR requester = @requester)
         AND (@since IS NULL OR created_at >= @since)
         AND (@after_at IS NULL OR (created_at, id) > (@after_at, @after_id))
       ORDER BY created_at, id
       LIMIT @limit`,
    ),
    countByState: db.prepare('SELECT state, COUNT(*) AS n FROM requests GROUP BY state'),
    listExpired: db.prepare(
      `SELECT * FROM requests WHERE state = 'pending' AND expires_at <= ?
       ORDER BY expires_at, id`,
    ),
    insertEvent: db.prepare(
      `INSERT INTO request_events (request_id, at, actor, type, detail)
       VALUES (@request_id, @at, @actor, @type, @detail)`,
    ),
    listEvents: db.prepare('SELECT * FROM request_events WHERE request_id = ? ORDER BY id'),
    insertOutbox: db.prepare(
      `INSERT INTO outbox (kind, channel, request_id, user_id, payload, created_at, next_attempt_at)
       VALUES (@kind, @channel, @request_id, @user_id, @payload, @at, @at)`,
    ),
    // Due, not leased, neither delivered nor dead, and the oldest such message of its request: a
    // dead message is finished, so it no longer holds back the ones after it.
    dueOutbox: db.prepare(
      `SELECT * FROM outbox AS o
       WHERE o.delivered_at IS NULL
         AND o.dead_at IS NULL
         AND o.next_attempt_at <= @now
         AND (o.lease_until IS NULL OR o.lease_until <= @now)
         AND (o.request_id IS NULL OR NOT EXISTS (
           SELECT 1 FROM outbox AS earlier
           WHERE earlier.request_id = o.request_id
             AND earlier.delivered_at IS NULL
             AND earlier.dead_at IS NULL
             AND earlier.id < o.id))
       ORDER BY o.id
       LIMIT @limit`,
    ),
    lease: db.prepare('UPDATE outbox SET lease_until = @until WHERE id = @id'),
    markDelivered: db.prepare(
      `UPDATE outbox SET delivered_at = @at, lease_until = NULL
       WHERE id = @id AND delivered_at IS NULL`,
    ),
    markFailed: db.prepare(
      `UPDATE outbox
       SET attempts = attempts + 1, next_attempt_at = @next, last_error = @error, lease_until = NULL
       WHERE id = @id AND delivered_at IS NULL AND dead_at IS NULL`,
    ),
    markDead: db.prepare(
      `UPDATE outbox
       SET attempts = attempts + 1, dead_at = @at, last_error = @error, lease_until = NULL
       WHERE id = @id AND delivered_at IS NULL AND dead_at IS NULL`,
    ),
    listOutbox: db.prepare('SELECT * FROM outbox WHERE request_id = ? ORDER BY id'),
    // Both read only undelivered rows, which the partial index outbox_due holds: cheap however
    // long the delivered history grows.
    outboxDead: db.prepare(
      `SELECT COUNT(*) AS count, MAX(dead_at) AS last FROM outbox
       WHERE delivered_at IS NULL AND dead_at IS NOT NULL`,
    ),
    outboxWaiting: db.prepare(
      `SELECT COUNT(*) AS count, MIN(created_at) AS oldest FROM outbox
       WHERE delivered_at IS NULL AND dead_at IS NULL`,
    ),
    recordNotice: db.prepare(
      `INSERT INTO notices (key, at, detail) VALUES (@key, @at, @detail)
       ON CONFLICT (key) DO NOTHING`,
    ),
    getNotice: db.prepare('SELECT key, at, detail FROM notices WHERE key = ?'),
    // `>=` and `<` on the prefix keep the primary-key index usable, unlike LIKE with wildcards.
    listNoticeKeys: db
      .prepare(`SELECT key FROM notices WHERE key >= @prefix AND (@end IS NULL OR key < @end)`)
      .pluck(),
    getWatchState: db.prepare('SELECT version, value, updated_at FROM watch_state WHERE id = 1'),
    insertWatchState: db.prepare(
      `INSERT INTO watch_state (id, version, value, updated_at) VALUES (1, 1, @value, @at)
       ON CONFLICT (id) DO NOTHING`,
    ),
    // Taken when free, expired or already the holder's; `changes` says whether it was.
    acquireLease: db.prepare(
      `INSERT INTO leases (name, holder, until) VALUES (@name, @holder, @until)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
       WHERE leases.holder = excluded.holder OR leases.until <= @now`,
    ),
    releaseLease: db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?'),
    ping: db.prepare('SELECT 1').pluck(),
    updateWatchState: db.prepare(
      `UPDATE watch_state SET version = version + 1, value = @value, updated_at = @at
       WHERE id = 1 AND version = @expected`,
    ),
  };

  const readRequest = (id: string): PurchaseRequest | undefined => {
    const row = sql.getRequest.get(id) as Row | undefined;
    return row ? toRequest(row) : undefined;
  };

  const mustExist = (requestId: string, what: string) => {
    if (!sql.requestExists.get(requestId)) {
      throw new StoreError(
        'store_not_found',
        `${what} refers to request ${requestId}, which does not exist`,
      );
    }
  };

  const queue = (messages: readonly NewOutboxMessage[], at: number) => {
    for (const message of messages) {
      if (message.requestId !== undefined) mustExist(message.requestId, 'an outbox message');
      sql.insertOutbox.run(outboxParams(message, at));
    }
  };

  /**
   * Wraps `fn` in a `BEGIN IMMEDIATE` transaction, retried while another process holds the write
   * lock; driver errors leave as `StoreError`s.
   */
  function write<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => Promise<R> {
    const tx = db.transaction(fn);
    return (...args: A) => read(() => tx.immediate(...args));
  }

  /** Runs `fn`, retrying on SQLITE_BUSY with timers (never blocking) for up to the busy timeout. */
  async function read<R>(fn: () => R): Promise<R> {
    try {
      return await retryWhileBusy(busyTimeoutMs, fn);
    } catch (err) {
      throw mapDriverError(err);
    }
  }

  const createRequest = write(
    (request: NewRequest, event: NewEvent, outbox: readonly NewOutboxMessage[]) => {
      const at = epochMs(request.createdAt, 'createdAt');
      if (typeof request.id !== 'string' || request.id === '') {
        throw new StoreError('store_invalid_input', 'a request needs an id');
      }
      if (sql.requestExists.get(request.id)) {
        throw new StoreError('store_conflict', `request ${request.id} already exists`);
      }
      const action = checkInput(requestActionSchema, request.action, 'the action');
      const key = openKey(action);
      const open = sql.openRequestFor.get(key) as string | undefined;
      if (open !== undefined) {
        throw new StoreError('store_open_request', `request ${open} is open for ${key}`, {
          detail: { openRequestId: open },
        });
      }
      if (request.triggerId !== undefined) {
        sql.forgetTriggers.run(at - TRIGGER_MEMORY_MS);
        if (sql.rememberTrigger.run(String(request.triggerId), at).changes !== 1) {
          throw new StoreError(
            'store_duplicate_trigger',
            'a request was already made from this trigger',
          );
        }
      }
      sql.insertRequest.run({
        id: request.id,
        open_key: key,
        action: JSON.stringify(action),
        quote: JSON.stringify(checkInput(quoteSchema, request.quote, 'the quote')),
        requester: request.requester,
        reason: request.reason,
        created_at: at,
        expires_at: epochMs(request.expiresAt, 'expiresAt'),
        approvals_needed: approvalsNeededInput(request.approvalsNeeded),
      });
      sql.insertEvent.run(eventParams(request.id, event, at));
      queue(outbox, at);
      return readRequest(request.id)!;
    },
  );

  const transition = write((id: string, t: Transition): TransitionResult => {
    const from = checkInput(statesInput.min(1), t.from, 'the from-states');
    const to = checkInput(requestStateSchema, t.to, 'the to-state');
    const p = t.patch ?? {};
    const date = (d: Date | undefined, what: string) => (d === undefined ? null : epochMs(d, what));
    const outcome =
      p.outcome === undefined
        ? undefined
        : checkInput(requestOutcomeSchema, p.outcome, 'the outcome');
    const awsId = claimedAwsId(to, outcome);
    if (awsId !== undefined && takenIds([awsId], id).size > 0) {
      const current = readRequest(id);
      const expected = current && from.includes(current.state);
      return {
        applied: false,
        request: current,
        ...(expected && { refused: { code: 'aws_record_taken' as const, awsId } }),
      };
    }
    const changes = sql.transition.run({
      id,
      to,
      from: JSON.stringify(from),
      version: t.expectedVersion ?? null,
      call_started_at: date(p.callStartedAt, 'callStartedAt'),
      decided_by: p.decidedBy ?? null,
      decided_at: date(p.decidedAt, 'decidedAt'),
      decision_note: p.decisionNote ?? null,
      execution_started_at: date(p.executionStartedAt, 'executionStartedAt'),
      finished_at: date(p.finishedAt, 'finishedAt'),
      outcome: outcome === undefined ? null : JSON.stringify(outcome),
      approvals: approvalsText(p.approvals),
      reminders_sent: remindersInput(p.remindersSent),
    }).changes;
    const applied = changes === 1;
    if (applied) {
      const at = epochMs(clock(), 'the clock');
      if (awsId !== undefined) sql.insertClaim.run(awsId, id, at);
      sql.insertEvent.run(eventParams(id, t.event, at));
      queue(t.outbox ?? [], at);
      for (const notice of t.notices ?? []) insertNotice(notice, at);
    }
    return { applied, request: readRequest(id) };
  });

  /** Ids of `ids` claimed by a request other than `requestId`, or announced as outside the bot. */
  const takenIds = (ids: readonly string[], requestId: string): Set<string> => {
    const taken = new Set<string>();
    for (const awsId of ids) {
      const owner = sql.claimOf.get(awsId) as string | undefined;
      const notices = awsNoticeKeys(awsId).flatMap((key) => {
        const row = sql.getNotice.get(key) as Row | undefined;
        return row ? [toNotice(row)] : [];
      });
      if (isAwsIdTaken(requestId, owner, notices)) taken.add(awsId);
    }
    return taken;
  };

  const addEvent = write((requestId: string, event: NewEvent) => {
    mustExist(requestId, 'an event');
    sql.insertEvent.run(eventParams(requestId, event, epochMs(clock(), 'the clock')));
  });

  const setCard = write((requestId: string, card: { channel: string; ts: string }) => {
    sql.setCard.run({ id: requestId, channel: card.channel, ts: card.ts });
  });

  const enqueue = write((messages: readonly NewOutboxMessage[]) => {
    queue(messages, epochMs(clock(), 'the clock'));
  });

  const claimOutbox = write((now: Date, limit: number, leaseMs: number): OutboxMessage[] => {
    const at = epochMs(now, 'now');
    if (!Number.isSafeInteger(leaseMs) || leaseMs <= 0) {
      throw new StoreError('store_invalid_input', 'leaseMs must be a positive whole number');
    }
    const count = Math.floor(limit);
    if (!(count >= 1)) return [];
    const rows = sql.dueOutbox.all({ now: at, limit: count }) as Row[];
    // Decode before leasing: a corrupt row aborts the whole claim instead of leasing garbage.
    const messages = rows.map(toOutboxMessage);
    for (const m of messages) sql.lease.run({ id: m.id, until: at + leaseMs });
    return messages;
  });

  const markDelivered = write((messageId: number, at: Date) => {
    sql.markDelivered.run({ id: messageId, at: epochMs(at, 'the delivery time') });
  });

  const markFailed = write((messageId: number, nextAttemptAt: Date, error: string) => {
    sql.markFailed.run({
      id: messageId,
      next: epochMs(nextAttemptAt, 'nextAttemptAt'),
      error: errorText(error),
    });
  });

  const markDead = write((messageId: number, at: Date, error: string) => {
    sql.markDead.run({
      id: messageId,
      at: epochMs(at, 'the time of death'),
      error: errorText(error),
    });
  });

  const outboxHealth = (): OutboxHealth => {
    const dead = sql.outboxDead.get() as { count: number; last: number | null };
    const waiting = sql.outboxWaiting.get() as { count: number; oldest: number | null };
    return {
      dead: dead.count,
      ...(dead.last !== null && { lastDeadAt: new Date(dead.last) }),
      waiting: waiting.count,
      ...(waiting.oldest !== null && { oldestWaitingSince: new Date(waiting.oldest) }),
    };
  };

  /** True when this call recorded the key (it was new). */
  const insertNotice = (notice: NewNotice, at: number): boolean => {
    if (typeof notice.key !== 'string' || notice.key === '') {
      throw new StoreError('store_invalid_input', 'a notice needs a key');
    }
    const detail =
      notice.detail === undefined
        ? null
        : JSON.stringify(checkInput(jsonObjectSchema, notice.detail, 'the notice detail'));
    return sql.recordNotice.run({ key: notice.key, at, detail }).changes === 1;
  };

  const recordNotice = write(
    (key: string, at: Date, detail: Readonly<Record<string, unknown>> | undefined): boolean =>
      insertNotice(
        { key, ...(detail !== undefined && { detail }) },
        epochMs(at, 'the notice time'),
      ),
  );

  /**
   * A poll's writes. Everything but the statements (checks, the JSON text of the snapshot, of
   * each notice's detail and messages) is done first, in slices: a first poll over a large
   * account queues hundreds of messages, and better-sqlite3 holds the event loop for as long as
   * the transaction runs. A notice's detail is kept with its first key (its own, which its
   * buttons carry); its other keys are recorded bare, since only their presence is read, and a
   * grouped notice of hundreds of transactions would otherwise be written once per transaction.
   */
  const commitWatch = async (commit: WatchCommit): Promise<WatchCommitResult> => {
    const at = epochMs(commit.at, 'the poll time');
    const value = JSON.stringify(checkInput(jsonObjectSchema, commit.value, 'the watch state'));
    const notices = await mapInSlices(
      commit.notices,
      (notice): PreparedWatchNotice => ({
        keys: notice.keys,
        detail:
          notice.detail === undefined
            ? null
            : JSON.stringify(checkInput(jsonObjectSchema, notice.detail, 'the notice detail')),
        outbox: notice.outbox.map((message) => outboxParams(message, at)),
      }),
    );
    return writeWatch(commit.expectedVersion, at, value, commit.quietKeys, notices);
  };

  const recordWatchKey = (key: string, at: number, detail: string | null): boolean => {
    if (typeof key !== 'string' || key === '') {
      throw new StoreError('store_invalid_input', 'a notice needs a key');
    }
    return sql.recordNotice.run({ key, at, detail }).changes === 1;
  };

  const writeWatch = write(
    (
      expected: number,
      at: number,
      value: string,
      quietKeys: readonly string[],
      notices: readonly PreparedWatchNotice[],
    ): WatchCommitResult => {
      const saved =
        expected === 0
          ? sql.insertWatchState.run({ value, at }).changes
          : sql.updateWatchState.run({ value, at, expected }).changes;
      if (saved !== 1) return { applied: false, announced: 0 };
      for (const key of quietKeys) recordWatchKey(key, at, null);
      let announced = 0;
      for (const notice of notices) {
        let fresh = false;
        notice.keys.forEach((key, i) => {
          if (recordWatchKey(key, at, i === 0 ? notice.detail : null)) fresh = true;
        });
        if (!fresh) continue;
        for (const message of notice.outbox) {
          if (message.request_id !== null) mustExist(message.request_id, 'an outbox message');
          sql.insertOutbox.run(message);
        }
        announced += 1;
      }
      return { applied: true, announced };
    },
  );

  const acquireLease = write((name: string, holder: string, now: Date, ttlMs: number) => {
    checkLease(name, holder, ttlMs);
    const at = epochMs(now, 'now');
    return sql.acquireLease.run({ name, holder, now: at, until: at + ttlMs }).changes === 1;
  });

  const releaseLease = write((name: string, holder: string) => {
    sql.releaseLease.run(name, holder);
  });

  return {
    createRequest,
    acquireLease,
    releaseLease,
    ping: () =>
      read(() => {
        sql.ping.get();
      }),
    getRequest: (id) => read(() => readRequest(id)),
    transition,
    addEvent,
    takenAwsIds: (ids, requestId) => read(() => takenIds(ids, requestId)),
    listRequests: (query = {}) =>
      read(() => {
        const states =
          query.states === undefined
            ? null
            : JSON.stringify(checkInput(statesInput, query.states, 'the states'));
        const statement = query.oldestFirst ? sql.listRequestsOldestFirst : sql.listRequests;
        const rows = statement.all({
          states,
          ...listFilters(query),
          limit: listLimit(query.limit),
        });
        return (rows as Row[]).map(toRequest);
      }),
    countRequestsByState: () =>
      read(() => {
        const counts: Partial<Record<RequestState, number>> = {};
        for (const row of sql.countByState.all() as { state: RequestState; n: number }[]) {
          counts[row.state] = row.n;
        }
        return counts;
      }),
    listEvents: (requestId) => read(() => (sql.listEvents.all(requestId) as Row[]).map(toEvent)),
    listExpired: (now) =>
      read(() => (sql.listExpired.all(epochMs(now, 'now')) as Row[]).map(toRequest)),
    setCard,
    enqueue,
    claimOutbox,
    markDelivered,
    markFailed,
    recordNotice: (key, at, detail) => recordNotice(key, at, detail),
    getNotice: (key) =>
      read(() => {
        const row = sql.getNotice.get(key) as Row | undefined;
        return row ? toNotice(row) : undefined;
      }),
    listNoticeKeys: (prefix = '') =>
      read(() => new Set(sql.listNoticeKeys.all({ prefix, end: prefixEnd(prefix) }) as string[])),
    getWatchState: () =>
      read(() => {
        const row = sql.getWatchState.get() as Row | undefined;
        return row ? toWatchState(row) : undefined;
      }),
    commitWatch,
    markDead,
    listOutbox: (requestId) =>
      read(() => (sql.listOutbox.all(requestId) as Row[]).map(toOutboxMessage)),
    outboxHealth: () => read(outboxHealth),
    async close() {
      if (db.open) db.close();
    },
  };
}

/** Names the driver errors the app can act on; the rest keep their own message. */
function mapDriverError(err: unknown): unknown {
  if (isBusy(err)) {
    return new StoreError('store_busy', 'the database is locked by another process; try again', {
      cause: err,
    });
  }
  return err;
}
