import { describe, expect, it } from 'vitest';
import type { PurchaseRequest } from '../domain/requests.js';
import { requestTimings } from './request-timings.js';

const T0 = new Date('2026-11-22T12:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1_000);

const base: PurchaseRequest = {
  id: 'R1',
  state: 'pending',
  action: { service: 'mediaconnect', kind: 'purchase', offeringArn: 'arn:o', reservationName: 'r' },
  quote: {
    service: 'mediaconnect',
    offeringDescription: '10 Mbps',
    currency: 'USD',
    unitPriceMicros: '1',
    priceUnit: 'HOURLY',
    commitsMicros: '1',
    commitsPeriod: 'term',
  },
  requester: 'U0ALICE',
  reason: 'r',
  createdAt: T0,
  expiresAt: at(86_400),
  approvalsNeeded: 2,
  approvals: [],
  remindersSent: 0,
  version: 1,
};

describe('requestTimings', () => {
  it.each<[string, Partial<PurchaseRequest>, ReturnType<typeof requestTimings>]>([
    ['a new request', {}, []],
    [
      'a first approval of two (still pending)',
      { approvals: [{ by: 'U0BOB', at: at(5) }], version: 2 },
      [],
    ],
    [
      'the approval that completed the count',
      { state: 'executing', decidedAt: at(60), executionStartedAt: at(60) },
      [{ measure: 'decision', service: 'mediaconnect', decision: 'approved', seconds: 60 }],
    ],
    [
      'a rejection',
      { state: 'rejected', decidedAt: at(30), finishedAt: at(30) },
      [{ measure: 'decision', service: 'mediaconnect', decision: 'rejected', seconds: 30 }],
    ],
    [
      'a cancellation',
      { state: 'cancelled', decidedAt: at(10), finishedAt: at(10) },
      [{ measure: 'decision', service: 'mediaconnect', decision: 'cancelled', seconds: 10 }],
    ],
    [
      'an expiry, decided when finished',
      { state: 'expired', finishedAt: at(86_400) },
      [{ measure: 'decision', service: 'mediaconnect', decision: 'expired', seconds: 86_400 }],
    ],
    ['an unknown outcome (not final yet)', { state: 'unknown', executionStartedAt: at(60) }, []],
    [
      'a success',
      { state: 'succeeded', decidedAt: at(60), executionStartedAt: at(60), finishedAt: at(62) },
      [{ measure: 'outcome', service: 'mediaconnect', outcome: 'succeeded', seconds: 2 }],
    ],
    [
      'a failure settled by reconciliation',
      { state: 'failed', executionStartedAt: at(60), finishedAt: at(60 + 600) },
      [{ measure: 'outcome', service: 'mediaconnect', outcome: 'failed', seconds: 600 }],
    ],
    [
      'a dry run',
      { state: 'dry_run', executionStartedAt: at(60), finishedAt: at(60.5) },
      [{ measure: 'outcome', service: 'mediaconnect', outcome: 'dry_run', seconds: 0.5 }],
    ],
    [
      'a host clock that went back (never negative)',
      { state: 'rejected', decidedAt: at(-5) },
      [{ measure: 'decision', service: 'mediaconnect', decision: 'rejected', seconds: 0 }],
    ],
  ])('%s', (_name, patch, expected) => {
    expect(requestTimings({ ...base, ...patch })).toEqual(expected);
  });
});
