import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStoreError } from '../../src/store/errors.js';
import { openStore } from '../../src/store/index.js';
import {
  appliedMigrations,
  type Migration,
  runMigrations,
  SQLITE_MIGRATIONS,
} from '../../src/store/migrations.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { manualClock, newRequest, T0 } from './store-suite.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./helpers/race-worker.ts', import.meta.url));

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'slots-store-'));
}

describe('sqlite store on a file', () => {
  let dir: string;
  let path: string;
  const open: Store[] = [];
  const raw: Database.Database[] = [];

  async function storeAt(file = path, options: { busyTimeoutMs?: number } = {}) {
    const store = await openSqliteStore({ path: file, clock: manualClock().clock, ...options });
    open.push(store);
    return store;
  }

  /** A plain connection, for looking at (and damaging) what the store wrote. */
  function rawAt(file = path) {
    const db = new Database(file);
    raw.push(db);
    return db;
  }

  beforeEach(() => {
    dir = tempDir();
    path = join(dir, 'slots.db');
  });

  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    for (const db of raw.splice(0)) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is opened by openStore from the configuration', async () => {
    const store = await openStore({ kind: 'sqlite', path }, manualClock().clock);
    open.push(store);
    await store.createRequest(newRequest(), { actor: 'U1', type: 'created' }, []);
    expect(await store.listRequests()).toHaveLength(1);
    expect(existsSync(path)).toBe(true);
  });

  it('uses WAL so readers and writers in several processes share the file', async () => {
    await storeAt();
    expect(rawAt().pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('also opens a private in-memory database', async () => {
    const store = await storeAt(':memory:');
    const request = await store.createRequest(newRequest(), { actor: 'U1', type: 'created' }, []);
    expect(await store.getRequest(request.id)).toStrictEqual(request);
  });

  describe('migrations', () => {
    it('migrates an empty file once; reopening runs nothing again', async () => {
      const first = await storeAt();
      const db = rawAt();
      const recorded = () => db.prepare('SELECT * FROM schema_migrations ORDER BY version').all();
      const before = recorded();
      expect(before).toHaveLength(SQLITE_MIGRATIONS.length);
      expect(appliedMigrations(db)).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));

      await first.close();
      await storeAt();
      await storeAt();
      expect(recorded()).toEqual(before);
      expect(runMigrations(db)).toEqual([]);
    });

    it('applies pending migrations in order and records each', () => {
      const db = rawAt();
      const steps: Migration[] = [
        { version: 1, name: 'one', sql: 'CREATE TABLE a (x INTEGER)' },
        { version: 2, name: 'two', sql: 'ALTER TABLE a ADD COLUMN y TEXT' },
      ];
      expect(runMigrations(db, steps.slice(0, 1))).toEqual([1]);
      expect(runMigrations(db, steps)).toEqual([2]);
      expect(runMigrations(db, steps)).toEqual([]);
      expect(appliedMigrations(db)).toEqual([1, 2]);
      expect(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('a')).toEqual([
        'x',
        'y',
      ]);
    });

    it('rolls back every migration of a run when one fails', () => {
      const db = rawAt();
      const steps: Migration[] = [
        { version: 1, name: 'one', sql: 'CREATE TABLE a (x INTEGER)' },
        { version: 2, name: 'broken', sql: 'CREATE TABLE b (x INTEGER); SELECT nope FROM nowhere' },
      ];
      expect(() => runMigrations(db, steps)).toThrow(/nowhere/);
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('a', 'b')")
        .pluck()
        .all();
      expect(tables).toEqual([]);
    });

    it('refuses a list with gaps or out of order', () => {
      const db = rawAt();
      expect(() => runMigrations(db, [{ version: 2, name: 'two', sql: '' }])).toThrow(/expected 1/);
    });

    it('refuses a database migrated by a newer slots-bot, and leaves it alone', async () => {
      await (await storeAt()).close();
      const db = rawAt();
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        SQLITE_MIGRATIONS.length + 1,
        'from the future',
        0,
      );
      await expect(openSqliteStore({ path })).rejects.toMatchObject({
        code: 'store_schema_too_new',
      });
      expect(appliedMigrations(db)).toHaveLength(SQLITE_MIGRATIONS.length + 1);
    });
  });

  describe('rows that come back damaged', () => {
    async function storeWithRequest() {
      const store = await storeAt();
      const request = await store.createRequest(newRequest(), { actor: 'U1', type: 'created' }, [
        { kind: 'notice', channel: 'CSLOTS', payload: { text: 'hello' } },
      ]);
      return { store, request, db: rawAt() };
    }

    it.each([
      ['action', 'not JSON', "'{not json'", /action is not valid JSON/],
      [
        'quote',
        'a price that became a number',
        `json_set(quote, '$.unitPriceMicros', 250.5)`,
        /quote\.unitPriceMicros/,
      ],
      ['action', 'an action of no known service', `json_set(action, '$.service', 'ec2')`, /action/],
      ['state', 'an unknown state', "'approved'", /state/],
      ['outcome', 'an outcome that is not an object', "'[1,2]'", /outcome/],
    ])('refuses a request whose %s is %s', async (column, _what, value, message) => {
      const { store, request, db } = await storeWithRequest();
      db.exec(`UPDATE requests SET ${column} = ${value}`);
      const error = await store.getRequest(request.id).catch((e: unknown) => e);
      expect(isStoreError(error)).toBe(true);
      expect(error).toMatchObject({ code: 'store_corrupt' });
      expect((error as Error).message).toContain(`request ${request.id} is corrupt`);
      expect((error as Error).message).toMatch(message);
      await expect(store.listRequests()).rejects.toMatchObject({ code: 'store_corrupt' });
    });

    it('refuses a request whose date is not a date', async () => {
      const { store, request, db } = await storeWithRequest();
      // STRICT tables refuse text in an INTEGER column at write time already.
      expect(() => db.exec("UPDATE requests SET created_at = 'yesterday'")).toThrow(
        /cannot store/i,
      );
      expect(() => db.exec('UPDATE requests SET created_at = 1.5')).toThrow(/cannot store/i);
      // An integer no JavaScript Date can hold.
      db.exec('UPDATE requests SET expires_at = 9000000000000000');
      await expect(store.getRequest(request.id)).rejects.toThrow(
        /expires_at is out of the range of dates/,
      );
    });

    it('refuses damaged event details', async () => {
      const { store, request, db } = await storeWithRequest();
      db.exec("UPDATE request_events SET detail = 'oops'");
      await expect(store.listEvents(request.id)).rejects.toMatchObject({ code: 'store_corrupt' });
    });

    it('refuses a damaged outbox message without leasing anything', async () => {
      const { store, db } = await storeWithRequest();
      db.exec("UPDATE outbox SET payload = '{' , kind = 'carrier_pigeon'");
      await expect(store.claimOutbox(T0, 10, 60_000)).rejects.toThrow(
        /outbox message \d+ is corrupt/,
      );
      db.exec(`UPDATE outbox SET payload = '{"text":"hello"}', kind = 'notice'`);
      expect(await store.claimOutbox(T0, 10, 60_000)).toHaveLength(1);
    });
  });

  it('reports a file locked by another writer for too long as store_busy', async () => {
    const store = await storeAt(path, { busyTimeoutMs: 100 });
    const request = await store.createRequest(newRequest(), { actor: 'U1', type: 'created' }, []);
    const other = rawAt();
    other.exec('BEGIN IMMEDIATE');
    try {
      await expect(
        store.transition(request.id, {
          from: ['pending'],
          to: 'cancelled',
          event: { actor: 'U1', type: 'cancelled' },
        }),
      ).rejects.toMatchObject({ code: 'store_busy' });
      // Reads still work while another process writes (WAL).
      expect((await store.getRequest(request.id))!.state).toBe('pending');
    } finally {
      other.exec('ROLLBACK');
    }
    const later = await store.transition(request.id, {
      from: ['pending'],
      to: 'cancelled',
      event: { actor: 'U1', type: 'cancelled' },
    });
    expect(later.applied).toBe(true);
  });

  describe('several processes on one file', () => {
    const WORKERS = 4;

    it('migrates a new file once when several processes open it at the same moment', async () => {
      const results = await race('open', path, []);
      expect(results.map((r) => r.won)).toEqual(Array(WORKERS).fill('opened'));
      expect(appliedMigrations(rawAt())).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
    });

    it('applies each approval in exactly one process', async () => {
      const store = await storeAt();
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        const r = await store.createRequest(newRequest(), { actor: 'U1', type: 'created' }, []);
        ids.push(r.id);
      }
      const results = await race('approve', path, ids);
      const won = results.flatMap((r) => r.won as string[]);
      expect(won.sort()).toEqual([...ids].sort());
      for (const id of ids) {
        const events = await store.listEvents(id);
        expect(events.filter((e) => e.type === 'approved')).toHaveLength(1);
        const request = await store.getRequest(id);
        const winner = results.find((r) => (r.won as string[]).includes(id))!.worker;
        expect(request).toMatchObject({ state: 'executing', decidedBy: winner, version: 2 });
      }
    });

    it('never leases one outbox message to two processes, and keeps per-request order', async () => {
      const store = await storeAt();
      const requests: string[] = [];
      for (let i = 0; i < 10; i++) {
        const r = await store.createRequest(newRequest(), { actor: 'U1', type: 'created' }, []);
        requests.push(r.id);
      }
      await store.enqueue([
        ...requests.flatMap((id) => [
          { kind: 'card' as const, channel: 'CSLOTS', requestId: id },
          { kind: 'thread_reply' as const, channel: 'CSLOTS', requestId: id },
        ]),
        ...Array.from({ length: 40 }, (_, i) => ({
          kind: 'notice' as const,
          channel: 'CSLOTS',
          payload: { text: `n${i}` },
        })),
      ]);
      const results = await race('claim', path, []);
      const claimed = results.flatMap((r) => r.won as number[]);
      expect(new Set(claimed).size).toBe(claimed.length);
      // Every independent notice and the first message of each request; the replies wait.
      expect(claimed).toHaveLength(40 + requests.length);
      const kinds = rawAt()
        .prepare(
          `SELECT kind, count(*) AS n FROM outbox WHERE lease_until IS NOT NULL GROUP BY kind ORDER BY kind`,
        )
        .all();
      expect(kinds).toEqual([
        { kind: 'card', n: 10 },
        { kind: 'notice', n: 40 },
      ]);
    });

    interface WorkerResult {
      readonly worker: string;
      readonly won: unknown;
    }

    /** Starts the workers, waits until each is ready, says go to all at once, collects answers. */
    async function race(mode: string, file: string, args: string[]): Promise<WorkerResult[]> {
      const children = Array.from({ length: WORKERS }, () =>
        spawn(process.execPath, ['--import', 'tsx', WORKER, mode, file, ...args], {
          cwd: ROOT,
          stdio: 'pipe',
        }),
      );
      try {
        const outputs = children.map(collect);
        await Promise.all(outputs.map((o) => o.ready));
        for (const child of children) child.stdin.write('go\n');
        return await Promise.all(outputs.map((o) => o.result));
      } finally {
        for (const child of children) if (child.exitCode === null) child.kill();
      }
    }

    function collect(child: ChildProcessWithoutNullStreams) {
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const lines = createInterface({ input: child.stdout });
      let onReady: () => void;
      const ready = new Promise<void>((resolve) => {
        onReady = resolve;
      });
      const result = new Promise<WorkerResult>((resolve, reject) => {
        let answer: WorkerResult | undefined;
        lines.on('line', (line) => {
          if (line === 'ready') onReady();
          else answer = JSON.parse(line) as WorkerResult;
        });
        child.on('close', (code) => {
          if (code === 0 && answer) resolve(answer);
          else reject(new Error(`worker exited with ${code}: ${stderr}`));
        });
      });
      // A worker that dies before `ready` must fail the test, not hang it.
      return { ready: Promise.race([ready, result.then(() => undefined)]), result };
    }
  });
});
