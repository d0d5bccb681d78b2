/**
 * `npm run audit` end to end: a scripted flow through the real bot (a purchase approved and bought
 * against the simulator, one rejected with a reason, one cancelled), then the export, in both
 * formats, from SQLite and from PostgreSQL, checked against the store: every request, every event,
 * who, what, when and what AWS answered. Then the export as a process beside a live bot.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../scripts/audit.js';
import { CSV_COLUMNS } from '../../src/audit/csv.js';
import { AUDIT_RECORD_KEYS } from '../../src/audit/record.js';
import type { PurchaseRequest } from '../../src/domain/requests.js';
import { SEED_IDS } from '../../src/sim/index.js';
import {
  APPROVE_ACTION,
  CANCEL_ACTION,
  REJECT_ACTION,
} from '../../src/slack/views/request-card.js';
import { REQUEST_MODAL_CALLBACK } from '../../src/slack/views/request-modal.js';
import type { Store } from '../../src/store/store.js';
import { parseCsv } from '../helpers/audit.js';
import { buttonValues } from '../helpers/blocks.js';
import { clickButton, requestCard, submitRejectReason } from '../helpers/cards.js';
import { waitForAsync } from '../helpers/fake-slack.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { deviceFarmFormValues, viewSubmission } from '../helpers/payloads.js';
import { createTestDatabase, describePostgres, type TestDatabase } from '../helpers/postgres.js';
import { holdSqliteLock } from '../helpers/sqlite-lock.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

const DF = SEED_IDS.androidRemote;
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const CAROL = 'U0CAROL';
const START = new Date('2026-11-22T12:00:00Z');
const MINUTE = 60_000;

/** Text from Slack that a spreadsheet must not run and a CSV reader must not split. */
const BOUGHT_REASON = 'release testing, "Q1" phones';
const REJECT_NOTE = '=HYPERLINK("http://x","y"), not now\nnext quarter';

interface Flow {
  readonly bought: string;
  readonly rejected: string;
  readonly cancelled: string;
}

async function until(what: string, id: string, h: Harness, state: string) {
  return waitForAsync(`${what} (${id} ${state})`, async () => {
    const r = await h.bot.store.getRequest(id);
    return r?.state === state ? r : undefined;
  });
}

/** Submits the request form as `user`; returns the id on the card the bot posts. */
async function formRequest(h: Harness, user: string, quantity: string, reason: string) {
  const before = h.slack.callsTo('chat.postMessage').length;
  const res = await h.interact(
    viewSubmission({
      callbackId: REQUEST_MODAL_CALLBACK,
      userId: user,
      privateMetadata: JSON.stringify({ kind: 'purchase', service: 'devicefarm' }),
      values: deviceFarmFormValues(DF, quantity, reason),
    }),
  );
  expect(res.status).toBe(200);
  return h.slack.waitFor('the card of the form request', () =>
    h.slack
      .callsTo('chat.postMessage')
      .slice(before)
      .map((c) => buttonValues(c.args, APPROVE_ACTION)[0])
      .find(Boolean),
  );
}

/** The three stories, a minute apart on the bot's clock. */
async function scriptedFlow(h: Harness): Promise<Flow> {
  const bought = await formRequest(h, ALICE, '2', BOUGHT_REASON);
  h.clock.advance(MINUTE);
  await clickButton(h, APPROVE_ACTION, bought, BOB);
  await until('bought', bought, h, 'succeeded');

  h.clock.advance(MINUTE);
  const rejected = await formRequest(h, ALICE, '1', 'more phones');
  h.clock.advance(MINUTE);
  await clickButton(h, REJECT_ACTION, rejected, CAROL);
  await h.slack.waitFor('the reject form', () =>
    h.slack.callsTo('views.open').find((c) => JSON.stringify(c.args.view).includes(rejected)),
  );
  await submitRejectReason(h, rejected, CAROL, REJECT_NOTE);
  await until('rejected', rejected, h, 'rejected');

  h.clock.advance(MINUTE);
  const { id: cancelled } = await requestCard(h, `purchase devicefarm ${DF} 3`, ALICE);
  h.clock.advance(MINUTE);
  await clickButton(h, CANCEL_ACTION, cancelled, ALICE);
  await until('cancelled', cancelled, h, 'cancelled');
  await h.bot.outbox.deliverDue();
  return { bought, rejected, cancelled };
}

/** Runs the export in this process with its output captured. */
async function audit(argv: string[], databaseUrl: string) {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const err: string[] = [];
  const code = await runAudit(
    argv,
    { stdout, err: (t) => err.push(t) },
    {
      DATABASE_URL: databaseUrl,
    },
  );
  return { code, stdout: Buffer.concat(chunks).toString('utf8'), stderr: err.join('\n') };
}

type Line = Record<string, unknown> & {
  id: string;
  events: { at: string; actor: string; type: string; detail: unknown }[];
};

const jsonl = (text: string): Line[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);

/** Every request in the store, oldest first, with its events: what the export must match. */
async function storeContents(
  store: Store,
): Promise<{ r: PurchaseRequest; events: Line['events'] }[]> {
  const all = (await store.listRequests({ limit: 200 })).reverse();
  return Promise.all(
    all.map(async (r) => ({
      r,
      events: (await store.listEvents(r.id)).map((e) => ({
        at: e.at.toISOString(),
        actor: e.actor,
        type: e.type,
        detail: e.detail,
      })),
    })),
  );
}

/** The same suite against each backend (the store's own suites do the same). */
function auditSuite(backend: 'sqlite' | 'postgres') {
  let h: Harness;
  let url: string;
  let db: TestDatabase | undefined;
  let flow: Flow;

  beforeAll(async () => {
    if (backend === 'postgres') db = await createTestDatabase('slots_audit');
    h = await startHarness({ now: START, ...(db && { env: { DATABASE_URL: db.url } }) });
    url = db ? db.url : `sqlite:${h.databasePath}`;
    flow = await scriptedFlow(h);
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await db?.drop();
  });

  it('writes every request with its whole history as JSON lines, matching the store', async () => {
    const { code, stdout, stderr } = await audit(['--since', '2026-11-22'], url);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^audit: 3 requests with \d+ events from /);
    const lines = jsonl(stdout);
    const stored = await storeContents(h.bot.store);
    expect(lines.map((l) => l.id)).toEqual([flow.bought, flow.rejected, flow.cancelled]);
    expect(lines.map((l) => l.id)).toEqual(stored.map((s) => s.r.id));
    for (const [i, line] of lines.entries()) {
      const { r, events } = stored[i]!;
      expect(Object.keys(line)).toEqual([...AUDIT_RECORD_KEYS]);
      expect(line).toMatchObject({
        state: r.state,
        requester: r.requester,
        reason: r.reason,
        createdAt: r.createdAt.toISOString(),
        expiresAt: r.expiresAt.toISOString(),
        decidedBy: r.decidedBy ?? null,
        decidedAt: r.decidedAt?.toISOString() ?? null,
        decisionNote: r.decisionNote ?? null,
        finishedAt: r.finishedAt?.toISOString() ?? null,
        approvalsNeeded: r.approvalsNeeded,
        approvals: r.approvals.map((a) => ({ by: a.by, at: a.at.toISOString() })),
      });
      // Every event, oldest first: who, what, when and its detail (AWS's answer among them).
      expect(line.events).toEqual(events);
    }

    const [bought, rejected, cancelled] = lines as [Line, Line, Line];
    const transaction = h.sim.state.deviceFarm.transactions.find(
      (t) => t.transactionId === (bought.outcome as { transactionId?: string }).transactionId,
    );
    expect(transaction?.offeringStatus).toMatchObject({ quantity: 2 });
    expect(bought).toMatchObject({
      state: 'succeeded',
      service: 'devicefarm',
      kind: 'purchase',
      offering: DF,
      quantity: 2,
      requester: ALICE,
      reason: BOUGHT_REASON,
      approvalsNeeded: 1,
      decidedBy: BOB,
      decidedAt: '2026-11-22T12:01:00.000Z',
      amount: { currency: 'USD', committed: '500.00', period: 'month', unitPrice: '250.00' },
      outcome: { transactionId: transaction!.transactionId, errorCode: null, dryRun: null },
    });
    expect(bought.events.map((e) => e.type)).toEqual([
      'created',
      'approved',
      'call_started',
      'aws_answered',
      'succeeded',
    ]);
    expect(bought.events.map((e) => e.actor).slice(0, 2)).toEqual([ALICE, BOB]);
    expect(JSON.stringify(bought.events)).toContain(transaction!.transactionId);

    expect(rejected).toMatchObject({
      state: 'rejected',
      decidedBy: CAROL,
      decidedAt: '2026-11-22T12:03:00.000Z',
      decisionNote: REJECT_NOTE,
      approvals: [],
      executionStartedAt: null,
      callStartedAt: null,
      outcome: null,
    });
    expect(rejected.events.map((e) => [e.type, e.actor])).toEqual([
      ['created', ALICE],
      ['rejected', CAROL],
    ]);
    expect(cancelled).toMatchObject({ state: 'cancelled', decidedBy: ALICE, quantity: 3 });
    expect(cancelled.events.map((e) => [e.type, e.actor, e.at])).toEqual([
      ['created', ALICE, '2026-11-22T12:04:00.000Z'],
      ['cancelled', ALICE, '2026-11-22T12:05:00.000Z'],
    ]);
  });

  it('lists who approved, and when', async () => {
    const [bought] = jsonl((await audit(['--since', '2026-11-22'], url)).stdout);
    expect(bought).toMatchObject({
      id: flow.bought,
      approvals: [{ by: BOB, at: '2026-11-22T12:01:00.000Z' }],
    });
  });

  it('writes one CSV row per event, RFC 4180 quoted, formulas defused', async () => {
    const { code, stdout } = await audit(['--since', '2026-11-22', '--format', 'csv'], url);
    expect(code).toBe(0);
    const [header, ...rows] = parseCsv(stdout);
    expect(header).toEqual([...CSV_COLUMNS]);
    const stored = await storeContents(h.bot.store);
    const expected = stored.flatMap(({ r, events }) => events.map((e) => ({ r, e })));
    expect(rows).toHaveLength(expected.length);
    const cell = (row: string[], name: string) => row[CSV_COLUMNS.indexOf(name)];
    rows.forEach((row, i) => {
      const { r, e } = expected[i]!;
      expect(row).toHaveLength(CSV_COLUMNS.length);
      expect(cell(row, 'request_id')).toBe(r.id);
      expect(cell(row, 'state')).toBe(r.state);
      expect(cell(row, 'event_at')).toBe(e.at);
      expect(cell(row, 'event_actor')).toBe(e.actor);
      expect(cell(row, 'event_type')).toBe(e.type);
      expect(JSON.parse(cell(row, 'event_detail')!)).toEqual(e.detail);
      expect(cell(row, 'transaction_id')).toBe(r.outcome?.transactionId ?? '');
    });
    const rejectedRows = rows.filter((row) => cell(row, 'request_id') === flow.rejected);
    expect(rejectedRows.map((row) => cell(row, 'decision_note'))).toEqual([
      `'${REJECT_NOTE}`,
      `'${REJECT_NOTE}`,
    ]);
    expect(cell(rows[0]!, 'reason')).toBe(BOUGHT_REASON);
    expect(cell(rows[0]!, 'committed')).toBe('500.00');
  });

  it('exports only the window asked for', async () => {
    const after = await audit(['--since', '2026-11-22T12:02:00Z'], url);
    expect(jsonl(after.stdout).map((l) => l.id)).toEqual([flow.rejected, flow.cancelled]);
    const window = await audit(
      ['--since', '2026-11-22T13:00:00+01:00', '--until', '2026-11-22T12:04:00Z'],
      url,
    );
    expect(jsonl(window.stdout).map((l) => l.id)).toEqual([flow.bought, flow.rejected]);
    const later = await audit(['--since', '2026-11-23'], url);
    expect(later).toMatchObject({ code: 0, stdout: '' });
    expect(later.stderr).toMatch(/^audit: 0 requests with 0 events/);
  });

  it('pages through more requests than one page holds', async () => {
    // 450 more, made straight in the store: the export must page (200 at a time) and miss none.
    const base = await h.bot.store.getRequest(flow.cancelled);
    for (let i = 0; i < 450; i++) {
      const id = `ZPAGE${String(i).padStart(3, '0')}`;
      await h.bot.store.createRequest(
        {
          id,
          action: base!.action,
          quote: base!.quote,
          requester: ALICE,
          reason: `paging ${i}`,
          createdAt: new Date(START.getTime() + 10 * MINUTE + Math.floor(i / 3) * 1_000),
          expiresAt: new Date(START.getTime() + 24 * 60 * MINUTE),
        },
        { actor: ALICE, type: 'created' },
        [],
      );
      await h.bot.store.transition(id, {
        from: ['pending'],
        to: 'cancelled',
        patch: { decidedBy: ALICE },
        event: { actor: ALICE, type: 'cancelled' },
      });
    }
    const { code, stdout } = await audit(['--since', '2026-11-22T12:10:00Z'], url);
    expect(code).toBe(0);
    const ids = jsonl(stdout).map((l) => l.id);
    expect(ids).toHaveLength(450);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(450);
  }, 60_000);
}

describe('npm run audit on SQLite', () => auditSuite('sqlite'));
describePostgres('npm run audit on PostgreSQL', () => auditSuite('postgres'));

describe('npm run audit beside a running bot', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ now: START });
    await scriptedFlow(h);
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('reads the SQLite file the bot holds open, while the bot writes and holds its lock', async () => {
    const env = { PATH: process.env.PATH ?? '', DATABASE_URL: `sqlite:${h.databasePath}` };
    // Another writer holds the write lock as the export starts: the export waits, it does not fail.
    const lock = await holdSqliteLock(h.databasePath, 1_000);
    const exported = run(TSX, ['scripts/audit.ts', '--since', '2026-11-22', '--format', 'csv'], {
      cwd: ROOT,
      env,
    });
    // And the bot goes on taking requests meanwhile.
    const { id } = await requestCard(h, `purchase devicefarm ${DF} 4`, ALICE);
    await lock.released;
    const { stdout, stderr } = await exported;
    const [header, ...rows] = parseCsv(stdout);
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(new Set(rows.map((r) => r[0])).size).toBeGreaterThanOrEqual(3);
    expect(stderr).toMatch(/^audit: \d+ requests with \d+ events from /);
    // The bot is unharmed: the request it took meanwhile is approved and bought.
    await clickButton(h, APPROVE_ACTION, id, BOB);
    await until('bought after the export', id, h, 'succeeded');
    const again = await audit(['--since', '2026-11-22'], `sqlite:${h.databasePath}`);
    expect(jsonl(again.stdout).map((l) => l.id)).toContain(id);
  }, 60_000);

  it('answers a bad argument with its problem and exit status 2, no stack', async () => {
    const failure = await run(TSX, ['scripts/audit.ts', '--since', '2026-02-30'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: `sqlite:${h.databasePath}` },
    }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect(failure).toMatchObject({ code: 2, stdout: '' });
    expect(failure.stderr).toMatch(/^audit: --since is not a real date or time\n/);
    expect(failure.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);
});

describe('npm run audit when the database cannot be read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slots-audit-'));

  it.each([
    [
      'a SQLite file that does not exist',
      `sqlite:${join(dir, 'nothing-here.db')}`,
      /^audit: no database at .*nothing-here\.db; set DATABASE_URL/,
    ],
    [
      'a file that is not a database',
      (() => {
        const path = join(dir, 'not-a-db.db');
        writeFileSync(
          path,
          'this is not a database, just text that is long enough to check\n'.repeat(20),
        );
        return `sqlite:${path}`;
      })(),
      /^audit: cannot open the database at .*not-a-db\.db: /,
    ],
    [
      'a PostgreSQL server that does not answer',
      'postgres://slots:s3cret-pw@127.0.0.1:1/slots',
      /^audit: cannot open the database at postgres:\/\/slots:\*\*\*@127\.0\.0\.1:1\/slots: /,
    ],
  ])('%s: one sentence on stderr, exit status 1', async (_name, databaseUrl, message) => {
    const { code, stdout, stderr } = await audit(['--since', '2026-01-01'], databaseUrl);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).not.toContain('s3cret-pw');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('names a malformed DATABASE_URL with exit status 2, without its password', async () => {
    const { code, stderr } = await audit(['--since', '2026-01-01'], 'mysql://u:s3cret-pw@db/x');
    expect(code).toBe(2);
    expect(stderr).toBe('audit: DATABASE_URL must be sqlite:PATH, a file path or postgres://…');
  });

  it('prints its usage for --help and exits 0', async () => {
    const { code, stdout } = await audit(['--help'], 'sqlite:unused.db');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run audit -- --since DATE/);
  });
});
