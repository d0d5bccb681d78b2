/** Quotes as the request service writes them, for tests that build requests by hand. */
import type { PurchaseRequest, Quote } from '../../src/domain/requests.js';

/** `slots` Device Farm slots at $250.00 a slot a month. */
export function deviceFarmQuote(
  slots: number,
  offeringDescription = 'Android Remote Access Unmetered Device Slot',
): Quote {
  return {
    service: 'devicefarm',
    offeringDescription,
    currency: 'USD',
    unitPriceMicros: '250000000',
    priceUnit: 'MONTHLY',
    commitsMicros: String(250_000_000 * slots),
    commitsPeriod: 'month',
  };
}

/** 10 Mbps of MediaConnect for 12 months at $0.0125 per Mbps per hour (8,784 hours at most). */
export function mediaConnectQuote(offeringDescription = '10 Mbps for 12 months'): Quote {
  return {
    service: 'mediaconnect',
    offeringDescription,
    currency: 'USD',
    unitPriceMicros: '12500',
    priceUnit: 'HOURLY',
    commitsMicros: '1098000000',
    commitsPeriod: 'term',
    durationMonths: 12,
    bandwidthMbps: 10,
  };
}

/** A pending request for 3 Device Farm slots by U0ALICE, for view tests; `over` changes any field. */
export function deviceFarmRequest(over: Partial<PurchaseRequest> = {}): PurchaseRequest {
  return {
    id: 'R7K2M9QX',
    state: 'pending',
    action: { service: 'devicefarm', kind: 'purchase', offeringId: 'off-1', quantity: 3 },
    quote: deviceFarmQuote(3),
    requester: 'U0ALICE',
    reason: 'release testing',
    createdAt: new Date('2026-11-22T09:00:00Z'),
    expiresAt: new Date('2026-11-23T09:00:00Z'),
    approvalsNeeded: 1,
    approvals: [],
    remindersSent: 0,
    version: 1,
    ...over,
  };
}
