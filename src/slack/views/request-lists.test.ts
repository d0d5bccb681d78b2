import { describe, expect, it } from 'vitest';
import {
  blockText,
  contextTexts,
  itemLines,
  lineFor,
  sectionTexts,
} from '../../../test/helpers/blocks.js';
import type { PurchaseRequest } from '../../domain/requests.js';
import { limitViolations } from './message.js';
import { historyMessage, pendingMessage } from './request-lists.js';

const NOW = new Date('2026-11-22T10:00:00Z');
const DF_ID = 'a6f1c1d2-3b4e-4f50-8a61-7b8c9d0e1f21';
const ARN = 'arn:aws:mediaconnect:us-west-2:111122223333:offering:36KTUMS5RR10';

function dfRequest(id: string, over: Partial<PurchaseRequest> = {}): PurchaseRequest {
  return {
    id,
    state: 'pending',
    action: { service: 'devicefarm', kind: 'purchase', offeringId: DF_ID, quantity: 3 },
    quote: {
      service: 'devicefarm',
      offeringDescription: 'Android Unmetered Device Slot',
      currency: 'USD',
      unitPriceMicros: '250000000',
      priceUnit: 'MONTHLY',
      commitsMicros: '750000000',
      commitsPeriod: 'month',
    },
    requester: 'U0REQUESTR',
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

function mcRequest(id: string, over: Partial<PurchaseRequest> = {}): PurchaseRequest {
  return dfRequest(id, {
    action: {
      service: 'mediaconnect',
      kind: 'purchase',
      offeringArn: ARN,
      reservationName: 'live-2026',
      start: '2026-11-22T09:00:00Z',
    },
    quote: {
      service: 'mediaconnect',
      offeringDescription: '100 Mbps',
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

const approved = { decidedBy: 'U0APPROVER', decidedAt: new Date('2026-11-22T09:30:00Z') };

describe('pendingMessage', () => {
  it('shows one line per open request: id, what, cost, who asked, when it expires', () => {
    const m = pendingMessage(
      [
        dfRequest('R0000001'),
        mcRequest('R0000002'),
        dfRequest('R0000003', {
          action: { service: 'devicefarm', kind: 'renew', offeringId: DF_ID, quantity: 0 },
        }),
        dfRequest('R0000004', { state: 'executing', ...approved }),
        dfRequest('R0000005', { state: 'unknown', ...approved }),
      ],
      NOW,
    );
    expect(lineFor(m, 'R0000001')).toBe(
      '• `R0000001` · Device Farm purchase · Android Unmetered Device Slot × 3 · $750.00 per month · asked by <@U0REQUESTR> 1 h ago · :hourglass_flowing_sand: waiting, expires in 5 h',
    );
    expect(lineFor(m, 'R0000002')).toContain(
      'MediaConnect reservation · 100 Mbps, 12 months · `live-2026` · $10,950.00 over the 12-month term',
    );
    expect(lineFor(m, 'R0000003')).toContain(
      'Device Farm renewal · Android Unmetered Device Slot × 0',
    );
    expect(lineFor(m, 'R0000004')).toContain(':gear: buying');
    expect(lineFor(m, 'R0000005')).toContain('check the AWS console; it will not be retried');
    expect(m.text).toBe('5 open requests.');
    expect(limitViolations(m)).toEqual([]);
  });

  it('marks a pending request whose time is up as expired', () => {
    const m = pendingMessage(
      [dfRequest('R0000001', { expiresAt: new Date('2026-11-22T08:00:00Z') })],
      NOW,
    );
    expect(lineFor(m, 'R0000001')).toContain(':hourglass: expired 2 h ago');
  });

  it('says so when nothing is open', () => {
    const m = pendingMessage([], NOW);
    expect(sectionTexts(m)).toContain('No requests are waiting for a decision.');
    expect(itemLines(m)).toEqual([]);
    expect(limitViolations(m)).toEqual([]);
  });
});

describe('historyMessage', () => {
  it('shows who asked, who decided, the outcome and what AWS answered', () => {
    const m = historyMessage(
      [
        dfRequest('R0000001', {
          state: 'succeeded',
          ...approved,
          outcome: { transactionId: 'tx-123' },
        }),
        mcRequest('R0000002', {
          state: 'succeeded',
          ...approved,
          outcome: { reservationArn: 'arn:aws:mediaconnect:us-west-2:111122223333:reservation:r1' },
        }),
        dfRequest('R0000003', {
          state: 'failed',
          ...approved,
          outcome: { message: 'AWS said <no>.' },
        }),
        dfRequest('R0000004', { state: 'rejected', ...approved }),
        dfRequest('R0000005', { state: 'cancelled', decidedBy: 'U0REQUESTR' }),
        dfRequest('R0000006', { state: 'expired' }),
        dfRequest('R0000007', { state: 'unknown', ...approved }),
      ],
      NOW,
    );
    expect(lineFor(m, 'R0000001')).toBe(
      '• `R0000001` · 22 Nov 2026, 09:00 UTC · Device Farm purchase · Android Unmetered Device Slot × 3 · asked by <@U0REQUESTR> · approved by <@U0APPROVER> · :white_check_mark: succeeded, transaction `tx-123`',
    );
    expect(lineFor(m, 'R0000002')).toContain(
      ':white_check_mark: succeeded, reservation `arn:aws:mediaconnect:us-west-2:111122223333:reservation:r1`',
    );
    expect(lineFor(m, 'R0000003')).toContain(':x: failed: AWS said &lt;no&gt;.');
    expect(lineFor(m, 'R0000004')).toContain(
      'rejected by <@U0APPROVER> · :no_entry_sign: rejected',
    );
    expect(lineFor(m, 'R0000005')).toContain(
      'cancelled by <@U0REQUESTR> · :leftwards_arrow_with_hook: cancelled',
    );
    expect(lineFor(m, 'R0000006')).toMatch(/asked by <@U0REQUESTR> · :hourglass: expired$/);
    expect(lineFor(m, 'R0000007')).toContain(
      '*:rotating_light: outcome unknown: check the AWS console',
    );
    expect(itemLines(m).map((l) => l.slice(3, 11))).toEqual([
      'R0000001',
      'R0000002',
      'R0000003',
      'R0000004',
      'R0000005',
      'R0000006',
      'R0000007',
    ]);
    expect(limitViolations(m)).toEqual([]);
  });

  it('says so when there is no history', () => {
    expect(sectionTexts(historyMessage([], NOW))).toContain('No requests yet.');
  });

  it('escapes AWS and user text', () => {
    const m = historyMessage(
      [
        dfRequest('R0000001', {
          quote: { ...dfRequest('x').quote, offeringDescription: '<!channel> slot' },
          requester: '<!here>',
        }),
      ],
      NOW,
    );
    expect(blockText(m)).not.toMatch(/<!channel>|<!here>/);
    expect(lineFor(m, 'R0000001')).toContain('&lt;!channel&gt; slot');
  });
});

describe('request lists within Block Kit limits', () => {
  const longest = (i: number) =>
    mcRequest(`R${String(i).padStart(7, '0')}`, {
      state: i % 2 ? 'failed' : 'succeeded',
      ...approved,
      quote: { ...mcRequest('x').quote, offeringDescription: 'x'.repeat(16_384) },
      action: {
        service: 'mediaconnect',
        kind: 'purchase',
        offeringArn: ARN,
        reservationName: '&'.repeat(128),
        start: '2026-11-22T09:00:00Z',
      },
      outcome: {
        message: '<'.repeat(16_384),
        reservationArn: `arn:aws:mediaconnect:us-west-2:111122223333:reservation:${'r'.repeat(200)}`,
      },
    });

  it('fits 50 of the longest requests, saying how many were left out', () => {
    const requests = Array.from({ length: 50 }, (_, i) => longest(i));
    for (const m of [historyMessage(requests, NOW), pendingMessage(requests, NOW)]) {
      expect(limitViolations(m)).toEqual([]);
      const shown = itemLines(m).length;
      expect(shown).toBeGreaterThan(10);
      if (shown < 50) expect(contextTexts(m).join()).toContain(`${50 - shown} more request`);
    }
  });

  it('shows 50 ordinary requests in full', () => {
    const requests = Array.from({ length: 50 }, (_, i) =>
      dfRequest(`R${String(i).padStart(7, '0')}`, {
        state: 'succeeded',
        ...approved,
        outcome: { transactionId: `d30614ed-1b03-404c-9893-${i}` },
      }),
    );
    const m = historyMessage(requests, NOW);
    expect(itemLines(m)).toHaveLength(50);
    expect(limitViolations(m)).toEqual([]);
  });
});

describe('request lists with issue 12 states and approvals', () => {
  const bob = { by: 'U0BOB', at: new Date('2026-11-22T09:10:00Z') };
  const carol = { by: 'W0CAROL', at: new Date('2026-11-22T09:20:00Z') };

  it('shows how many approvals a pending request needing several has', () => {
    const m = pendingMessage(
      [
        dfRequest('R0000001', { approvalsNeeded: 2, approvals: [bob] }),
        dfRequest('R0000002', { approvalsNeeded: 3 }),
      ],
      NOW,
    );
    expect(lineFor(m, 'R0000001')).toMatch(
      /:hourglass_flowing_sand: waiting \(1 of 2 approvals\), expires in 5 h$/,
    );
    expect(lineFor(m, 'R0000002')).toContain('waiting (0 of 3 approvals)');
  });

  it('names every approver in the history, and the count of one that ended short', () => {
    const m = historyMessage(
      [
        dfRequest('R0000001', {
          state: 'succeeded',
          approvalsNeeded: 2,
          approvals: [bob, carol],
          decidedBy: 'W0CAROL',
          outcome: { transactionId: 'tx-1' },
        }),
        dfRequest('R0000002', { state: 'expired', approvalsNeeded: 2, approvals: [bob] }),
        dfRequest('R0000003', {
          state: 'rejected',
          approvalsNeeded: 2,
          approvals: [bob],
          decidedBy: 'W0CAROL',
        }),
      ],
      NOW,
    );
    expect(lineFor(m, 'R0000001')).toContain(
      'approved by <@U0BOB> and <@W0CAROL> · :white_check_mark:',
    );
    expect(lineFor(m, 'R0000002')).toContain(
      'approved by <@U0BOB> (1 of 2 approvals) · :hourglass: expired',
    );
    expect(lineFor(m, 'R0000003')).toContain('rejected by <@W0CAROL> · :no_entry_sign: rejected');
  });

  it('shows a dry run as such', () => {
    const m = historyMessage(
      [
        dfRequest('R0000001', {
          state: 'dry_run',
          ...approved,
          outcome: {
            dryRun: {
              operation: 'devicefarm:PurchaseOffering',
              region: 'us-west-2',
              parameters: {},
            },
          },
        }),
      ],
      NOW,
    );
    expect(lineFor(m, 'R0000001')).toMatch(
      /approved by <@U0APPROVER> · :test_tube: dry run — nothing was bought$/,
    );
    expect(limitViolations(m)).toEqual([]);
  });
});
