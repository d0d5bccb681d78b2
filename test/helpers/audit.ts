/**
 * For the audit export's tests: requests and events built by hand, as the store hands them back,
 * and a CSV reader to read back what the export wrote.
 */
import type { PurchaseRequest, RequestEvent } from '../../src/domain/requests.js';
import { deviceFarmQuote } from './quotes.js';

export const AUDIT_DF_OFFERING = 'a6f1c1d2-3b4e-4f50-8a61-7b8c9d0e1f21';
export const AUDIT_MC_OFFERING =
  'arn:aws:mediaconnect:us-west-2:111122223333:offering:36KTUMS5RR10';

/** A pending Device Farm purchase of two slots ($500.00 a month), made by U0ALICE. */
export function auditRequest(over: Partial<PurchaseRequest> = {}): PurchaseRequest {
  return {
    id: 'R7K2M9QX',
    state: 'pending',
    action: {
      service: 'devicefarm',
      kind: 'purchase',
      offeringId: AUDIT_DF_OFFERING,
      quantity: 2,
    },
    quote: deviceFarmQuote(2),
    requester: 'U0ALICE',
    reason: 'release testing',
    createdAt: new Date('2026-01-05T09:00:00Z'),
    expiresAt: new Date('2026-01-06T09:00:00Z'),
    approvalsNeeded: 1,
    approvals: [],
    remindersSent: 0,
    version: 1,
    ...over,
  };
}

export function auditEvent(over: Partial<RequestEvent> = {}): RequestEvent {
  return {
    id: 1,
    requestId: 'R7K2M9QX',
    at: new Date('2026-01-05T09:00:00Z'),
    actor: 'U0ALICE',
    type: 'created',
    detail: {},
    ...over,
  };
}

/** Splits CSV text into rows of fields (RFC 4180), to read back what was written. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) throw new Error('CSV does not end with CRLF');
  return rows;
}
