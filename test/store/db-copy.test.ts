/**
 * `db:copy`: a SQLite file populated through the store API (requests in several states, their
 * events, messages delivered, dead and waiting, notices, the watch state, a claim, a trigger) is
 * copied into a fresh PostgreSQL database; then the store's reads must answer the same on both,
 * new ids must follow the copied ones, the constraints must still hold, and a bot started on the
 * copy must approve the copied pending request with exactly one AWS purchase.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, parseCopyArgs, redactUrl, scrubPassword } from '../../scripts/db-copy.js';
import { noticeKeys } from '../../src/domain/notice-keys.js';
import { BOT_ACTOR, type RequestState } from '../../src/domain/requests.js';
import { SEED_IDS } from '../../src/sim/index.js';
import { APPROVE_ACTION } from '../../src/slack/views/request-card.js';
import {
  COPIED_TABLES,
  type CopiedTable,
  CopyError,
  type CopyReport,
  copySqliteToPostgres,
  matchColumns,
} from '../../src/store/copy.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { blockText, buttonValues } from '../helpers/blocks.js';
import { waitForAsync } from '../helpers/fake-slack.js';
import { FIXED_NOW, type Harness, startHarness, testClock } from '../helpers/harness.js';
import { deviceFarmOutside } from '../helpers/outside.js';
import { buttonClick } from '../helpers/payloads.js';
import { createTestDatabase, describePostgres } from '../helpers/postgres.js';
import { deviceFarmQuote, mediaConnectQuote } from '../helpers/quotes.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const CAROL = 'U0CAROL';
const CHANNEL = 'C0SLOTS';

/** The requests the fixture makes, by what each stands for (ids as the bot makes them). */
const IDS = {
  pending: 'RCPYPEND',
  succeeded: 'RCPYSCCD',
  failed: 'RCPYFA1D',
  rejected: 'RCPYREJX',
  cancelled: 'RCPYCANX',
  expired: 'RCPYEXPD',
} as const;
const TRANSACTION = 'tx-copied-0001';
const PENDING_TRIGGER = 'trigger-copied-pending';

function tempSqlitePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'slots-db-copy-')), 'slots.db');
}

/**
 * A SQLite file with some of everything, written through the store as the bot writes it. The
 * pending request asks for what the harness simulator sells (Android remote slots, 2 at $250), so
 * a bot on the copy can buy it. Times lie before `FIXED_NOW`, the harness's clock.
 */
async function populate(path: string): Promise<void> {
  const clock = testClock(new Date(FIXED_NOW.getTime() - 3 * HOUR));
  const store = await openSqliteStore({ path, clock });
  try {
    const at = (offsetMin: number) => new Date(FIXED_NOW.getTime() + offsetMin * MINUTE);
    const create = async (
      id: string,
      action: Parameters<Store['createRequest']>[0]['action'],
      quote: Parameters<Store['createRequest']>[0]['quote'],
      createdMin: number,
      triggerId?: string,
    ) => {
      clock.set(at(createdMin));
      await store.createRequest(
        {
          id,
          action,
          quote,
          requester: ALICE,
          reason: `copy test: ${id}`,
          createdAt: at(createdMin),
          expiresAt: at(createdMin + 24 * 60),
          ...(triggerId !== undefined && { triggerId }),
        },
        { actor: ALICE, type: 'created', detail: { via: 'command' } },
        [{ kind: 'card', channel: CHANNEL, requestId: id }],
      );
    };
    const move = async (
      id: string,
      from: RequestState,
      to: RequestState,
      type: string,
      patch: Parameters<Store['transition']>[1]['patch'] = {},
      extra: Partial<Parameters<Store['transition']>[1]> = {},
    ) => {
      clock.advance(MINUTE);
      const result = await store.transition(id, {
        from: [from],
        to,
        patch,
        event: { actor: patch.decidedBy ?? BOT_ACTOR, type },
        ...extra,
      });
      expect(result.applied, `${id} ${from} → ${to}`).toBe(true);
    };
    /** Approved by `by`: the call may start. */
    const approve = (id: string, by: string) =>
      move(id, 'pending', 'executing', 'approved', {
        decidedBy: by,
        decidedAt: clock(),
        executionStartedAt: clock(),
      });

    // Succeeded: approved, called, answered with a transaction the store claims for it.
    await create(
      IDS.succeeded,
      { service: 'devicefarm', kind: 'purchase', offeringId: SEED_IDS.iosRemote, quantity: 1 },
      deviceFarmQuote(1, 'iOS Remote Access Unmetered Device Slot'),
      -170,
    );
    await store.setCard(IDS.succeeded, { channel: CHANNEL, ts: '1763800000.000100' });
    await approve(IDS.succeeded, CAROL);
    await move(IDS.succeeded, 'executing', 'executing', 'call_started', {
      callStartedAt: clock(),
    });
    await store.addEvent(IDS.succeeded, {
      actor: BOT_ACTOR,
      type: 'aws_answered',
      detail: { transactionId: TRANSACTION, nested: { list: [1, 'two', null] } },
    });
    await move(
      IDS.succeeded,
      'executing',
      'succeeded',
      'succeeded',
      { finishedAt: clock(), outcome: { transactionId: TRANSACTION, source: 'answer' } },
      {
        outbox: [
          { kind: 'card', channel: CHANNEL, requestId: IDS.succeeded },
          {
            kind: 'thread_reply',
            channel: CHANNEL,
            requestId: IDS.succeeded,
            payload: { about: 'outcome' },
          },
        ],
        notices: [
          {
            key: noticeKeys.transaction(TRANSACTION),
            detail: { by: BOT_ACTOR, requestId: IDS.succeeded },
          },
        ],
      },
    );

    // Failed (the quote changed), rejected with a note, cancelled, expired.
    await create(
      IDS.failed,
      {
        service: 'mediaconnect',
        kind: 'purchase',
        offeringArn: SEED_IDS.offering10,
        reservationName: 'q4 "events" \\ ünïcode',
        start: '2026-11-01T00:00:00Z',
      },
      mediaConnectQuote(),
      -160,
    );
    await approve(IDS.failed, BOB);
    await move(IDS.failed, 'executing', 'failed', 'quote_changed', {
      finishedAt: clock(),
      outcome: { errorCode: 'quote_changed', message: 'Nothing was bought: the price changed.' },
    });
    await create(
      IDS.rejected,
      { service: 'devicefarm', kind: 'renew', offeringId: SEED_IDS.iosRemote, quantity: 0 },
      deviceFarmQuote(0),
      -150,
    );
    await move(IDS.rejected, 'pending', 'rejected', 'rejected', {
      decidedBy: BOB,
      decidedAt: clock(),
      decisionNote: "not this quarter, it's too much",
      finishedAt: clock(),
    });
    await create(
      IDS.cancelled,
      {
        service: 'devicefarm',
        kind: 'purchase',
        offeringId: SEED_IDS.androidAutomated,
        quantity: 3,
      },
      deviceFarmQuote(3, 'Android Unmetered Device Slot'),
      -140,
    );
    await move(IDS.cancelled, 'pending', 'cancelled', 'cancelled', {
      decidedBy: ALICE,
      decidedAt: clock(),
      finishedAt: clock(),
    });
    await create(
      IDS.expired,
      { service: 'devicefarm', kind: 'purchase', offeringId: SEED_IDS.iosAutomated, quantity: 1 },
      deviceFarmQuote(1, 'iOS Unmetered Device Slot'),
      -130,
    );
    await move(IDS.expired, 'pending', 'expired', 'expired', { finishedAt: clock() });

    // Pending, made from a trigger the store remembers; approved on the copy by the e2e test.
    await create(
      IDS.pending,
      { service: 'devicefarm', kind: 'purchase', offeringId: SEED_IDS.androidRemote, quantity: 2 },
      deviceFarmQuote(2),
      -60,
      PENDING_TRIGGER,
    );

    // Notices: with and without detail, and one poll's worth of watch state (two commits).
    await store.recordNotice(noticeKeys.renewal(SEED_IDS.androidRemote, '2026-12-01', 7), at(-50), {
      offeringId: SEED_IDS.androidRemote,
      quantity: 2,
      note: 'línea "quoted"',
    });
    await store.recordNotice('aws-failing:devicefarm:2026-11-22T10:00:00Z', at(-49));
    const first = await store.commitWatch({
      expectedVersion: 0,
      value: { copiedFixture: true, polls: 1 },
      at: at(-40),
      notices: [
        {
          keys: ['reservation-ending:arn:x:2026-12-01:7d'],
          detail: { arn: 'arn:x', days: 7 },
          outbox: [{ kind: 'notice', channel: CHANNEL, payload: { text: 'ending soon' } }],
        },
      ],
      quietKeys: ['transaction:outside-history-1'],
    });
    expect(first).toEqual({ applied: true, announced: 1 });
    await store.commitWatch({
      expectedVersion: 1,
      value: { copiedFixture: true, polls: 2, list: ['a', 'b'] },
      at: at(-30),
      notices: [],
      quietKeys: [],
    });
    clock.set(at(-20));
    await store.enqueue([
      { kind: 'ephemeral', channel: CHANNEL, user: ALICE, payload: { text: 'refused' } },
    ]);

    // Delivery: the first due message of each request and the ones of no request are handed
    // out; the open requests' cards are posted (as the bot does within moments), one message is
    // dead, the rest failed once and wait for their retry.
    const claimed = await store.claimOutbox(at(-10), 100, 30_000);
    for (const m of claimed) {
      if (m.requestId === IDS.succeeded || m.requestId === IDS.pending) {
        await store.markDelivered(m.id, at(-9));
        await store.setCard(m.requestId, { channel: CHANNEL, ts: `1763800000.00020${m.id}` });
      } else if (m.kind === 'ephemeral') await store.markDead(m.id, at(-9), 'channel_not_found');
      else await store.markFailed(m.id, at(-5), 'ratelimited');
    }
    expect(claimed.length).toBeGreaterThanOrEqual(4);
    // A lease held by the (stopped) bot: a lease of live processes, which is not copied.
    await store.acquireLease('aws-poll', 'old-host:123', at(-1), 30_000);
  } finally {
    await store.close();
  }
}

async function countTarget(url: string): Promise<Record<CopiedTable | 'leases', number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const out = {} as Record<CopiedTable | 'leases', number>;
    for (const table of [...COPIED_TABLES, 'leases' as const]) {
      const r = await client.query<{ n: string }>(`SELECT COUNT(*)::text AS n FROM ${table}`);
      out[table] = Number(r.rows[0]!.n);
    }
    return out;
  } finally {
    await client.end();
  }
}

function sqliteCounts(path: string): Record<CopiedTable, number> {
  const db = new Database(path, { readonly: true });
  try {
    return Object.fromEntries(
      COPIED_TABLES.map((t) => [t, Number(db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get())]),
    ) as Record<CopiedTable, number>;
  } finally {
    db.close();
  }
}

/** Runs `npm run db:copy`'s script as a process; resolves with its exit code and output. */
function runCli(
  args: readonly string[],
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/db-copy.ts', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** Polls once (joining a poll under way), then delivers what it queued. */
async function poll(h: Harness): Promise<void> {
  await h.bot.watcher.pollOnce();
  await h.bot.outbox.deliverDue();
}

/** Notices: top-level channel messages that are not request cards. */
const channelPosts = (h: Harness) =>
  h.slack
    .callsTo('chat.postMessage')
    .filter(
      (c) =>
        c.args.channel === CHANNEL &&
        !c.failed &&
        !c.args.thread_ts &&
        buttonValues(c.args, APPROVE_ACTION).length === 0,
    );

function withPassword(url: string, password: string): string {
  const u = new URL(url);
  if (u.username === '') u.username = 'postgres';
  u.password = password;
  return u.toString();
}

// ---------------------------------------------------------------------------------------------
// Arguments (no database needed)

describe('db:copy arguments', () => {
  it('accepts --from sqlite:PATH and --to postgres://, in either spelling', () => {
    expect(
      parseCopyArgs(['--from', 'sqlite:./data/slots.db', '--to', 'postgres://u:p@h:5432/d']),
    ).toEqual({ kind: 'copy', from: './data/slots.db', to: 'postgres://u:p@h:5432/d' });
    expect(parseCopyArgs(['--from=/tmp/x.db', '--to=postgresql://h/d?sslmode=require'])).toEqual({
      kind: 'copy',
      from: '/tmp/x.db',
      to: 'postgresql://h/d?sslmode=require',
    });
    expect(parseCopyArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseCopyArgs(['-h', '--bogus'])).toEqual({ kind: 'help' });
  });

  it.each([
    ['nothing', [], [/--from is required/, /--to is required/]],
    ['no target', ['--from', 'sqlite:a.db'], [/--to is required/]],
    ['a flag without its value', ['--from', '--to', 'postgres://h/d'], [/--from needs a value/]],
    ['a value at the end missing', ['--from', 'a.db', '--to'], [/--to needs a value/]],
    ['an unknown flag', ['--form', 'a.db', '--to', 'postgres://h/d'], [/unknown flag --form/]],
    [
      'the same flag twice',
      ['--from', 'a', '--from', 'b', '--to', 'postgres://h/d'],
      [/twice|more than once/],
    ],
    ['a value without a flag', ['a.db', 'postgres://h/d'], [/without a flag/]],
    [
      'a URL as the source',
      ['--from', 'postgres://h/d', '--to', 'postgres://h/e'],
      [/goes in --to/],
    ],
    [
      'a file as the target',
      ['--from', 'a.db', '--to', 'sqlite:b.db'],
      [/--to must be a postgres/],
    ],
    [
      'a bad sslmode',
      ['--from', 'a.db', '--to', 'postgres://h/d?sslmode=maybe'],
      [/--to has an unknown sslmode/],
    ],
    ['a broken URL', ['--from', 'a.db', '--to', 'postgres://u:p@[::1/d'], [/--to must be a valid/]],
  ])('refuses %s, naming the flag', (_name, argv, patterns) => {
    const parsed = parseCopyArgs(argv);
    expect(parsed.kind).toBe('usage_error');
    const problems = parsed.kind === 'usage_error' ? parsed.problems.join('\n') : '';
    for (const p of patterns) expect(problems).toMatch(p);
  });

  it('never repeats a value, which may hold a password', () => {
    const parsed = parseCopyArgs(['--from', 'a.db', 'postgres://u:hunter2@h/d', '--x=hunter2']);
    expect(parsed.kind).toBe('usage_error');
    expect(JSON.stringify(parsed)).not.toContain('hunter2');
    expect(redactUrl('postgres://u:hunter2@h:5432/d?sslmode=require')).toBe(
      'postgres://u:***@h:5432/d?sslmode=require',
    );
    expect(redactUrl('postgres://h/d')).toBe('postgres://h/d');
    expect(scrubPassword('auth failed for p%40ss and p@ss', 'postgres://u:p%40ss@h/d')).toBe(
      'auth failed for *** and ***',
    );
  });

  it('names the columns two tables disagree on', () => {
    const target = [
      { name: 'id', type: 'bigint', generated: false },
      { name: 'added_later', type: 'text', generated: false },
      { name: 'computed', type: 'text', generated: true },
    ];
    expect(matchColumns('t', ['id'], target.slice(0, 1))).toEqual(target.slice(0, 1));
    expect(matchColumns('t', ['id', 'computed'], [target[0]!, target[2]!])).toHaveLength(2);
    expect(() => matchColumns('t', ['id', 'gone'], target)).toThrow(
      /columns of t differ \(only in the source: gone; only in the target: added_later\)/,
    );
  });

  it.each([
    [['--nope'], EXIT.usage, /unknown flag --nope[\s\S]*Usage: npm run db:copy/],
    [['--from', 'a.db'], EXIT.usage, /--to is required/],
    [['--help'], EXIT.copied, /Usage: npm run db:copy -- --from sqlite:PATH --to postgres:/],
  ])('the CLI with %j exits %i', async (argv, code, pattern) => {
    const run = await runCli(argv);
    expect(run.code).toBe(code);
    expect(run.out + run.err).toMatch(pattern);
  });
});

// ---------------------------------------------------------------------------------------------
// The copy (needs PostgreSQL)

describePostgres('db:copy into PostgreSQL', () => {
  const sourcePath = tempSqlitePath();
  let target: Awaited<ReturnType<typeof createTestDatabase>>;
  let report: CopyReport;
  let source: Store;
  let copy: Store;
  const dropLater: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    await populate(sourcePath);
    target = await createTestDatabase('dbcopy');
    dropLater.push(target.drop);
    // Small batches, so every table with more than a few rows takes several INSERTs.
    report = await copySqliteToPostgres({ from: sourcePath, to: target.url, batchRows: 3 });
    source = await openSqliteStore({ path: sourcePath });
    copy = await openPostgresStore({ url: target.url, poolSize: 2 });
  }, 60_000);

  afterAll(async () => {
    await copy?.close();
    await source?.close();
    for (const drop of dropLater) await drop().catch(() => undefined);
  });

  describe('reads on the copy answer as on the source', () => {
    it('has every row of every table, and no lease', async () => {
      const expected = sqliteCounts(sourcePath);
      expect(report.counts).toEqual(expected);
      expect(report.schemaVersion).toBe(5);
      expect(expected.requests).toBe(Object.keys(IDS).length);
      for (const table of COPIED_TABLES) {
        if (table !== 'seen_triggers') expect(expected[table], table).toBeGreaterThan(0);
      }
      expect(expected.seen_triggers).toBe(1);
      const counts = await countTarget(target.url);
      expect(counts).toMatchObject(expected);
      expect(counts.leases).toBe(0);
    });

    it('requests, one by one and listed', async () => {
      for (const id of Object.values(IDS)) {
        const original = await source.getRequest(id);
        expect(original, id).toBeDefined();
        expect(await copy.getRequest(id), id).toEqual(original);
      }
      expect(await copy.listRequests({ limit: 200 })).toEqual(
        await source.listRequests({ limit: 200 }),
      );
      for (const states of [['pending'], ['succeeded', 'failed'], ['executing']] as const) {
        expect(await copy.listRequests({ states })).toEqual(await source.listRequests({ states }));
      }
      const later = new Date(FIXED_NOW.getTime() + 48 * HOUR);
      expect(await copy.listExpired(later)).toEqual(await source.listExpired(later));
    });

    it('events and outbox messages, with their ids', async () => {
      for (const id of Object.values(IDS)) {
        const events = await source.listEvents(id);
        expect(events.length, id).toBeGreaterThan(0);
        expect(await copy.listEvents(id), id).toEqual(events);
        expect(await copy.listOutbox(id), id).toEqual(await source.listOutbox(id));
      }
      const outbox = await copy.listOutbox(IDS.succeeded);
      expect(outbox.map((m) => Boolean(m.deliveredAt))).toContain(true);
      expect(await copy.outboxHealth()).toEqual(await source.outboxHealth());
      expect((await copy.outboxHealth()).dead).toBe(1);
    });

    it('notices with their details, the watch state and the AWS claims', async () => {
      expect(await copy.listNoticeKeys()).toEqual(await source.listNoticeKeys());
      for (const prefix of ['renewal:', 'transaction:', 'reservation-ending:', 'nothing:']) {
        expect(await copy.listNoticeKeys(prefix), prefix).toEqual(
          await source.listNoticeKeys(prefix),
        );
      }
      for (const key of await source.listNoticeKeys()) {
        expect(await copy.getNotice(key), key).toEqual(await source.getNotice(key));
      }
      const renewal = await copy.getNotice(
        noticeKeys.renewal(SEED_IDS.androidRemote, '2026-12-01', 7),
      );
      expect(renewal?.detail).toMatchObject({ note: 'línea "quoted"' });
      expect(await copy.getWatchState()).toEqual(await source.getWatchState());
      expect((await copy.getWatchState())?.version).toBe(2);
      for (const owner of [IDS.succeeded, IDS.pending]) {
        expect(await copy.takenAwsIds([TRANSACTION, 'tx-unknown'], owner)).toEqual(
          await source.takenAwsIds([TRANSACTION, 'tx-unknown'], owner),
        );
      }
      expect(await copy.takenAwsIds([TRANSACTION], IDS.pending)).toEqual(new Set([TRANSACTION]));
    });
  });

  describe('the copy goes on as if it had always been the database', () => {
    it('hands out event and message ids after the copied ones', async () => {
      const copiedEvents = (await copy.listEvents(IDS.failed)).map((e) => e.id);
      await copy.addEvent(IDS.failed, { actor: BOT_ACTOR, type: 'after_copy' });
      const added = (await copy.listEvents(IDS.failed)).at(-1)!;
      expect(added.type).toBe('after_copy');
      expect(added.id).toBe(report.nextIds.request_events);
      expect(added.id).toBeGreaterThan(Math.max(...copiedEvents));

      await copy.enqueue([{ kind: 'thread_reply', channel: CHANNEL, requestId: IDS.failed }]);
      const message = (await copy.listOutbox(IDS.failed)).at(-1)!;
      expect(message.id).toBe(report.nextIds.outbox);
      const sourceIds = new Set<number>();
      for (const id of Object.values(IDS)) {
        for (const m of await source.listOutbox(id)) sourceIds.add(m.id);
      }
      expect(message.id).toBeGreaterThan(Math.max(...sourceIds));
    });

    it('still refuses a second open request for the pending one’s offering', async () => {
      const pending = (await copy.getRequest(IDS.pending))!;
      await expect(
        copy.createRequest(
          {
            id: 'RCPYDPDP',
            action: pending.action,
            quote: pending.quote,
            requester: CAROL,
            reason: 'again',
            createdAt: FIXED_NOW,
            expiresAt: new Date(FIXED_NOW.getTime() + HOUR),
          },
          { actor: CAROL, type: 'created' },
          [],
        ),
      ).rejects.toMatchObject({
        code: 'store_open_request',
        detail: { openRequestId: IDS.pending },
      });
    });

    it('still refuses a request from a trigger already used', async () => {
      const pending = (await copy.getRequest(IDS.pending))!;
      await expect(
        copy.createRequest(
          {
            id: 'RCPYTRGG',
            action: { service: 'devicefarm', kind: 'purchase', offeringId: 'other', quantity: 1 },
            quote: deviceFarmQuote(1),
            requester: ALICE,
            reason: 'replayed',
            createdAt: new Date(pending.createdAt.getTime() + MINUTE),
            expiresAt: new Date(FIXED_NOW.getTime() + HOUR),
            triggerId: PENDING_TRIGGER,
          },
          { actor: ALICE, type: 'created' },
          [],
        ),
      ).rejects.toMatchObject({ code: 'store_duplicate_trigger' });
      expect(await copy.getRequest('RCPYTRGG')).toBeUndefined();
    });
  });

  describe('refusals', () => {
    it('refuses a target that holds data, naming it, and writes nothing', async () => {
      const before = await countTarget(target.url);
      const error = await copySqliteToPostgres({ from: sourcePath, to: target.url }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CopyError);
      expect(error).toMatchObject({ code: 'copy_target_not_empty' });
      expect((error as CopyError).message).toMatch(
        /already holds data \(requests: \d+, request_events: \d+/,
      );
      expect((error as CopyError).detail.requests).toBe(before.requests);
      expect(await countTarget(target.url)).toEqual(before);
    });

    it('refuses a target holding a single notice', async () => {
      const other = await createTestDatabase('dbcopy');
      dropLater.push(other.drop);
      const store = await openPostgresStore({ url: other.url, poolSize: 1 });
      await store.recordNotice('left-over', FIXED_NOW);
      await store.close();
      await expect(copySqliteToPostgres({ from: sourcePath, to: other.url })).rejects.toMatchObject(
        { code: 'copy_target_not_empty', detail: { notices: 1 } },
      );
      expect((await countTarget(other.url)).requests).toBe(0);
    });

    it('refuses a target migrated by a newer slots-bot, writing nothing', async () => {
      const newer = await createTestDatabase('dbcopy');
      dropLater.push(newer.drop);
      await (await openPostgresStore({ url: newer.url, poolSize: 1 })).close();
      const client = new pg.Client({ connectionString: newer.url });
      await client.connect();
      await client.query(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', 0)",
      );
      await client.end();
      await expect(copySqliteToPostgres({ from: sourcePath, to: newer.url })).rejects.toMatchObject(
        { code: 'copy_target_unavailable', message: expect.stringMatching(/schema version 99/) },
      );
      expect((await countTarget(newer.url)).requests).toBe(0);
    });

    it('refuses a source file that does not exist, without creating it', async () => {
      const missing = join(tmpdir(), `slots-db-copy-missing-${process.pid}`, 'nope.db');
      await expect(copySqliteToPostgres({ from: missing, to: target.url })).rejects.toMatchObject({
        code: 'copy_source_missing',
      });
      expect(existsSync(missing)).toBe(false);
    });

    it('refuses a file that is not a slots-bot database, or one from a newer slots-bot', async () => {
      const junk = tempSqlitePath();
      writeFileSync(junk, 'not a database at all, just text that is long enough to be read');
      await expect(copySqliteToPostgres({ from: junk, to: target.url })).rejects.toMatchObject({
        code: 'copy_source_unreadable',
      });
      const newer = tempSqlitePath();
      await (await openSqliteStore({ path: newer })).close();
      const db = new Database(newer);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, ?, 0)').run(
        'from the future',
      );
      db.close();
      await expect(copySqliteToPostgres({ from: newer, to: target.url })).rejects.toMatchObject({
        code: 'copy_source_unreadable',
        message: expect.stringMatching(/schema version 99/),
      });
    });
  });

  describe('the CLI', () => {
    it('copies, prints the counts, and never prints the password', async () => {
      const fresh = await createTestDatabase('dbcopy');
      dropLater.push(fresh.drop);
      // Trust authentication ignores the password, so it can be any secret-looking text.
      const url = withPassword(fresh.url, 'pa55-w0rd-secret');
      const run = await runCli(['--from', `sqlite:${sourcePath}`, '--to', url]);
      expect(run.err).toBe('');
      expect(run.code).toBe(EXIT.copied);
      expect(run.out).toMatch(/Copied .* into postgres:\/\/postgres:\*\*\*@/);
      const expected = sqliteCounts(sourcePath);
      for (const table of COPIED_TABLES) {
        expect(run.out).toMatch(new RegExp(`^ {2}${table} +${expected[table]}$`, 'm'));
      }
      expect(run.out + run.err).not.toContain('pa55-w0rd-secret');

      const again = await runCli([`--from=${sourcePath}`, `--to=${url}`]);
      expect(again.code).toBe(EXIT.failed);
      expect(again.err).toMatch(/already holds data/);
      expect(again.err).toMatch(/no data was written/);
      expect(again.out + again.err).not.toContain('pa55-w0rd-secret');
    });

    it('exits 1 for a missing source file', async () => {
      const run = await runCli(['--from', 'sqlite:/nonexistent/slots.db', '--to', target.url]);
      expect(run.code).toBe(EXIT.failed);
      expect(run.err).toMatch(/does not exist/);
    });

    it('exits 1 when the target cannot be reached, without the password', async () => {
      const run = await runCli([
        '--from',
        sourcePath,
        '--to',
        'postgres://postgres:pa55-w0rd-secret@127.0.0.1:1/nothing?connect_timeout=2',
      ]);
      expect(run.code).toBe(EXIT.failed);
      expect(run.err).toMatch(/target/);
      expect(run.out + run.err).not.toContain('pa55-w0rd-secret');
    }, 30_000);
  });

  it('warns when a bot still held a lease in the source at the copy', async () => {
    const fresh = await createTestDatabase('dbcopy');
    dropLater.push(fresh.drop);
    const result = await copySqliteToPostgres({
      from: sourcePath,
      to: fresh.url,
      now: new Date(FIXED_NOW.getTime() - MINUTE + 1_000),
    });
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/old-host:123 holds the lease "aws-poll"/);
    expect((await countTarget(fresh.url)).leases).toBe(0);
    // The real now is long past that lease: no warning.
    expect(report.warnings).toEqual([]);
  });

  it('copies ten thousand rows in seconds', async () => {
    const path = tempSqlitePath();
    const store = await openSqliteStore({ path });
    await store.createRequest(
      {
        id: 'RBGG0001',
        action: { service: 'devicefarm', kind: 'purchase', offeringId: 'big', quantity: 1 },
        quote: deviceFarmQuote(1),
        requester: ALICE,
        reason: 'volume',
        createdAt: FIXED_NOW,
        expiresAt: new Date(FIXED_NOW.getTime() + HOUR),
      },
      { actor: ALICE, type: 'created' },
      [],
    );
    await store.close();
    // Straight into the file: ten thousand store calls would time the fsyncs, not the copy.
    const db = new Database(path);
    const insert = db.prepare(
      `INSERT INTO request_events (request_id, at, actor, type, detail) VALUES ('RBGG0001', ?, 'U0X', 'noted', ?)`,
    );
    db.transaction(() => {
      for (let i = 0; i < 10_000; i++) insert.run(FIXED_NOW.getTime() + i, JSON.stringify({ i }));
    })();
    db.close();
    const big = await createTestDatabase('dbcopy');
    dropLater.push(big.drop);
    const started = performance.now();
    const result = await copySqliteToPostgres({ from: path, to: big.url });
    const seconds = (performance.now() - started) / 1000;
    expect(result.counts.request_events).toBe(10_001);
    expect(result.nextIds.request_events).toBe(10_002);
    expect(seconds).toBeLessThan(10);
  }, 60_000);

  describe('a bot on the copy', () => {
    let h: Harness;
    let db: Awaited<ReturnType<typeof createTestDatabase>>;

    beforeAll(async () => {
      db = await createTestDatabase('dbcopy');
      dropLater.push(db.drop);
      await copySqliteToPostgres({ from: sourcePath, to: db.url });
      h = await startHarness({ env: { DATABASE_URL: db.url } });
      h.slack.handle('usergroups.users.list', () => ({ users: [] }));
    }, 60_000);
    afterAll(async () => {
      await h?.stop();
    });

    it('approves the copied pending request with exactly one purchase', async () => {
      const purchases = () => h.sim.callsTo('PurchaseOffering', 'devicefarm');
      const copied = await h.bot.requests.get(IDS.pending);
      expect(copied).toMatchObject({ state: 'pending', requester: ALICE });
      expect(copied?.card).toBeDefined();
      // The copied messages still waiting go out first, as they would after a restart.
      await h.bot.outbox.deliverDue();
      const before = purchases().length;

      const responseUrl = h.slack.responseUrl();
      const res = await h.interact(
        buttonClick({ actionId: APPROVE_ACTION, value: IDS.pending, userId: BOB, responseUrl }),
      );
      expect(res.status).toBe(200);
      const done = await waitForAsync(`request ${IDS.pending} to succeed`, async () => {
        const r = await h.bot.requests.get(IDS.pending);
        return r && r.state !== 'pending' && r.state !== 'executing' ? r : undefined;
      });
      expect(done.state).toBe('succeeded');
      expect(done.decidedBy).toBe(BOB);
      const tx = done.outcome!.transactionId!;
      expect(purchases().length - before).toBe(1);
      expect(purchases().at(-1)!.input).toMatchObject({
        offeringId: SEED_IDS.androidRemote,
        quantity: 2,
      });
      await h.bot.outbox.deliverDue();
      await h.slack.waitFor('the copied card edited with the outcome', () =>
        h.slack
          .callsTo('chat.update')
          .find((c) => c.args.ts === copied!.card!.ts && blockText(c.args).includes(tx)),
      );
      // Its trail goes on from the copied `created` event.
      const events = await h.bot.store.listEvents(IDS.pending);
      expect(events.map((e) => e.type)).toEqual([
        'created',
        'approved',
        'call_started',
        'aws_answered',
        'succeeded',
      ]);
      expect(events[0]!.detail).toEqual({ via: 'command' });
      // The purchase is claimed on the copy like any other: the old claim still stands too.
      expect(await h.bot.store.takenAwsIds([tx, TRANSACTION], IDS.pending)).toEqual(
        new Set([TRANSACTION]),
      );
    });
  });

  describe('a bot moved from SQLite to the copy', () => {
    // 6½ days before the next period (1 Dec): the first poll announces the upcoming renewals.
    const start = new Date('2026-11-24T12:00:00Z');
    let before: Harness | undefined;
    let after: Harness | undefined;
    afterAll(async () => {
      await before?.stop().catch(() => undefined);
      await after?.stop();
    });

    it('announces nothing again, re-posts nothing, and finishes the request made before', async () => {
      before = await startHarness({ now: start });
      const a = before;
      await poll(a);
      const txId = await deviceFarmOutside(a.sim.url, 'RenewOffering', SEED_IDS.androidRemote, 5);
      await poll(a);
      expect(channelPosts(a).filter((c) => blockText(c.args).includes(txId))).toHaveLength(1);
      expect(channelPosts(a).length).toBeGreaterThanOrEqual(5);

      const posted = a.slack.callsTo('chat.postMessage').length;
      const command = await a.command(`purchase devicefarm ${SEED_IDS.iosAutomated} 1`, {
        userId: ALICE,
      });
      expect(command.status).toBe(200);
      const id = await a.slack.waitFor('the card', () =>
        a.slack
          .callsTo('chat.postMessage')
          .slice(posted)
          .flatMap((c) => buttonValues(c.args, APPROVE_ACTION))
          .find(Boolean),
      );
      await a.bot.outbox.deliverDue();
      const card = await waitForAsync('the card recorded', async () => {
        const r = await a.bot.requests.get(id);
        return r?.card;
      });
      await a.stop();
      before = undefined;

      const db = await createTestDatabase('dbcopy');
      dropLater.push(db.drop);
      await copySqliteToPostgres({ from: a.databasePath, to: db.url });
      // The same AWS account as before the move: the simulator goes on from where it was.
      after = await startHarness({
        now: a.clock(),
        seed: () => structuredClone(a.sim.state),
        env: { DATABASE_URL: db.url },
      });
      const b = after;
      b.slack.handle('usergroups.users.list', () => ({ users: [] }));
      await poll(b);
      b.clock.advance(HOUR);
      await poll(b);
      // No notice announced a second time, no card posted again.
      expect(b.slack.callsTo('chat.postMessage')).toEqual([]);

      const res = await b.interact(
        buttonClick({
          actionId: APPROVE_ACTION,
          value: id,
          userId: BOB,
          responseUrl: b.slack.responseUrl(),
        }),
      );
      expect(res.status).toBe(200);
      const done = await waitForAsync(`request ${id} to finish`, async () => {
        const r = await b.bot.requests.get(id);
        return r && r.state !== 'pending' && r.state !== 'executing' ? r : undefined;
      });
      expect(done.state).toBe('succeeded');
      expect(b.sim.callsTo('PurchaseOffering', 'devicefarm')).toHaveLength(1);
      await b.bot.outbox.deliverDue();
      // The card posted before the move is edited in place, and the outcome goes in its thread.
      await b.slack.waitFor('the card edited', () =>
        b.slack.callsTo('chat.update').find((c) => c.args.ts === card.ts),
      );
      await b.slack.waitFor('the outcome in the thread', () =>
        b.slack.callsTo('chat.postMessage').find((c) => c.args.thread_ts === card.ts),
      );
      await poll(b);
      expect(channelPosts(b)).toEqual([]);
    }, 60_000);
  });
});
