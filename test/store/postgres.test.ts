/**
 * What only a PostgreSQL server can show: several stores (replicas, each with its own pool) racing
 * on one database, migrations under the advisory lock, and the database going away, hanging or
 * holding a lock. The behaviour every backend shares is in the store suite (store.test.ts).
 */
import net from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { isStoreError } from '../../src/store/errors.js';
import { openStore } from '../../src/store/index.js';
import {
  appliedPostgresMigrations,
  POSTGRES_MIGRATIONS,
  SQLITE_MIGRATIONS,
} from '../../src/store/migrations.js';
import { classifyPgError, openPostgresStore, toStoreError } from '../../src/store/postgres.js';
import type { Store, Transition } from '../../src/store/store.js';
import { createTestDatabase, describePostgres, type TestDatabase } from '../helpers/postgres.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';
import { manualClock, newRequest, T0 } from './store-suite.js';

const MINUTE = 60_000;
const created = { actor: 'UREQUESTER', type: 'created' } as const;
const approve = (approver: string): Transition => ({
  from: ['pending'],
  to: 'executing',
  patch: { decidedBy: approver, decidedAt: T0, executionStartedAt: T0 },
  event: { actor: approver, type: 'approved' },
});
const succeed = (transactionId: string): Transition => ({
  from: ['executing'],
  to: 'succeeded',
  patch: { outcome: { transactionId, source: 'answer' }, finishedAt: T0 },
  event: { actor: 'slots-bot', type: 'succeeded' },
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('PostgreSQL driver errors', () => {
  it.each([
    ['ECONNREFUSED', { code: 'ECONNREFUSED' }, 'unavailable'],
    ['ECONNRESET', { code: 'ECONNRESET' }, 'unavailable'],
    ['ETIMEDOUT', { code: 'ETIMEDOUT' }, 'unavailable'],
    ['EPIPE', { code: 'EPIPE' }, 'unavailable'],
    ['a terminated connection', new Error('Connection terminated unexpectedly'), 'unavailable'],
    ['a connect timeout', new Error('timeout exceeded when trying to connect'), 'unavailable'],
    ['a client-side query timeout', new Error('Query read timeout'), 'unavailable'],
    ['class 08', { code: '08006' }, 'unavailable'],
    ['admin shutdown', { code: '57P01' }, 'unavailable'],
    ['crash shutdown', { code: '57P02' }, 'unavailable'],
    ['a starting server', { code: '57P03' }, 'unavailable'],
    ['a statement timeout', { code: '57014' }, 'unavailable'],
    ['too many connections', { code: '53300' }, 'unavailable'],
    ['a serialization failure', { code: '40001' }, 'busy'],
    ['a deadlock', { code: '40P01' }, 'busy'],
    ['a lock timeout', { code: '55P03' }, 'busy'],
    ['a unique violation', { code: '23505' }, undefined],
    ['a syntax error', { code: '42601' }, undefined],
    ['an unknown error', new Error('something else'), undefined],
  ])('classifies %s', (_what, err, expected) => {
    expect(classifyPgError(err)).toBe(expected);
  });

  it('names the failure without the URL or password, keeping the cause', () => {
    const cause = Object.assign(
      new Error('connect ECONNREFUSED postgres://slots:hunter2@db.internal:5432/slots'),
      { code: 'ECONNREFUSED' },
    );
    const mapped = toStoreError(cause);
    expect(mapped).toMatchObject({ code: 'store_unavailable', cause });
    expect((mapped as Error).message).not.toMatch(/hunter2|postgres:\/\/|db\.internal/);
  });
});

describePostgres('PostgreSQL store', () => {
  const databases: TestDatabase[] = [];
  const stores: Store[] = [];
  const clients: pg.Client[] = [];
  const proxies: TcpProxy[] = [];

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close().catch(() => undefined);
    for (const client of clients.splice(0)) await client.end().catch(() => undefined);
    for (const proxy of proxies.splice(0)) await proxy.close();
    for (const db of databases.splice(0)) await db.drop();
  });

  async function database(): Promise<TestDatabase> {
    const db = await createTestDatabase('slots_pg');
    databases.push(db);
    return db;
  }

  async function storeOn(
    url: string,
    options: { statementTimeoutMs?: number; connectTimeoutMs?: number } = {},
  ): Promise<Store> {
    const store = await openPostgresStore({ url, clock: manualClock().clock, ...options });
    stores.push(store);
    return store;
  }

  /** A new database reached through a TCP proxy that can be stopped or frozen; `url` goes through it. */
  async function databaseBehindProxy(): Promise<{ proxy: TcpProxy; url: string }> {
    const db = await database();
    const server = new URL(db.url);
    const proxy = await startTcpProxy({
      host: server.hostname,
      port: Number(server.port || 5432),
    });
    proxies.push(proxy);
    const via = new URL(db.url);
    via.port = String(proxy.port);
    return { proxy, url: via.toString() };
  }

  /** Three replicas on one new database, each with its own pool. */
  async function replicas(count = 3): Promise<{ db: TestDatabase; stores: Store[] }> {
    const db = await database();
    const first = await storeOn(db.url);
    const rest = await Promise.all(Array.from({ length: count - 1 }, () => storeOn(db.url)));
    return { db, stores: [first, ...rest] };
  }

  /** A plain connection, for looking at (and interfering with) what the store wrote. */
  async function raw(url: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  }

  const storeError = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (e: unknown) => e,
    );

  it('is opened by openStore from the configuration', async () => {
    const db = await database();
    const store = await openStore({ kind: 'postgres', url: db.url, poolSize: 2 });
    stores.push(store);
    const request = await store.createRequest(newRequest(), created, []);
    expect(await store.getRequest(request.id)).toStrictEqual(request);
  });

  describe('connection settings', () => {
    it('fills in what the URL leaves out from the PG* variables', async () => {
      const db = await database();
      const server = new URL(db.url);
      const saved = { ...process.env };
      Object.assign(process.env, {
        PGHOST: server.hostname,
        PGPORT: server.port || '5432',
        PGUSER: decodeURIComponent(server.username) || 'postgres',
        PGDATABASE: db.name,
      });
      try {
        const store = await storeOn('postgres://');
        await store.createRequest(newRequest({ id: 'RENVVARS' }), created, []);
      } finally {
        for (const key of ['PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE']) {
          if (saved[key] === undefined) delete process.env[key];
          else process.env[key] = saved[key];
        }
      }
      const check = await raw(db.url);
      expect((await check.query("SELECT id FROM requests WHERE id = 'RENVVARS'")).rowCount).toBe(1);
    });

    it('honours ?sslmode= in the URL', async () => {
      const db = await database();
      const store = await storeOn(`${db.url}?sslmode=disable`);
      await store.ping();
      // The test server speaks no TLS: asking for it must fail, proving the mode was read.
      await expect(openPostgresStore({ url: `${db.url}?sslmode=no-verify` })).rejects.toThrow(
        /SSL/i,
      );
    });

    it('names its connections, and parses counts and instants as numbers', async () => {
      const {
        db,
        stores: [store],
      } = await replicas(1);
      await store!.createRequest(newRequest(), created, [
        { kind: 'notice', channel: 'C', payload: {} },
      ]);
      const health = await store!.outboxHealth();
      expect(health).toEqual({ dead: 0, waiting: 1, oldestWaitingSince: T0 });
      const check = await raw(db.url);
      const names = await check.query(
        `SELECT DISTINCT application_name FROM pg_stat_activity
         WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [db.name],
      );
      expect(names.rows).toEqual([{ application_name: 'slots-bot' }]);
      // Only the store's pool parses INT8 as a number; pg's global parsers are left alone.
      expect(pg.types.getTypeParser(20, 'text')('5')).toBe('5');
      expect((await check.query('SELECT 5::bigint AS n')).rows[0]).toEqual({ n: '5' });
    });
  });

  it('refuses text PostgreSQL cannot hold as invalid input, writing nothing', async () => {
    const {
      stores: [store],
    } = await replicas(1);
    const bad = newRequest({ reason: 'nul \u0000 inside' });
    await expect(store!.createRequest(bad, created, [])).rejects.toMatchObject({
      code: 'store_invalid_input',
    });
    expect(await store!.getRequest(bad.id)).toBeUndefined();
    // An error text from outside (a Slack answer) is stored without its NULs.
    await store!.enqueue([{ kind: 'notice', channel: 'C', payload: {} }]);
    const [message] = await store!.claimOutbox(new Date(), 1, MINUTE);
    await store!.markFailed(message!.id, T0, 'bad\u0000answer');
    expect((await store!.claimOutbox(T0, 1, MINUTE))[0]?.lastError).toBe('badanswer');
  });

  describe('migrations', () => {
    it('migrates an empty database once when three replicas open it at the same moment', async () => {
      const db = await database();
      const opened = await Promise.all(Array.from({ length: 3 }, () => storeOn(db.url)));
      expect(opened).toHaveLength(3);
      const check = await raw(db.url);
      expect(await appliedPostgresMigrations(check)).toEqual(
        POSTGRES_MIGRATIONS.map((m) => m.version),
      );
      expect(await appliedPostgresMigrations(db.url)).toEqual([1, 2, 3, 4, 5]);
      // The versions match SQLite's, so a copy between them knows both are at the same schema.
      expect(POSTGRES_MIGRATIONS.map((m) => [m.version, m.name])).toEqual(
        SQLITE_MIGRATIONS.map((m) => [m.version, m.name]),
      );
      const recorded = await check.query('SELECT count(*)::int AS n FROM schema_migrations');
      expect(recorded.rows[0]).toEqual({ n: POSTGRES_MIGRATIONS.length });
    });

    it('has the same tables and columns as the SQLite schema', async () => {
      const { db } = await replicas(1);
      const check = await raw(db.url);
      const { rows } = await check.query<{ table_name: string; columns: string }>(
        `SELECT table_name, string_agg(column_name, ',' ORDER BY column_name) AS columns
         FROM information_schema.columns WHERE table_schema = 'public'
         GROUP BY table_name ORDER BY table_name`,
      );
      expect(Object.fromEntries(rows.map((r) => [r.table_name, r.columns.split(',')]))).toEqual({
        aws_claims: ['at', 'aws_id', 'request_id'],
        leases: ['holder', 'name', 'until'],
        notices: ['at', 'detail', 'key'],
        outbox: [
          'attempts',
          'channel',
          'created_at',
          'dead_at',
          'delivered_at',
          'id',
          'kind',
          'last_error',
          'lease_until',
          'next_attempt_at',
          'payload',
          'request_id',
          'user_id',
        ],
        request_events: ['actor', 'at', 'detail', 'id', 'request_id', 'type'],
        requests: [
          'action',
          'approvals',
          'approvals_needed',
          'call_started_at',
          'card_channel',
          'card_ts',
          'created_at',
          'decided_at',
          'decided_by',
          'decision_note',
          'execution_started_at',
          'expires_at',
          'finished_at',
          'id',
          'open_key',
          'outcome',
          'quote',
          'reason',
          'reminders_sent',
          'requester',
          'state',
          'version',
        ],
        schema_migrations: ['applied_at', 'name', 'version'],
        seen_triggers: ['at', 'trigger_id'],
        watch_state: ['id', 'updated_at', 'value', 'version'],
      });
    });

    it('refuses a database migrated by a newer slots-bot, saying why, and leaves it alone', async () => {
      const { db } = await replicas(1);
      const check = await raw(db.url);
      await check.query(
        `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from the future', 0)`,
        [POSTGRES_MIGRATIONS.length + 1],
      );
      const error = await storeError(openPostgresStore({ url: db.url }));
      expect(error).toMatchObject({ code: 'store_schema_too_new' });
      expect((error as Error).message).toMatch(/schema version 6 .* only up to 5/);
      expect(await appliedPostgresMigrations(check)).toHaveLength(POSTGRES_MIGRATIONS.length + 1);
    });
  });

  describe('replicas racing on one database', () => {
    it('applies exactly one of ten concurrent approvals sent to different replicas', async () => {
      const { stores: all } = await replicas();
      const request = await all[0]!.createRequest(newRequest(), created, []);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => all[i % 3]!.transition(request.id, approve(`U${i}`))),
      );
      expect(results.filter((r) => r.applied)).toHaveLength(1);
      const events = await all[1]!.listEvents(request.id);
      expect(events.filter((e) => e.type === 'approved')).toHaveLength(1);
      expect(await all[2]!.getRequest(request.id)).toMatchObject({
        state: 'executing',
        version: 2,
      });
    });

    it('admits one of many concurrent requests for one offering; the others name it', async () => {
      const { stores: all } = await replicas();
      const action = {
        service: 'devicefarm',
        kind: 'purchase',
        offeringId: 'off-race',
        quantity: 1,
      } as const;
      const settled = await Promise.allSettled(
        Array.from({ length: 9 }, (_, i) =>
          all[i % 3]!.createRequest(newRequest({ action }), created, []),
        ),
      );
      const made = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      expect(made).toHaveLength(1);
      for (const s of settled) {
        if (s.status === 'rejected') {
          expect(s.reason).toMatchObject({
            code: 'store_open_request',
            detail: { openRequestId: made[0]!.id },
          });
        }
      }
      expect(await all[0]!.listRequests()).toHaveLength(1);
    });

    it('makes one request from one trigger id, whichever replica gets it', async () => {
      const { stores: all } = await replicas();
      const settled = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          all[i % 3]!.createRequest(newRequest({ triggerId: 'trigger-1' }), created, []),
        ),
      );
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      for (const s of settled) {
        if (s.status === 'rejected') {
          expect(s.reason).toMatchObject({ code: 'store_duplicate_trigger' });
        }
      }
      expect(await all[0]!.listRequests()).toHaveLength(1);
    });

    it('lets one of two requests claiming one AWS transaction at once succeed', async () => {
      const { stores: all } = await replicas(2);
      const executing = async () => {
        const r = await all[0]!.createRequest(newRequest(), created, []);
        await all[0]!.transition(r.id, approve('UBOB'));
        return r.id;
      };
      // A few rounds: the two transactions interleave differently each time.
      for (let round = 0; round < 5; round++) {
        const tx = `tx-race-${round}`;
        const ids = [await executing(), await executing()];
        const both = await Promise.all(ids.map((id, i) => all[i]!.transition(id, succeed(tx))));
        expect(both.filter((r) => r.applied)).toHaveLength(1);
        const loser = both.findIndex((r) => !r.applied);
        expect(both[loser]).toMatchObject({
          refused: { code: 'aws_record_taken', awsId: tx },
          request: { state: 'executing', version: 2 },
        });
        expect(await all[1]!.takenAwsIds([tx], ids[loser]!)).toEqual(new Set([tx]));
        expect(await all[1]!.takenAwsIds([tx], ids[1 - loser]!)).toEqual(new Set());
        const events = await all[0]!.listEvents(ids[loser]!);
        expect(events.map((e) => e.type)).toEqual(['created', 'approved']);
      }
    });

    it('never gives one outbox message to two replicas, and keeps each request in order', async () => {
      const { stores: all } = await replicas();
      const requests: string[] = [];
      for (let i = 0; i < 8; i++) {
        const r = await all[0]!.createRequest(newRequest(), created, []);
        requests.push(r.id);
      }
      await all[0]!.enqueue([
        ...requests.flatMap((requestId) =>
          (['card', 'thread_reply', 'thread_reply'] as const).map((kind) => ({
            kind,
            channel: 'CSLOTS',
            requestId,
          })),
        ),
        ...Array.from({ length: 30 }, (_, i) => ({
          kind: 'notice' as const,
          channel: 'CSLOTS',
          payload: { text: `n${i}` },
        })),
      ]);
      const delivered: Array<{ id: number; requestId: string | undefined }> = [];
      const worker = async (store: Store) => {
        for (let idle = 0; idle < 3; ) {
          const batch = await store.claimOutbox(new Date(), 3, 10 * MINUTE);
          idle = batch.length === 0 ? idle + 1 : 0;
          for (const m of batch) {
            delivered.push({ id: m.id, requestId: m.requestId });
            await store.markDelivered(m.id, new Date());
          }
          if (batch.length === 0) await sleep(5);
        }
      };
      await Promise.all(all.map(worker));
      const ids = delivered.map((d) => d.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(requests.length * 3 + 30);
      for (const requestId of requests) {
        const order = delivered.filter((d) => d.requestId === requestId).map((d) => d.id);
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
      expect(await all[1]!.outboxHealth()).toEqual({ dead: 0, waiting: 0 });
    });

    it('passes a lease to another replica only once it ran out, or was released', async () => {
      const {
        stores: [a, b],
      } = await replicas(2);
      const at = (ms: number) => new Date(T0.getTime() + ms);
      expect(await a!.acquireLease('aws-poll', 'replica-a', T0, MINUTE)).toBe(true);
      expect(await b!.acquireLease('aws-poll', 'replica-b', at(1_000), MINUTE)).toBe(false);
      // Renewed on each poll, it never runs out.
      expect(await a!.acquireLease('aws-poll', 'replica-a', at(50_000), MINUTE)).toBe(true);
      expect(await b!.acquireLease('aws-poll', 'replica-b', at(MINUTE + 1_000), MINUTE)).toBe(
        false,
      );
      // Replica a dies: b takes over once the last renewal ran out.
      expect(await b!.acquireLease('aws-poll', 'replica-b', at(50_000 + MINUTE), MINUTE)).toBe(
        true,
      );
      expect(await a!.acquireLease('aws-poll', 'replica-a', at(50_001 + MINUTE), MINUTE)).toBe(
        false,
      );
      await b!.releaseLease('aws-poll', 'replica-b');
      expect(await a!.acquireLease('aws-poll', 'replica-a', at(50_002 + MINUTE), MINUTE)).toBe(
        true,
      );
    });
  });

  describe('when the database is away, slow or locked', () => {
    it('fails a call on a row locked elsewhere within the statement timeout, then recovers', async () => {
      const db = await database();
      const store = await storeOn(db.url, { statementTimeoutMs: 300 });
      const request = await store.createRequest(newRequest(), created, []);
      const other = await raw(db.url);
      await other.query('BEGIN');
      await other.query('SELECT * FROM requests WHERE id = $1 FOR UPDATE', [request.id]);
      const started = Date.now();
      const error = await storeError(store.transition(request.id, approve('UBOB')));
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(isStoreError(error)).toBe(true);
      expect(error).toMatchObject({ code: 'store_busy' });
      // Reads are not held up by the lock.
      expect((await store.getRequest(request.id))?.state).toBe('pending');
      await other.query('ROLLBACK');
      expect((await store.transition(request.id, approve('UBOB'))).applied).toBe(true);
    });

    it('fails to open fast, as store_unavailable, when nothing listens', async () => {
      const url = `postgres://slots:hunter2@127.0.0.1:${await closedPort()}/slots`;
      const started = Date.now();
      const error = await storeError(openPostgresStore({ url, connectTimeoutMs: 500 }));
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(error).toMatchObject({ code: 'store_unavailable' });
      expect((error as Error).message).not.toMatch(/hunter2|postgres:\/\//);
    });

    it('fails to open within the connect timeout when the server never answers', async () => {
      const silent = net.createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = silent.address() as net.AddressInfo;
        const started = Date.now();
        const error = await storeError(
          openPostgresStore({
            url: `postgres://postgres@127.0.0.1:${port}/x`,
            connectTimeoutMs: 300,
          }),
        );
        expect(Date.now() - started).toBeLessThan(1_500);
        expect(error).toMatchObject({ code: 'store_unavailable' });
      } finally {
        silent.close();
        // The refused client's socket may still be open; close() waits for nothing.
      }
    });

    it('reconnects after the server ended every connection of the store', async () => {
      const db = await database();
      const store = await storeOn(db.url);
      const request = await store.createRequest(newRequest(), created, []);
      // Fill the pool with several idle connections.
      await Promise.all(Array.from({ length: 5 }, () => store.getRequest(request.id)));
      const admin = await raw(db.url);
      const ended = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = $1 AND application_name = 'slots-bot'`,
        [db.name],
      );
      expect(ended.rowCount).toBeGreaterThan(0);
      await sleep(200);
      const again = await Promise.all(
        Array.from({ length: 5 }, () => store.getRequest(request.id)),
      );
      expect(again.every((r) => r?.id === request.id)).toBe(true);
      expect((await store.transition(request.id, approve('UBOB'))).applied).toBe(true);
    });

    it('reports the database going away as store_unavailable, writes nothing, and recovers', async () => {
      const { proxy, url } = await databaseBehindProxy();
      const store = await storeOn(url, { connectTimeoutMs: 500 });
      await store.ping();

      await proxy.stop();
      await expect(store.ping()).rejects.toMatchObject({ code: 'store_unavailable' });
      const lost = newRequest();
      await expect(store.createRequest(lost, created, [])).rejects.toMatchObject({
        code: 'store_unavailable',
      });

      await proxy.start();
      await store.ping();
      expect(await store.getRequest(lost.id)).toBeUndefined();
      expect((await store.createRequest(lost, created, [])).id).toBe(lost.id);
    });

    it('gives up on a server that stopped answering mid-call, and recovers when it is back', async () => {
      const { proxy, url } = await databaseBehindProxy();
      const store = await storeOn(url, {
        statementTimeoutMs: 300,
        connectTimeoutMs: 500,
      });
      const request = await store.createRequest(newRequest(), created, []);

      proxy.freeze();
      const started = Date.now();
      await expect(store.transition(request.id, approve('UBOB'))).rejects.toMatchObject({
        code: 'store_unavailable',
      });
      await expect(store.ping()).rejects.toMatchObject({ code: 'store_unavailable' });
      expect(Date.now() - started).toBeLessThan(4_000);

      await proxy.stop();
      await proxy.start();
      // The frozen transaction was never committed: the approval can still be made.
      expect((await store.transition(request.id, approve('UBOB'))).applied).toBe(true);
    });
  });
});
