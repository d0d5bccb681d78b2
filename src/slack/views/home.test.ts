import { describe, expect, it } from 'vitest';
import { blockText, buttonValues, sectionTexts } from '../../../test/helpers/blocks.js';
import { AwsError } from '../../aws/errors.js';
import type { Reservation, SlotStatus } from '../../aws/types.js';
import type { StatusReport } from '../../capacity/reports.js';
import { money, times } from '../../domain/money.js';
import type { PurchaseRequest, RequestState } from '../../domain/requests.js';
import { viewProblems } from '../../sandbox/slack/block-limits.js';
import { DRY_RUN_TEXT } from './dry-run.js';
import {
  awaitingApprovalBy,
  HOME_BLOCKS_MAX,
  HOME_NOTICE_BLOCK,
  HOME_VIEW_BYTES_MAX,
  type HomeInput,
  homeView,
  OWN_SHOWN,
  ownState,
  RENEWALS_SHOWN,
  TO_APPROVE_SHOWN,
} from './home.js';
import type { KnownBlock } from './message.js';
import { APPROVE_ACTION, CANCEL_ACTION, REJECT_ACTION } from './request-card.js';

const NOW = new Date('2026-11-22T10:00:00Z');
const VIEWER = 'U0BOB';
const ALICE = 'U0ALICE';

function slots(n: number, over: Partial<SlotStatus> = {}): SlotStatus {
  const monthlyPrice = money('250');
  return {
    offering: {
      service: 'devicefarm',
      id: `o-${n}`,
      description: `DF offering ${n}`,
      platform: 'IOS',
      monthlyPrice,
    },
    currentQuantity: 2,
    nextPeriodQuantity: 2,
    nextPeriodEffectiveOn: new Date('2026-12-01T00:00:00Z'),
    currentMonthlyCost: times(monthlyPrice, 2),
    nextMonthlyCost: times(monthlyPrice, 2),
    ...over,
  };
}

function reservation(name: string, end: Date, state = 'ACTIVE'): Reservation {
  return {
    arn: `arn:aws:mediaconnect:us-west-2:111122223333:reservation:${name}`,
    name,
    offeringArn: 'arn:aws:mediaconnect:us-west-2::offering:O1',
    state,
    description: '20 Mbps outbound',
    start: new Date('2026-01-01T00:00:00Z'),
    end,
    bandwidthMbps: 20,
    pricePerUnit: money('0.16'),
    priceUnit: 'HOURLY',
    durationMonths: 12,
  };
}

function request(id: string, over: Partial<PurchaseRequest> = {}): PurchaseRequest {
  return {
    id,
    state: 'pending',
    action: { service: 'devicefarm', kind: 'purchase', offeringId: 'o-1', quantity: 3 },
    quote: {
      service: 'devicefarm',
      offeringDescription: 'Android Unmetered Device Slot',
      currency: 'USD',
      unitPriceMicros: '250000000',
      priceUnit: 'MONTHLY',
      commitsMicros: '750000000',
      commitsPeriod: 'month',
    },
    requester: ALICE,
    reason: 'Release testing',
    createdAt: new Date('2026-11-22T09:00:00Z'),
    expiresAt: new Date('2026-11-22T15:00:00Z'),
    approvalsNeeded: 1,
    approvals: [],
    remindersSent: 0,
    version: 1,
    ...over,
  };
}

const report = (over: Partial<StatusReport> = {}): StatusReport => ({
  now: NOW,
  devicefarm: { ok: true, value: [slots(1)] },
  mediaconnect: { ok: true, value: [] },
  ...over,
});

function input(over: Partial<HomeInput> = {}): HomeInput {
  return {
    viewer: VIEWER,
    now: NOW,
    dryRun: false,
    status: { ok: true, value: report() },
    own: { ok: true, value: [] },
    ...over,
  };
}

const sections = (view: ReturnType<typeof homeView>) => sectionTexts(view.blocks as KnownBlock[]);

function expectValid(view: ReturnType<typeof homeView>): void {
  expect(viewProblems(view, 'home')).toEqual([]);
  expect(view.blocks.length).toBeLessThanOrEqual(HOME_BLOCKS_MAX);
  expect(Buffer.byteLength(JSON.stringify(view))).toBeLessThan(HOME_VIEW_BYTES_MAX);
}

describe('awaitingApprovalBy', () => {
  it.each<[string, Partial<PurchaseRequest>, boolean]>([
    ['a pending request of someone else', {}, true],
    ['the viewer’s own request', { requester: VIEWER }, false],
    [
      'one the viewer already approved',
      { approvals: [{ by: VIEWER, at: NOW }], approvalsNeeded: 2 },
      false,
    ],
    [
      'one someone else approved, needing two',
      { approvals: [{ by: 'U0CAROL', at: NOW }], approvalsNeeded: 2 },
      true,
    ],
    ['one whose time is up', { expiresAt: new Date('2026-11-22T09:59:00Z') }, false],
    ['one being bought', { state: 'executing' }, false],
    ['a dry run', { state: 'dry_run' }, false],
    ['a cancelled one', { state: 'cancelled' }, false],
  ])('%s: %s', (_what, over, included) => {
    expect(awaitingApprovalBy(VIEWER, [request('R0000001', over)], NOW).map((r) => r.id)).toEqual(
      included ? ['R0000001'] : [],
    );
  });

  it('puts the one expiring soonest first', () => {
    const late = request('R0000002', { expiresAt: new Date('2026-11-23T10:00:00Z') });
    const soon = request('R0000003', { expiresAt: new Date('2026-11-22T11:00:00Z') });
    expect(awaitingApprovalBy(VIEWER, [late, soon], NOW).map((r) => r.id)).toEqual([
      'R0000003',
      'R0000002',
    ]);
  });
});

describe('homeView', () => {
  it('starts with the dry-run banner only in a dry run', () => {
    const dry = homeView(input({ dryRun: true }));
    expect(blockText({ blocks: [dry.blocks[0]] })).toBe(DRY_RUN_TEXT);
    expect(blockText(homeView(input()))).not.toContain('Dry run');
  });

  it('puts the answer to the last click on top, below the banner', () => {
    const view = homeView(
      input({ dryRun: true, notice: 'Your approval of R0000001 is recorded: 1 of 2.' }),
    );
    expect(view.blocks[1]).toMatchObject({ block_id: HOME_NOTICE_BLOCK });
    expect(blockText({ blocks: [view.blocks[1]] })).toContain(
      'Your approval of R0000001 is recorded',
    );
  });

  it('shows totals per service, monthly costs and what comes up, soonest first', () => {
    const view = homeView(
      input({
        status: {
          ok: true,
          value: report({
            devicefarm: {
              ok: true,
              value: [slots(1), slots(2, { nextPeriodQuantity: 0, nextMonthlyCost: money('0') })],
            },
            mediaconnect: {
              ok: true,
              value: [reservation('live-events', new Date('2026-11-30T00:00:00Z'))],
            },
          }),
        },
      }),
    );
    const text = blockText(view);
    expect(text).toContain('4 slots held in 2 offerings');
    expect(text).toContain('$1,000.00');
    expect(text).toContain('1 reservation (1 active)');
    const coming = sections(view).find((t) => t.startsWith('*Coming up*'))!;
    const lines = coming.split('\n').slice(1);
    // The reservation ends on 30 Nov, before the Device Farm period turns on 1 Dec.
    expect(lines[0]).toMatch(/30 Nov 2026 .*live-events.* ends \(7 days left\)/);
    expect(lines[1]).toContain('DF offering 1');
    expect(lines[2]).toMatch(/DF offering 2 .*lapses/);
  });

  it.each<[string, Partial<StatusReport>, RegExp]>([
    [
      'Device Farm unreadable',
      {
        devicefarm: {
          ok: false,
          error: new AwsError(
            'aws_unavailable',
            'devicefarm',
            'GetOfferingStatus',
            'AWS did not answer.',
            'rejected',
          ),
        },
      },
      /Device Farm\* could not be read: AWS did not answer/,
    ],
    ['no slots', { devicefarm: { ok: true, value: [] } }, /Device Farm\* · no slots held/],
    ['no reservations', {}, /MediaConnect\* · no reservations/],
  ])('says so when %s', (_what, over, expected) => {
    expect(blockText(homeView(input({ status: { ok: true, value: report(over) } })))).toMatch(
      expected,
    );
  });

  it('says so when the account could not be read at all, and still shows requests', () => {
    const view = homeView(
      input({
        status: { ok: false, reason: 'AWS did not answer.' },
        own: { ok: true, value: [request('R0000001')] },
      }),
    );
    expect(blockText(view)).toContain('The account could not be read: AWS did not answer.');
    expect(buttonValues(view, CANCEL_ACTION)).toEqual(['R0000001']);
  });

  it('shows no approval part to someone who is not an approver', () => {
    expect(blockText(homeView(input()))).not.toContain('Waiting for your approval');
  });

  it('shows each request waiting for the approver with Approve and Reject carrying its id', () => {
    const view = homeView(
      input({
        toApprove: {
          ok: true,
          value: [
            request('R0000001'),
            request('R0000002', {
              approvalsNeeded: 2,
              approvals: [{ by: 'U0CAROL', at: NOW }],
            }),
          ],
        },
      }),
    );
    expect(buttonValues(view, APPROVE_ACTION)).toEqual(['R0000001', 'R0000002']);
    expect(buttonValues(view, REJECT_ACTION)).toEqual(['R0000001', 'R0000002']);
    const second = sections(view).find((t) => t.includes('R0000002'))!;
    expect(second).toContain('1 of 2 approvals (<@U0CAROL>)');
    expect(second).toContain('$750.00 per month');
    expect(second).toContain('asked by <@U0ALICE>');
    const first = sections(view).find((t) => t.includes('R0000001'))!;
    expect(first).not.toContain('approvals');
    // The Approve button asks first, naming the cost.
    expect(JSON.stringify(view.blocks)).toContain('This commits *$750.00 per month*');
    expectValid(view);
  });

  it.each<[string, HomeInput['toApprove'], RegExp]>([
    ['nothing waits', { ok: true, value: [] }, /Nothing is waiting for your approval/],
    [
      'Slack cannot say who approves',
      { ok: false, reason: 'slots-bot could not check with Slack whether you may approve.' },
      /could not check with Slack/,
    ],
  ])('says so when %s', (_what, toApprove, expected) => {
    const view = homeView(input({ ...(toApprove && { toApprove }) }));
    expect(blockText(view)).toMatch(expected);
    expect(buttonValues(view, APPROVE_ACTION)).toEqual([]);
  });

  it.each<[RequestState, Partial<PurchaseRequest>, RegExp, boolean]>([
    ['pending', {}, /waiting for approval, expires in 5 h/, true],
    [
      'pending',
      { approvalsNeeded: 3, approvals: [{ by: 'U0CAROL', at: NOW }] },
      /1 of 3 approvals/,
      true,
    ],
    [
      'pending',
      { expiresAt: new Date('2026-11-22T09:00:00Z') },
      /expired without a decision/,
      false,
    ],
    ['executing', {}, /buying/, false],
    ['succeeded', { outcome: { transactionId: 'tx-1' } }, /succeeded, transaction `tx-1`/, false],
    [
      'failed',
      { outcome: { message: 'The price changed.' } },
      /failed: The price changed\./,
      false,
    ],
    ['unknown', {}, /outcome unknown/, false],
    ['rejected', { decidedBy: 'U0CAROL' }, /rejected by <@U0CAROL>/, false],
    ['cancelled', {}, /cancelled/, false],
    ['expired', {}, /expired/, false],
    ['dry_run', {}, /dry run: approved, and nothing was sent to AWS/, false],
  ])(
    "lists the viewer's %s request (%j) with Cancel only while it can be cancelled",
    (state, over, expected, cancellable) => {
      const r = request('R0000001', { state, requester: VIEWER, ...over });
      expect(ownState(r, NOW)).toMatch(expected);
      const view = homeView(input({ own: { ok: true, value: [r] } }));
      expect(blockText(view)).toMatch(expected);
      expect(buttonValues(view, CANCEL_ACTION)).toEqual(cancellable ? ['R0000001'] : []);
    },
  );

  it('invites a first request when the viewer has none', () => {
    expect(blockText(homeView(input()))).toContain(
      '`/slots purchase` or `/slots renew` starts a request',
    );
  });

  it('summarises a large account and a long queue within every Home tab limit', () => {
    const offerings = Array.from({ length: 500 }, (_, i) => slots(i));
    const reservations = Array.from({ length: 500 }, (_, i) =>
      reservation(`r-${i}`, new Date(NOW.getTime() + (i + 1) * 3_600_000)),
    );
    const pending = Array.from({ length: 200 }, (_, i) =>
      request(`R${String(i).padStart(7, '0')}`, {
        reason: 'x'.repeat(2000),
        approvalsNeeded: 3,
        approvals: [{ by: 'U0CAROL', at: NOW }],
      }),
    );
    const own = Array.from({ length: 50 }, (_, i) =>
      request(`S${String(i).padStart(7, '0')}`, { requester: VIEWER }),
    );
    const view = homeView(
      input({
        dryRun: true,
        notice: 'n'.repeat(5000),
        status: {
          ok: true,
          value: report({
            devicefarm: { ok: true, value: offerings },
            mediaconnect: { ok: true, value: reservations },
          }),
        },
        toApprove: { ok: true, value: pending },
        own: { ok: true, value: own },
      }),
    );
    expectValid(view);
    const text = blockText(view);
    expect(text).toContain('1000 slots held in 500 offerings');
    expect(text).toContain('$250,000.00');
    expect(text).toContain(`…and ${1000 - RENEWALS_SHOWN} more: \`/slots status\``);
    expect(text).toContain(`…and ${200 - TO_APPROVE_SHOWN} more requests waiting for you`);
    expect(text).toContain('Your earlier requests: `/slots history` lists them.');
    expect(buttonValues(view, APPROVE_ACTION)).toHaveLength(TO_APPROVE_SHOWN);
    expect(buttonValues(view, CANCEL_ACTION)).toHaveLength(OWN_SHOWN);
  });
});
