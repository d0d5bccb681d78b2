import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { blockText, contextTexts } from '../../../test/helpers/blocks.js';
import type { PurchaseRequest, RequestState } from '../../domain/requests.js';
import { DRY_RUN_BANNER_BLOCK, DRY_RUN_TEXT } from './dry-run.js';
import { limitViolations, type SlackMessage } from './message.js';
import {
  APPROVE_ACTION,
  approveConfirmText,
  CANCEL_ACTION,
  CANDIDATES_SHOWN_MAX,
  outcomeReply,
  REJECT_ACTION,
  REJECT_MODAL_CALLBACK,
  REJECT_NOTE_MAX,
  REJECT_REASON_ACTION,
  REJECT_REASON_BLOCK,
  REQUEST_ACTIONS_BLOCK,
  REQUEST_CANDIDATES_BLOCK,
  REQUEST_DRY_RUN_BLOCK,
  REQUEST_STATE_BLOCK,
  REQUEST_SUMMARY_BLOCK,
  refusal,
  rejectModal,
  requestCard,
  requesterConfirmation,
} from './request-card.js';

// ---------------------------------------------------------------------------------------------
// Factories

const NOW = new Date('2026-11-22T10:00:00Z');
const DF_ID = 'a6f1c1d2-3b4e-4f50-8a61-7b8c9d0e1f21';
const ARN = 'arn:aws:mediaconnect:us-west-2:111122223333:offering:36KTUMS5RR10';
const RESERVATION_ARN = 'arn:aws:mediaconnect:us-west-2:111122223333:reservation:abc:live-2026';

function dfRequest(over: Partial<PurchaseRequest> = {}): PurchaseRequest {
  return {
    id: 'R7K2M9QX',
    state: 'pending',
    action: { service: 'devicefarm', kind: 'purchase', offeringId: DF_ID, quantity: 3 },
    quote: {
      service: 'devicefarm',
      offeringDescription: 'Android Remote Access Unmetered Device Slot',
      currency: 'USD',
      unitPriceMicros: '250000000',
      priceUnit: 'MONTHLY',
      commitsMicros: '750000000',
      commitsPeriod: 'month',
    },
    requester: 'U0REQUESTR',
    reason: 'Release testing for 3.2',
    createdAt: new Date('2026-11-22T09:00:00Z'),
    expiresAt: new Date('2026-11-23T09:00:00Z'),
    approvalsNeeded: 1,
    approvals: [],
    remindersSent: 0,
    version: 1,
    ...over,
  };
}

function mcRequest(over: Partial<PurchaseRequest> = {}): PurchaseRequest {
  return dfRequest({
    action: {
      service: 'mediaconnect',
      kind: 'purchase',
      offeringArn: ARN,
      reservationName: 'live-2026',
      start: '2026-11-22T09:00:00Z',
    },
    quote: {
      service: 'mediaconnect',
      offeringDescription: '100 Mbps outbound bandwidth for 12 months',
      currency: 'USD',
      unitPriceMicros: '12500',
      priceUnit: 'HOURLY',
      commitsMicros: '10950000000',
      commitsPeriod: 'term',
      durationMonths: 12,
      bandwidthMbps: 100,
    },
    ...over,
  });
}

const decided = { decidedBy: 'U0APPROVER', decidedAt: new Date('2026-11-22T09:30:00Z') };

// ---------------------------------------------------------------------------------------------
// Finding things

type Button = types.Button;

function buttons(m: SlackMessage): Button[] {
  return m.blocks.flatMap((b) =>
    b.type === 'actions' ? b.elements.filter((e): e is Button => e.type === 'button') : [],
  );
}

function button(m: SlackMessage, actionId: string): Button {
  const found = buttons(m).find((b) => b.action_id === actionId);
  if (!found) throw new Error(`no button ${actionId}`);
  return found;
}

function blockById(m: SlackMessage, blockId: string) {
  return m.blocks.find((b) => 'block_id' in b && b.block_id === blockId);
}

function sectionById(m: SlackMessage, blockId: string): string {
  const block = blockById(m, blockId);
  if (block?.type !== 'section' || !block.text) throw new Error(`no section ${blockId}`);
  return block.text.text;
}

const stateLine = (m: SlackMessage) => sectionById(m, REQUEST_STATE_BLOCK);
const summary = (m: SlackMessage) => sectionById(m, REQUEST_SUMMARY_BLOCK);

/** Every `action_id` anywhere in the message. */
function actionIds(m: SlackMessage): string[] {
  return JSON.stringify(m.blocks).match(/"action_id":"[^"]*"/g) ?? [];
}

// ---------------------------------------------------------------------------------------------

describe('requestCard while pending', () => {
  const card = requestCard(dfRequest(), NOW);

  it('says who asks, for what, at what price and what it commits', () => {
    const text = summary(card);
    expect(text).toContain(
      '<@U0REQUESTR> asks to buy *3 slots* of *Android Remote Access Unmetered Device Slot*.',
    );
    expect(text).toContain(`*Offering:* \`${DF_ID}\``);
    expect(text).toContain('*Unit price:* $250.00 per slot per month');
    expect(text).toContain('*Commits:* *$750.00 per month*');
    expect(text).toContain('*Reason:*\n>Release testing for 3.2');
  });

  it('says it waits for someone other than the requester, when it expires, and its id', () => {
    expect(stateLine(card)).toContain(
      '*Waiting for approval* by an approver other than <@U0REQUESTR>',
    );
    expect(contextTexts(card).join('\n')).toContain(
      'Request `R7K2M9QX` · asked 22 Nov 2026, 09:00 UTC · expires 23 Nov 2026, 09:00 UTC (in 23 h)',
    );
  });

  it('has approve, reject and cancel buttons whose value is the request id and nothing else', () => {
    const actions = blockById(card, REQUEST_ACTIONS_BLOCK);
    expect(actions?.type).toBe('actions');
    expect(buttons(card).map((b) => b.action_id)).toEqual([
      APPROVE_ACTION,
      REJECT_ACTION,
      CANCEL_ACTION,
    ]);
    for (const b of buttons(card)) {
      expect(b.value).toBe('R7K2M9QX');
      expect(b.text.text.length).toBeLessThanOrEqual(75);
    }
    expect(APPROVE_ACTION).toBe('request_approve');
    expect(button(card, APPROVE_ACTION).style).toBe('primary');
    expect(button(card, REJECT_ACTION).style).toBe('danger');
    expect(button(card, CANCEL_ACTION).style).toBeUndefined();
  });

  it('asks the approver to confirm the cost before approving', () => {
    const { confirm } = button(card, APPROVE_ACTION);
    expect(confirm?.title?.text).toBe('Approve request R7K2M9QX?');
    expect(confirm?.text.text).toContain('This commits *$750.00 per month*.');
    expect(confirm?.text.text).toContain('<@U0REQUESTR> asks to buy *3 slots*');
    expect(confirm?.text.text.length).toBeLessThanOrEqual(300);
    expect(confirm?.confirm?.text).toBe('Approve and buy');
    expect(button(card, REJECT_ACTION).confirm).toBeUndefined();
  });

  it('shows a MediaConnect request with its reservation, start and cost over the term', () => {
    const m = requestCard(mcRequest(), NOW);
    const text = summary(m);
    expect(text).toContain(
      '<@U0REQUESTR> asks to reserve *100 Mbps* for 12 months (*100 Mbps outbound bandwidth for 12 months*) as `live-2026`, starting 22 Nov 2026, 09:00 UTC.',
    );
    expect(text).toContain(`*Offering:* \`${ARN}\``);
    expect(text).toContain('*Unit price:* $0.0125 per Mbps per hour');
    expect(text).toContain('*Commits:* *$10,950.00 over the 12-month term*');
    expect(button(m, APPROVE_ACTION).confirm?.text.text).toContain(
      'This commits *$10,950.00 over the 12-month term*.',
    );
  });

  it('shows a renewal to 0 as letting the slots lapse, costing nothing from the next period', () => {
    const m = requestCard(
      dfRequest({
        action: { service: 'devicefarm', kind: 'renew', offeringId: DF_ID, quantity: 0 },
        quote: { ...dfRequest().quote, commitsMicros: '0' },
      }),
      NOW,
    );
    expect(summary(m)).toContain('asks to let the slots of *Android');
    expect(summary(m)).toContain('*Commits:* *$0.00 per month* from the next period');
    expect(button(m, APPROVE_ACTION).confirm?.text.text).toContain(
      'This commits *$0.00 per month* from the next period.',
    );
    expect(button(m, APPROVE_ACTION).confirm?.confirm?.text).toBe('Approve renewal');
    expect(
      requestCard(
        dfRequest({
          action: { service: 'devicefarm', kind: 'renew', offeringId: DF_ID, quantity: 2 },
        }),
        NOW,
      ).blocks[0],
    ).toMatchObject({ text: { text: 'Renew Device Farm slots · R7K2M9QX' } });
  });

  it('names the promotion of a Device Farm purchase', () => {
    const m = requestCard(
      dfRequest({
        action: {
          service: 'devicefarm',
          kind: 'purchase',
          offeringId: DF_ID,
          quantity: 1,
          promotionId: 'promo-android-free-month',
        },
      }),
      NOW,
    );
    expect(summary(m)).toContain(
      'buy *1 slot* of *Android Remote Access Unmetered Device Slot* with promotion `promo-android-free-month`',
    );
  });

  it('says when no reason was given', () => {
    expect(summary(requestCard(dfRequest({ reason: '  ' }), NOW))).toContain(
      '*Reason:* none given',
    );
  });

  it('shows no buttons once the request is past its expiry, even before expiry is recorded', () => {
    const m = requestCard(dfRequest(), new Date('2026-11-23T09:00:00Z'));
    expect(buttons(m)).toEqual([]);
    expect(stateLine(m)).toContain('*Expired* 23 Nov 2026, 09:00 UTC without a decision');
    expect(m.text).toContain('(expired)');
  });
});

describe('requestCard after pending', () => {
  const cases: ReadonlyArray<readonly [RequestState, Partial<PurchaseRequest>, readonly string[]]> =
    [
      [
        'executing',
        decided,
        [':gear: *Approved; buying now…*', 'Approved by <@U0APPROVER> at 22 Nov 2026, 09:30 UTC.'],
      ],
      [
        'succeeded',
        {
          ...decided,
          outcome: { transactionId: 'd30614ed-1b03-404c-9893-12345EXAMPLE', source: 'answer' },
        },
        [
          '*Bought.* AWS transaction `d30614ed-1b03-404c-9893-12345EXAMPLE`.',
          'Approved by <@U0APPROVER>',
        ],
      ],
      [
        'failed',
        {
          ...decided,
          outcome: {
            errorCode: 'aws_limit_exceeded',
            message: 'AWS refused: the slot limit is reached.',
          },
        },
        [
          ':x: *Failed.* AWS refused: the slot limit is reached. (`aws_limit_exceeded`) Nothing was bought.',
          'Approved by <@U0APPROVER>',
        ],
      ],
      [
        'unknown',
        {
          ...decided,
          outcome: { errorCode: 'aws_timeout', message: 'AWS did not answer in time.' },
        },
        [
          '*OUTCOME UNKNOWN: check the AWS console; this request will not be retried.*',
          'AWS did not answer in time.',
          'Approved by <@U0APPROVER>',
        ],
      ],
      [
        'rejected',
        { ...decided, decisionNote: 'Use the spare iOS slots first' },
        [
          '*Rejected* by <@U0APPROVER> at 22 Nov 2026, 09:30 UTC. Nothing was bought.',
          '>Use the spare iOS slots first',
        ],
      ],
      [
        'cancelled',
        { decidedBy: 'U0REQUESTR', decidedAt: new Date('2026-11-22T09:10:00Z') },
        ['*Cancelled* by <@U0REQUESTR> at 22 Nov 2026, 09:10 UTC. Nothing was bought.'],
      ],
      [
        'expired',
        { finishedAt: new Date('2026-11-23T09:00:05Z') },
        ['*Expired* at 23 Nov 2026, 09:00 UTC without a decision. Nothing was bought.'],
      ],
    ];

  it.each(cases)(
    '%s: says so, with who decided and when, and has no buttons',
    (state, over, expected) => {
      const m = requestCard(dfRequest({ state, ...over }), NOW);
      for (const e of expected) expect(stateLine(m)).toContain(e);
      expect(buttons(m)).toEqual([]);
      expect(blockById(m, REQUEST_ACTIONS_BLOCK)).toBeUndefined();
      expect(actionIds(m)).toEqual([]);
      expect(contextTexts(m).join()).not.toContain('expires');
      expect(limitViolations(m)).toEqual([]);
    },
  );

  it('names the reservation ARN of a MediaConnect purchase and a reconciled outcome', () => {
    const m = requestCard(
      mcRequest({
        state: 'succeeded',
        ...decided,
        outcome: { reservationArn: RESERVATION_ARN, source: 'reconciliation' },
      }),
      NOW,
    );
    expect(stateLine(m)).toContain(
      `*Reserved.* AWS reservation \`${RESERVATION_ARN}\` (confirmed by checking AWS).`,
    );
  });

  it('does not repeat "nothing was bought" when the failure already says it', () => {
    const m = requestCard(
      dfRequest({
        state: 'failed',
        ...decided,
        outcome: { errorCode: 'quote_changed', message: 'Nothing was bought: the price changed.' },
      }),
      NOW,
    );
    expect(stateLine(m).match(/nothing was bought/gi)).toHaveLength(1);
  });
});

describe('requestCard shows what AWS held and how an outcome was found', () => {
  const renewFromNotice = (quantity: number, over: Partial<PurchaseRequest> = {}) =>
    dfRequest({
      action: {
        service: 'devicefarm',
        kind: 'renew',
        offeringId: DF_ID,
        quantity,
        seen: { current: 5, nextPeriod: 5, at: '2026-11-22T08:59:00.000Z' },
      },
      ...over,
    });

  it('shows a renew request made from a notice with the numbers AWS reported then', () => {
    const text = summary(requestCard(renewFromNotice(7), NOW));
    expect(text).toContain(
      '*AWS at 22 Nov 2026, 08:59 UTC:* holds *5* now · *5* set to renew next period → this request sets *7* from the next period',
    );
  });

  it('says a renewal to 0 from a notice lets the held slots lapse', () => {
    expect(summary(requestCard(renewFromNotice(0), NOW))).toMatch(
      /holds \*5\* now .* this request sets \*0\* \(they lapse\)/,
    );
  });

  it('shows no such line when AWS was not read for the request', () => {
    const m = requestCard(
      dfRequest({
        action: { service: 'devicefarm', kind: 'renew', offeringId: DF_ID, quantity: 2 },
      }),
      NOW,
    );
    expect(summary(m)).not.toContain('holds');
  });

  it('keeps the numbers once the request is decided', () => {
    const m = requestCard(
      renewFromNotice(7, { state: 'succeeded', ...decided, outcome: { source: 'answer' } }),
      NOW,
    );
    expect(summary(m)).toContain('this request sets *7*');
  });

  it('says AWS is being checked, and from when "nothing was bought" may be decided', () => {
    const m = requestCard(
      dfRequest({
        state: 'unknown',
        ...decided,
        outcome: {
          errorCode: 'aws_timeout',
          message: 'AWS did not answer in time.',
          checkingUntil: '2026-11-22T10:12:00.000Z',
        },
      }),
      NOW,
    );
    const line = stateLine(m);
    expect(line).toContain('*OUTCOME NOT KNOWN YET: slots-bot is checking AWS');
    expect(line).toContain('will not be retried');
    expect(line).toContain(
      'It decides "nothing was bought" no earlier than 22 Nov 2026, 10:12 UTC (in 12 min)',
    );
    expect(line).toContain('AWS did not answer in time.');
    expect(blockById(m, REQUEST_CANDIDATES_BLOCK)).toBeUndefined();
    expect(limitViolations(m)).toEqual([]);
  });

  it('lists the candidates it could not tell apart, and what to do', () => {
    const ids = Array.from({ length: 13 }, (_, i) => `tx-${String(i).padStart(2, '0')}`);
    const m = requestCard(
      dfRequest({
        state: 'unknown',
        ...decided,
        outcome: { candidates: ids, checkingUntil: '2026-11-22T10:12:00.000Z' },
      }),
      NOW,
    );
    // Candidates found: the card asks the operator to look, whatever the checking window says.
    expect(stateLine(m)).toContain('*OUTCOME UNKNOWN: check the AWS console');
    const list = sectionById(m, REQUEST_CANDIDATES_BLOCK);
    expect(list).toContain("*AWS lists 13 transactions that could each be this request's:*");
    for (const id of ids.slice(0, CANDIDATES_SHOWN_MAX)) expect(list).toContain(`\`${id}\``);
    for (const id of ids.slice(CANDIDATES_SHOWN_MAX)) expect(list).not.toContain(id);
    expect(list).toContain('…and 3 more');
    expect(list).toContain('cannot be told apart, so slots-bot claimed none of them');
    expect(list).toContain('list-offering-transactions');
    expect(actionIds(m)).toEqual([]);
  });

  it('names reservations, and the MediaConnect console, for a MediaConnect request', () => {
    const m = requestCard(
      mcRequest({
        state: 'unknown',
        ...decided,
        outcome: { candidates: [RESERVATION_ARN, `${RESERVATION_ARN}-2`] },
      }),
      NOW,
    );
    const list = sectionById(m, REQUEST_CANDIDATES_BLOCK);
    expect(list).toContain('*AWS lists 2 reservations');
    expect(list).toContain(`\`${RESERVATION_ARN}\``);
    expect(list).toContain('MediaConnect console');
    expect(list).not.toContain('more');
  });

  it('stays within Block Kit limits with many long candidates', () => {
    const long = Array.from({ length: 500 }, (_, i) => `${'a'.repeat(150)}${i}<&>`);
    const m = requestCard(
      mcRequest({
        state: 'unknown',
        ...decided,
        outcome: {
          candidates: long,
          checkingUntil: '2026-11-22T10:12:00.000Z',
          message: 'word '.repeat(400),
        },
      }),
      NOW,
    );
    expect(limitViolations(m)).toEqual([]);
    expect(sectionById(m, REQUEST_CANDIDATES_BLOCK)).toContain('…and 490 more');
    expect(sectionById(m, REQUEST_CANDIDATES_BLOCK)).toContain(`${'a'.repeat(150)}0&lt;&amp;&gt;`);
  });

  it.each([
    [
      'total_after',
      'AWS recorded the total held after the purchase rather than the quantity bought',
    ],
    ['quantity_requested', 'AWS recorded the quantity bought'],
    ['renewal_quantity', 'AWS recorded the quantity set to renew'],
  ] as const)('says a reconciled outcome matched by %s in plain words', (matchedBy, words) => {
    const m = requestCard(
      dfRequest({
        state: 'succeeded',
        ...decided,
        outcome: { transactionId: 'tx-42', source: 'reconciliation', matchedBy },
      }),
      NOW,
    );
    expect(stateLine(m)).toContain(
      `*Bought.* AWS transaction \`tx-42\` (found by checking AWS: its offering matches, and ${words})`,
    );
  });

  it('says a reconciled reservation matched by name, offering and start', () => {
    const m = requestCard(
      mcRequest({
        state: 'succeeded',
        ...decided,
        outcome: {
          reservationArn: RESERVATION_ARN,
          source: 'reconciliation',
          matchedBy: 'reservation',
        },
      }),
      NOW,
    );
    expect(stateLine(m)).toContain(
      `AWS reservation \`${RESERVATION_ARN}\` (found by checking AWS: its reservation name, offering and start match)`,
    );
  });
});

describe('requestCard escapes and stays within limits', () => {
  const nasty = '<!channel> & <https://evil.example|click> `tick`';

  it('escapes user and AWS text everywhere', () => {
    const m = requestCard(
      dfRequest({
        reason: nasty,
        quote: { ...dfRequest().quote, offeringDescription: nasty },
        state: 'rejected',
        ...decided,
        decisionNote: nasty,
      }),
      NOW,
    );
    const all = blockText(m);
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<https://');
    expect(all).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(m.text).not.toContain('<!channel>');
  });

  it('escapes failure messages and the reservation name', () => {
    const m = requestCard(
      mcRequest({
        state: 'failed',
        ...decided,
        outcome: { message: 'AWS said <!here>' },
        action: {
          ...(mcRequest().action as Extract<
            PurchaseRequest['action'],
            { service: 'mediaconnect' }
          >),
          reservationName: 'a<b>',
        },
      }),
      NOW,
    );
    const all = blockText(m);
    expect(all).toContain('AWS said &lt;!here&gt;');
    expect(all).toContain('`a&lt;b&gt;`');
  });

  it('keeps everything within Block Kit limits with the longest inputs', () => {
    const long = `${'word '.repeat(4000)}<&>`;
    const manyLines = Array.from({ length: 400 }, (_, i) => `line ${i} <x>`).join('\n');
    for (const state of ['pending', 'failed', 'unknown', 'rejected'] as const) {
      for (const request of [
        dfRequest({
          state,
          reason: manyLines.slice(0, 1000),
          quote: { ...dfRequest().quote, offeringDescription: long },
          decisionNote: long.slice(0, REJECT_NOTE_MAX),
          outcome: { message: long, errorCode: 'x'.repeat(300) },
          ...decided,
        }),
        mcRequest({
          state,
          reason: long.slice(0, 1000),
          action: {
            service: 'mediaconnect',
            kind: 'purchase',
            offeringArn: `${ARN}${'x'.repeat(80)}`,
            reservationName: 'n'.repeat(128),
            start: '2026-11-22T09:00:00Z',
          },
          quote: {
            ...mcRequest().quote,
            offeringDescription: long,
            commitsMicros: '999999999999999999999',
          },
        }),
      ]) {
        const m = requestCard(request, NOW);
        expect(limitViolations(m)).toEqual([]);
        expect(summary(m).split('\n').length).toBeLessThan(30);
        for (const b of buttons(m)) {
          expect(b.text.text.length).toBeLessThanOrEqual(75);
          expect(b.confirm?.title?.text.length ?? 0).toBeLessThanOrEqual(100);
          expect(b.confirm?.text.text.length ?? 0).toBeLessThanOrEqual(300);
        }
        if (state === 'pending') {
          expect(button(m, APPROVE_ACTION).confirm?.text.text).toMatch(/^This commits \*/);
        }
      }
    }
  });

  it('keeps the cost in the confirm dialog whatever else has to go', () => {
    const text = approveConfirmText(
      mcRequest({
        requester: 'U0REQUESTR',
        action: {
          service: 'mediaconnect',
          kind: 'purchase',
          offeringArn: ARN,
          reservationName: '&'.repeat(128),
          start: '2026-11-22T09:00:00Z',
        },
      }),
    );
    expect(text.length).toBeLessThanOrEqual(300);
    expect(text).toContain('This commits *$10,950.00 over the 12-month term*.');
  });

  it('does not throw on a malformed stored amount', () => {
    const m = requestCard(
      dfRequest({ quote: { ...dfRequest().quote, unitPriceMicros: 'n/a', commitsMicros: '1.5' } }),
      NOW,
    );
    expect(summary(m)).toContain('*Unit price:* unknown');
    expect(summary(m)).toContain('*Commits:* *an unknown amount*');
  });

  it('has a short fallback text naming the request, its state and the cost', () => {
    const m = requestCard(dfRequest(), NOW);
    expect(m.text).toBe(
      'Request R7K2M9QX (pending): <@U0REQUESTR> asks to buy *3 slots* of *Android Remote Access Unmetered Device Slot*, committing $750.00 per month.',
    );
  });
});

describe('outcomeReply', () => {
  const cases: ReadonlyArray<readonly [RequestState, Partial<PurchaseRequest>, readonly string[]]> =
    [
      [
        'succeeded',
        { ...decided, outcome: { transactionId: 'tx-1' } },
        [
          '<@U0REQUESTR>, your request `R7K2M9QX` to buy *3 slots*',
          'succeeded: it commits $750.00 per month. AWS transaction `tx-1`. Approved by <@U0APPROVER>.',
        ],
      ],
      [
        'failed',
        { ...decided, outcome: { message: 'AWS refused.' } },
        ['<@U0REQUESTR>, your request `R7K2M9QX`', 'failed. AWS refused. Nothing was bought.'],
      ],
      [
        'unknown',
        { ...decided, outcome: { message: 'No answer.' } },
        [
          '*The outcome of request `R7K2M9QX`',
          'is unknown: check the AWS console; this request will not be retried.*',
          'No answer.',
          '<@U0REQUESTR> <@U0APPROVER>',
        ],
      ],
      [
        'rejected',
        { ...decided, decisionNote: 'Not this quarter' },
        [
          '<@U0REQUESTR>, <@U0APPROVER> rejected your request `R7K2M9QX`',
          'Nothing was bought.',
          '>Not this quarter',
        ],
      ],
      [
        'cancelled',
        { decidedBy: 'U0REQUESTR' },
        ['<@U0REQUESTR> cancelled request `R7K2M9QX`', 'Nothing was bought.'],
      ],
      [
        'expired',
        {},
        [
          '<@U0REQUESTR>, your request `R7K2M9QX`',
          'expired without a decision. Nothing was bought; ask again if it is still needed.',
        ],
      ],
      ['executing', decided, ['Request `R7K2M9QX` is buying.']],
    ];

  it.each(cases)('%s', (state, over, expected) => {
    const m = outcomeReply(dfRequest({ state, ...over }));
    const text = blockText(m);
    for (const e of expected) expect(text).toContain(e);
    expect(actionIds(m)).toEqual([]);
    expect(limitViolations(m)).toEqual([]);
    expect(m.text).toContain('R7K2M9QX');
  });

  it('names the reservation of a MediaConnect purchase', () => {
    const m = outcomeReply(
      mcRequest({ state: 'succeeded', outcome: { reservationArn: RESERVATION_ARN } }),
    );
    expect(blockText(m)).toContain(`AWS reservation \`${RESERVATION_ARN}\`.`);
  });
});

describe('requesterConfirmation', () => {
  it('says where the request waits', () => {
    const m = requesterConfirmation(dfRequest(), 'C0APPROVALS');
    expect(blockText(m)).toContain(
      'Request R7K2M9QX is waiting for approval in <#C0APPROVALS>: buy *3 slots*',
    );
    expect(blockText(m)).toContain('committing $750.00 per month');
    expect(blockText(m)).toContain('expires 23 Nov 2026, 09:00 UTC');
    expect(m.text).toBe('Request R7K2M9QX is waiting for approval in <#C0APPROVALS>.');
    expect(limitViolations(m)).toEqual([]);
  });

  it('uses the card channel when none is given, and words when there is none yet', () => {
    expect(
      requesterConfirmation(dfRequest({ card: { channel: 'C0CARD', ts: '1.2' } })).text,
    ).toContain('<#C0CARD>');
    expect(requesterConfirmation(dfRequest()).text).toContain('in the approvals channel');
    expect(requesterConfirmation(dfRequest(), '<!here>').text).toContain('&lt;!here&gt;');
  });
});

describe('refusal', () => {
  it('keeps mentions and escapes anything else', () => {
    const m = refusal(
      'Only <@U0REQUESTR>, who asked, can cancel request R7K2M9QX. <!channel> & co',
    );
    expect(m.text).toBe(
      ':no_entry: Only <@U0REQUESTR>, who asked, can cancel request R7K2M9QX. &lt;!channel&gt; &amp; co',
    );
    expect(blockText(m)).toBe(m.text);
    expect(limitViolations(m)).toEqual([]);
  });

  it('is never empty and never too long', () => {
    expect(refusal('').text.length).toBeGreaterThan(12);
    expect(limitViolations(refusal('x'.repeat(10_000)))).toEqual([]);
  });
});

describe('rejectModal', () => {
  it('asks for an optional reason and carries the request id in private_metadata', () => {
    const view = rejectModal('R7K2M9QX');
    expect(view.callback_id).toBe(REJECT_MODAL_CALLBACK);
    expect(view.private_metadata).toBe('R7K2M9QX');
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(view.submit?.text).toBe('Reject');
    const input = view.blocks.find((b) => b.type === 'input' && b.block_id === REJECT_REASON_BLOCK);
    expect(input).toMatchObject({
      optional: true,
      element: {
        type: 'plain_text_input',
        action_id: REJECT_REASON_ACTION,
        multiline: true,
        max_length: REJECT_NOTE_MAX,
      },
    });
    expect(blockText(view)).toContain('Reject request `R7K2M9QX`?');
  });
});

// ---------------------------------------------------------------------------------------------
// Issue 12: approvals by amount, dry run

const APPROVERS = ['U0BOB', 'W0CAROL', 'S0APPROVERS'];
const at = (iso: string) => new Date(iso);
const bob = { by: 'U0BOB', at: at('2026-11-22T09:20:00Z') };
const carol = { by: 'W0CAROL', at: at('2026-11-22T09:40:00Z') };

describe('requestCard when the amount needs several approvers', () => {
  const options = { approvers: APPROVERS, dryRun: false };
  const twoNeeded = (over: Partial<PurchaseRequest> = {}) =>
    dfRequest({ approvalsNeeded: 2, ...over });

  it.each([
    [
      'no approval yet',
      twoNeeded(),
      [
        '*0 of 2 approvals*.',
        'Needs *2* from <@U0BOB>, <@W0CAROL>, <!subteam^S0APPROVERS> (anyone but <@U0REQUESTR>).',
        'This amount needs 2 different approvers.',
      ],
    ],
    [
      'one of two',
      twoNeeded({ approvals: [bob] }),
      [
        '*1 of 2 approvals*: <@U0BOB>.',
        'Needs *1 more* from <@W0CAROL>, <!subteam^S0APPROVERS> (anyone but <@U0REQUESTR> and <@U0BOB>).',
      ],
    ],
    [
      'two of three',
      twoNeeded({ approvalsNeeded: 3, approvals: [bob, carol] }),
      ['*2 of 3 approvals*: <@U0BOB> and <@W0CAROL>.', 'Needs *1 more*', 'needs 3 different'],
    ],
  ] as const)(
    'while pending, %s: says how many, by whom, and who may give the rest',
    (_, request, expected) => {
      const m = requestCard(request, NOW, options);
      for (const e of expected) expect(stateLine(m)).toContain(e);
      expect(stateLine(m)).toContain('*Waiting for approval*');
      expect(buttons(m).map((b) => b.action_id)).toEqual([
        APPROVE_ACTION,
        REJECT_ACTION,
        CANCEL_ACTION,
      ]);
      expect(limitViolations(m)).toEqual([]);
    },
  );

  it('asks the approver to confirm an approval that does not buy yet, and one that does', () => {
    const first = button(requestCard(twoNeeded(), NOW, options), APPROVE_ACTION).confirm;
    expect(first?.text.text).toContain('This commits *$750.00 per month*.');
    expect(first?.text.text).toContain(
      'This is approval 1 of 2; nothing is bought before the last.',
    );
    expect(first?.confirm?.text).toBe('Approve');
    const last = button(
      requestCard(twoNeeded({ approvals: [bob] }), NOW, options),
      APPROVE_ACTION,
    ).confirm;
    expect(last?.text.text).toContain('slots-bot calls AWS once');
    expect(last?.confirm?.text).toBe('Approve and buy');
  });

  it('says who is needed without a configured list', () => {
    expect(stateLine(requestCard(twoNeeded(), NOW))).toContain(
      'Needs *2* from the approvers (anyone but <@U0REQUESTR>).',
    );
  });

  it('names every approver, in order, once decided', () => {
    const executing = twoNeeded({
      state: 'executing',
      approvals: [bob, carol],
      decidedBy: 'W0CAROL',
      decidedAt: carol.at,
    });
    expect(stateLine(requestCard(executing, NOW, options))).toContain(
      'Approved by <@U0BOB> and <@W0CAROL> at 22 Nov 2026, 09:40 UTC.',
    );
    const succeeded = {
      ...executing,
      state: 'succeeded' as const,
      outcome: { transactionId: 'tx-1' },
    };
    expect(stateLine(requestCard(succeeded, NOW, options))).toContain(
      'Approved by <@U0BOB> and <@W0CAROL>',
    );
    expect(blockText(outcomeReply(succeeded))).toContain('Approved by <@U0BOB> and <@W0CAROL>.');
    const unknown = { ...executing, state: 'unknown' as const, outcome: { message: 'No answer.' } };
    expect(blockText(outcomeReply(unknown))).toContain('<@U0REQUESTR> <@U0BOB> <@W0CAROL>');
  });

  it('says how many approvals a request had when it ended without them all', () => {
    const rejected = twoNeeded({
      state: 'rejected',
      approvals: [bob],
      decidedBy: 'W0CAROL',
      decidedAt: carol.at,
    });
    expect(stateLine(requestCard(rejected, NOW, options))).toContain(
      'Nothing was bought. It had 1 of 2 approvals: <@U0BOB>.',
    );
    const overdue = requestCard(twoNeeded({ approvals: [bob] }), at('2026-11-23T09:00:00Z'));
    expect(stateLine(overdue)).toContain('It had 1 of 2 approvals: <@U0BOB>.');
    expect(buttons(overdue)).toEqual([]);
  });

  it('keeps a long approver list within Block Kit limits', () => {
    const many = Array.from({ length: 400 }, (_, i) => `U${String(i).padStart(9, '0')}`);
    const m = requestCard(twoNeeded({ approvals: [bob] }), NOW, { approvers: many, dryRun: false });
    expect(stateLine(m)).toContain('and 380 more');
    expect(limitViolations(m)).toEqual([]);
  });

  it('leaves a one-approver card as it was', () => {
    const before = requestCard(dfRequest(), NOW);
    expect(requestCard(dfRequest(), NOW, options)).toEqual(before);
    const done = dfRequest({
      state: 'succeeded',
      ...decided,
      approvals: [{ by: 'U0APPROVER', at: NOW }],
    });
    expect(requestCard(done, NOW, options)).toEqual(requestCard(done, NOW));
  });
});

describe('requestCard in a dry run', () => {
  const call = {
    operation: 'devicefarm:PurchaseOffering',
    region: 'us-west-2',
    parameters: { offeringId: DF_ID, quantity: 3, offeringPromotionId: 'promo-1' },
  };
  const dryRun = dfRequest({
    state: 'dry_run',
    ...decided,
    finishedAt: NOW,
    outcome: { dryRun: call },
  });

  it('says nothing was bought and shows the exact call, every parameter', () => {
    const m = requestCard(dryRun, NOW);
    expect(stateLine(m)).toContain(':test_tube: *Dry run — nothing was bought.*');
    expect(stateLine(m)).toContain('Approved by <@U0APPROVER>');
    const shown = sectionById(m, REQUEST_DRY_RUN_BLOCK);
    expect(shown).toContain('*Not sent to AWS:* `devicefarm:PurchaseOffering` in `us-west-2`');
    expect(shown).toContain('```');
    for (const [name, value] of Object.entries(call.parameters)) {
      expect(shown).toContain(`${name}: ${JSON.stringify(value)}`);
    }
    expect(m.text).toContain('(dry run — nothing was bought)');
    expect(buttons(m)).toEqual([]);
    expect(limitViolations(m)).toEqual([]);
  });

  it('says so in the thread', () => {
    const text = blockText(outcomeReply(dryRun));
    expect(text).toContain('was approved in a dry run: nothing was bought.');
    expect(text).toContain('slots-bot did not send `devicefarm:PurchaseOffering` to AWS');
  });

  it('puts the banner on top of every card when slots-bot runs dry', () => {
    const options = { approvers: APPROVERS, dryRun: true };
    for (const state of ['pending', 'executing', 'succeeded', 'dry_run', 'expired'] as const) {
      const m = requestCard(dfRequest({ state, ...decided }), NOW, options);
      expect(m.blocks[0]).toMatchObject({ type: 'context', block_id: DRY_RUN_BANNER_BLOCK });
      expect(contextTexts({ blocks: [m.blocks[0]!] })).toEqual([DRY_RUN_TEXT]);
      expect(limitViolations(m)).toEqual([]);
    }
    expect(requestCard(dfRequest(), NOW).blocks[0]?.type).toBe('header');
  });

  it('says an approval in a dry run does not buy', () => {
    const m = requestCard(dfRequest(), NOW, { approvers: APPROVERS, dryRun: true });
    expect(button(m, APPROVE_ACTION).confirm?.text.text).toContain(
      'Dry run: slots-bot shows the call instead of sending it; nothing is bought.',
    );
    expect(button(m, APPROVE_ACTION).confirm?.confirm?.text).toBe('Approve (dry run)');
    const executing = requestCard(dfRequest({ state: 'executing', ...decided }), NOW, {
      approvers: [],
      dryRun: true,
    });
    expect(stateLine(executing)).toContain('*Approved; dry run under way…*');
  });

  it('does not throw when the call was not recorded', () => {
    const m = requestCard(dfRequest({ state: 'dry_run', ...decided }), NOW);
    expect(stateLine(m)).toContain('The call it would have sent was not recorded.');
    expect(blockById(m, REQUEST_DRY_RUN_BLOCK)).toBeUndefined();
  });
});
