import { describe, expect, it } from 'vitest';
import type { PurchaseRequest, RequestState } from '../domain/requests.js';
import { dryRunCall } from './dry-run.js';
import { approvalsNeededFor, mayApprove, mayCancel, mayReject, mayRequest } from './policy.js';

const NOW = new Date('2026-11-22T12:00:00Z');

function request(
  state: RequestState = 'pending',
  expiresAt = new Date('2026-11-23T12:00:00Z'),
): PurchaseRequest {
  return {
    id: 'R7K2M9QX',
    state,
    action: { service: 'devicefarm', kind: 'purchase', offeringId: 'x'.repeat(32), quantity: 2 },
    quote: {
      service: 'devicefarm',
      offeringDescription: 'Android slot',
      currency: 'USD',
      unitPriceMicros: '250000000',
      priceUnit: 'MONTHLY',
      commitsMicros: '500000000',
      commitsPeriod: 'month',
    },
    requester: 'UALICE',
    reason: 'release tests',
    createdAt: new Date('2026-11-22T11:00:00Z'),
    expiresAt,
    approvalsNeeded: 1,
    approvals: [],
    remindersSent: 0,
    version: 1,
  };
}

describe('mayApprove', () => {
  it.each([
    ['an approver who did not ask', 'UBOB', true, request(), true, undefined],
    ['the requester, even as an approver', 'UALICE', true, request(), false, 'self_approval'],
    ['a non-approver', 'UCAROL', false, request(), false, 'not_approver'],
    [
      'after expiry time, before the sweep',
      'UBOB',
      true,
      request('pending', NOW),
      false,
      'expired',
    ],
    ['an executing request', 'UBOB', true, request('executing'), false, 'not_pending'],
    ['a succeeded request', 'UBOB', true, request('succeeded'), false, 'not_pending'],
    ['a failed request', 'UBOB', true, request('failed'), false, 'not_pending'],
    ['an unknown request', 'UBOB', true, request('unknown'), false, 'not_pending'],
    ['a rejected request', 'UBOB', true, request('rejected'), false, 'not_pending'],
    ['a cancelled request', 'UBOB', true, request('cancelled'), false, 'not_pending'],
    ['an expired request', 'UBOB', true, request('expired'), false, 'not_pending'],
  ] as const)('%s', (_name, actor, isApprover, r, ok, code) => {
    const d = mayApprove(r, actor, isApprover, NOW);
    expect(d.ok).toBe(ok);
    if (!d.ok) {
      expect(d.code).toBe(code);
      expect(d.message).toContain('R7K2M9QX');
    }
  });

  it('checks the state before who is asking, so late clicks learn what happened', () => {
    const d = mayApprove(request('rejected'), 'UALICE', false, NOW);
    expect(d.ok || d.code).toBe('not_pending');
  });
});

describe('mayReject', () => {
  it('lets an approver reject and sends the requester to Cancel', () => {
    expect(mayReject(request(), 'UBOB', true, NOW).ok).toBe(true);
    const own = mayReject(request(), 'UALICE', true, NOW);
    expect(own.ok || own.message).toMatch(/Cancel/);
    expect(mayReject(request(), 'UCAROL', false, NOW).ok).toBe(false);
    expect(mayReject(request('succeeded'), 'UBOB', true, NOW).ok).toBe(false);
  });
});

describe('mayCancel', () => {
  it('lets only the requester cancel, and only while pending', () => {
    expect(mayCancel(request(), 'UALICE', NOW).ok).toBe(true);
    const other = mayCancel(request(), 'UBOB', NOW);
    expect(other.ok || other.code).toBe('not_requester');
    expect(other.ok || other.message).toContain('<@UALICE>');
    const late = mayCancel(request('executing'), 'UALICE', NOW);
    expect(late.ok || late.code).toBe('not_pending');
  });
});

describe('mayRequest', () => {
  it('names the setting when refusing', () => {
    expect(mayRequest('UX', true).ok).toBe(true);
    const d = mayRequest('UX', false);
    expect(d.ok || d.message).toContain('SLOTS_REQUESTERS');
  });
});

describe('approvalsNeededFor', () => {
  const rules = [
    { atLeastMicros: 1_000_000_000n, approvers: 2 },
    { atLeastMicros: 20_000_000_000n, approvers: 3 },
  ];
  const quote = (commitsMicros: string) => ({ ...request().quote, commitsMicros });
  it.each([
    ['0', 1],
    ['999999999', 1], // 999.999999: just below the first rule
    ['1000000000', 2], // exactly 1,000
    ['19999999999', 2],
    ['20000000000', 3], // exactly 20,000
    ['900000000000', 3],
  ])('a commitment of %s micro-units needs %i approver(s)', (micros, needed) => {
    expect(approvalsNeededFor(rules, quote(micros))).toBe(needed);
  });
  it('needs one approver without rules', () => {
    expect(approvalsNeededFor([], quote('900000000000'))).toBe(1);
  });
});

describe('mayApprove with approvals so far', () => {
  it('refuses an approver who already approved, saying how many are still needed', () => {
    const r = {
      ...request(),
      approvalsNeeded: 3,
      approvals: [{ by: 'UBOB', at: NOW }],
    };
    const again = mayApprove(r, 'UBOB', true, NOW);
    expect(again.ok || again.code).toBe('already_approved');
    expect(again.ok || again.message).toMatch(/2 more approvals/);
    expect(mayApprove(r, 'UCAROL', true, NOW).ok).toBe(true);
  });
});

describe('dryRunCall', () => {
  const regions = { devicefarm: 'us-west-2', mediaconnect: 'eu-west-1' };
  it('names the operation, region and every parameter the adapters would send', () => {
    expect(
      dryRunCall(
        {
          service: 'devicefarm',
          kind: 'purchase',
          offeringId: 'o1',
          quantity: 2,
          promotionId: 'p1',
        },
        undefined,
        regions,
      ),
    ).toEqual({
      operation: 'devicefarm:PurchaseOffering',
      region: 'us-west-2',
      parameters: { offeringId: 'o1', quantity: 2, offeringPromotionId: 'p1' },
    });
    expect(
      dryRunCall(
        { service: 'devicefarm', kind: 'renew', offeringId: 'o1', quantity: 0 },
        undefined,
        regions,
      ),
    ).toEqual({
      operation: 'devicefarm:RenewOffering',
      region: 'us-west-2',
      parameters: { offeringId: 'o1', quantity: 0 },
    });
    expect(
      dryRunCall(
        { service: 'mediaconnect', kind: 'purchase', offeringArn: 'arn:o', reservationName: 'r' },
        '2026-12-01T00:00:00Z',
        regions,
      ),
    ).toEqual({
      operation: 'mediaconnect:PurchaseOffering',
      region: 'eu-west-1',
      parameters: { OfferingArn: 'arn:o', ReservationName: 'r', Start: '2026-12-01T00:00:00Z' },
    });
  });
});
