/**
 * Which replica polls AWS: two watchers on one database (a SQLite file, and a PostgreSQL database
 * when a server answers), as two processes would be, each with its own store connection and its
 * own count of AWS reads. Leases run on real time, so these tests use a one-second interval (a
 * lease check every 250 ms, a lease of 750 ms) and wait for real.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, describePostgres } from '../../test/helpers/postgres.js';
import type { CapacityServices } from '../aws/types.js';
import { createLogger } from '../logger.js';
import { StoreError } from '../store/errors.js';
import { openPostgresStore } from '../store/postgres.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/store.js';
import { createWatcher, leaseCheckMs, leaseTtlMs, WATCHER_LEASE } from './watcher.js';

const EVERY_MS = 1_000;
const CHECK_MS = leaseCheckMs(EVERY_MS);

describe('leaseCheckMs', () => {
  it.each([
    [400, 250],
    [1_000, 250],
    [4_000, 1_000],
    [60_000, 15_000],
    [15 * 60_000, 15_000],
    [24 * 3_600_000, 15_000],
  ])('for an interval of %i ms checks every %i ms', (everyMs, checkMs) => {
    expect(leaseCheckMs(everyMs)).toBe(checkMs);
    expect(leaseTtlMs(everyMs)).toBe(3 * checkMs);
  });

  it('fits a takeover (one check plus one lease) in one interval from a second up', () => {
    for (const everyMs of [1_000, 5_000, 60_000, 61_000, 15 * 60_000, 24 * 3_600_000]) {
      expect(leaseCheckMs(everyMs) + leaseTtlMs(everyMs)).toBeLessThanOrEqual(everyMs);
    }
  });
});

/** AWS as the watcher reads it, empty, counting each poll (one status read per poll). */
function countingAws() {
  const aws = {
    polls: 0,
    devicefarm: {
      getOfferingStatus: async () => {
        aws.polls += 1;
        return [];
      },
      listTransactions: async () => [],
    },
    mediaconnect: { listReservations: async () => [] },
  };
  return aws;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, probe: () => boolean, timeoutMs = 3_000): Promise<number> {
  const started = Date.now();
  while (!probe()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
  return Date.now() - started;
}

/** One database that several stores (replicas) open. */
interface SharedDatabase {
  open(): Promise<Store>;
  drop(): Promise<void>;
}

const backends: readonly [
  string,
  (name: string, fn: () => void) => void,
  () => Promise<SharedDatabase>,
][] = [
  [
    'SQLite',
    describe,
    async () => {
      const path = join(mkdtempSync(join(tmpdir(), 'slots-watcher-')), 'slots.db');
      return { open: () => openSqliteStore({ path }), drop: async () => {} };
    },
  ],
  [
    'PostgreSQL',
    describePostgres,
    async () => {
      const db = await createTestDatabase('slots_watcher');
      return { open: () => openPostgresStore({ url: db.url, poolSize: 2 }), drop: () => db.drop() };
    },
  ],
];

for (const [backend, describeOn, shared] of backends) {
  describeOn(`one replica polls AWS at a time (${backend})`, () => {
    let database: SharedDatabase;
    let stores: Store[];
    let logs: string[];
    let stops: (() => Promise<void>)[];

    beforeEach(async () => {
      database = await shared();
      stores = [];
      logs = [];
      stops = [];
    });
    afterEach(async () => {
      for (const stop of stops) await stop();
      for (const store of stores) await store.close();
      await database.drop();
    });

    async function replica(name: string, wrap: (store: Store) => Store = (s) => s) {
      const store = await database.open();
      stores.push(store);
      const aws = countingAws();
      const watcher = createWatcher({
        store: wrap(store),
        aws: aws as unknown as CapacityServices,
        clock: () => new Date('2026-11-22T12:00:00Z'),
        logger: createLogger({
          level: 'debug',
          destination: { write: (line: string) => void logs.push(line) },
        }).child({ replica: name }),
        channel: 'C0SLOTS',
        leadDays: [7, 1],
        everyMs: EVERY_MS,
        render: (notice) => ({ text: notice.kind, blocks: [] }),
        replicaId: name,
      });
      stops.push(() => watcher.stop());
      return { watcher, aws };
    }

    const logged = (name: string, message: string) =>
      logs.filter((l) => l.includes(`"replica":"${name}"`) && l.includes(message)).length;

    /** Replica `a`, started and holding the lease. */
    async function leader(wrap?: (store: Store) => Store) {
      const a = await replica('a', wrap);
      a.watcher.start();
      await until('a to lead', () => a.watcher.leads());
      return a;
    }

    /** Replica `b`, started while `a` leads, once it has seen the lease taken. */
    async function follower() {
      const b = await replica('b');
      b.watcher.start();
      await until('b to see the lease taken', () => logged('b', 'another replica polls AWS') > 0);
      return b;
    }

    it('only the lease holder polls, once per interval; the other stays quiet', async () => {
      const a = await leader();
      const b = await replica('b');
      b.watcher.start();

      await sleep(2.5 * EVERY_MS);
      // At the start, then about once a second (a check lands at most CHECK_MS after it is due).
      expect(a.aws.polls).toBeGreaterThanOrEqual(2);
      expect(a.aws.polls).toBeLessThanOrEqual(3);
      expect(b.aws.polls).toBe(0);
      expect(b.watcher.leads()).toBe(false);
      expect(logged('a', 'this replica polls AWS now')).toBe(1);
      expect(logged('b', 'another replica polls AWS')).toBe(1);
    });

    it('stop gives the lease up: the other replica polls at its next check', async () => {
      const a = await leader();
      const b = await follower();

      await a.watcher.stop();
      const tookOver = await until('b to poll', () => b.aws.polls > 0);
      expect(tookOver).toBeLessThanOrEqual(CHECK_MS + 250);
      expect(b.watcher.leads()).toBe(true);
      expect(logged('b', 'this replica polls AWS now')).toBe(1);
    });

    it('a leader that dies without giving the lease up is replaced within one interval', async () => {
      // A killed process releases nothing: its stop() here only ends its timers.
      const a = await leader((store) => ({ ...store, releaseLease: async () => {} }));
      const b = await follower();

      await a.watcher.stop();
      const polls = a.aws.polls;
      const tookOver = await until('b to poll', () => b.aws.polls > 0, 2 * EVERY_MS);
      expect(tookOver).toBeLessThanOrEqual(EVERY_MS + 250);
      expect(a.aws.polls).toBe(polls);
    });

    it('a store that does not answer the lease check means no poll, no crash, one warning', async () => {
      let away = true;
      const a = await replica('a', (store) => ({
        ...store,
        acquireLease: (...args) =>
          away
            ? Promise.reject(new StoreError('store_unavailable', 'connection refused'))
            : store.acquireLease(...args),
      }));
      a.watcher.start();
      await sleep(4 * CHECK_MS);
      expect(a.aws.polls).toBe(0);
      expect(a.watcher.leads()).toBe(false);
      const warnings = logs.filter(
        (l) => l.includes('"level":"warn"') && l.includes('not polling'),
      );
      expect(warnings).toHaveLength(1);

      away = false;
      await until('a to poll once the store answers', () => a.aws.polls > 0);
      expect(logged('a', 'the store answers the watcher lease again')).toBe(1);
    });

    it('pollOnce polls whether or not this replica holds the lease', async () => {
      await leader();
      const b = await replica('b');
      expect(await b.watcher.pollOnce()).toMatchObject({ failed: [] });
      expect(b.aws.polls).toBe(1);
    });

    it('stop hands the lease back in the store', async () => {
      const a = await leader();
      const store = stores[0]!;
      expect(await store.acquireLease(WATCHER_LEASE, 'someone', new Date(), 1_000)).toBe(false);
      await a.watcher.stop();
      expect(await store.acquireLease(WATCHER_LEASE, 'someone', new Date(), 1_000)).toBe(true);
    });
  });
}
