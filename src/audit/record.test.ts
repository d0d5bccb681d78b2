import { describe, expect, it } from 'vitest';
import {
  AUDIT_DF_OFFERING,
  AUDIT_MC_OFFERING,
  auditEvent,
  auditRequest,
} from '../../test/helpers/audit.js';
import { mediaConnectQuote } from '../../test/helpers/quotes.js';
import {
  AUDIT_RECORD_KEYS,
  auditRecord,
  decimalFromMicros,
  jsonLine,
  sortedKeys,
} from './record.js';

const DF = AUDIT_DF_OFFERING;
const ARN = AUDIT_MC_OFFERING;

describe('auditRecord', () => {
  it('writes every key, in the documented order, even when most are empty', () => {
    const line = jsonLine(auditRecord(auditRequest(), []));
    expect(Object.keys(JSON.parse(line))).toEqual([...AUDIT_RECORD_KEYS]);
  });

  it('keeps the key order of nested objects fixed', () => {
    const record = auditRecord(
      auditRequest({
        state: 'dry_run',
        outcome: {
          dryRun: { operation: 'devicefarm:PurchaseOffering', region: 'us-west-2', parameters: {} },
        },
      }),
      [auditEvent({})],
    );
    const parsed = JSON.parse(jsonLine(record));
    expect(Object.keys(parsed.amount)).toEqual([
      'currency',
      'committed',
      'period',
      'unitPrice',
      'priceUnit',
      'durationMonths',
      'bandwidthMbps',
    ]);
    expect(Object.keys(parsed.outcome)).toEqual([
      'transactionId',
      'reservationArn',
      'errorCode',
      'message',
      'source',
      'matchedBy',
      'candidates',
      'checkingUntil',
      'dryRun',
    ]);
    expect(Object.keys(parsed.outcome.dryRun)).toEqual(['operation', 'region', 'parameters']);
    expect(Object.keys(parsed.events[0])).toEqual(['at', 'actor', 'type', 'detail']);
  });

  it.each([
    [
      'a Device Farm purchase',
      auditRequest({
        action: {
          service: 'devicefarm',
          kind: 'purchase',
          offeringId: DF,
          quantity: 2,
          promotionId: 'P1',
        },
      }),
      {
        offering: DF,
        quantity: 2,
        promotionId: 'P1',
        reservationName: null,
        start: null,
        renewalSeen: null,
      },
    ],
    [
      'a Device Farm renewal with what AWS held',
      auditRequest({
        action: {
          service: 'devicefarm',
          kind: 'renew',
          offeringId: DF,
          quantity: 0,
          seen: { current: 3, nextPeriod: 3, at: '2026-01-05T08:59:00.000Z' },
        },
      }),
      {
        kind: 'renew',
        quantity: 0,
        promotionId: null,
        renewalSeen: { current: 3, nextPeriod: 3, at: '2026-01-05T08:59:00.000Z' },
      },
    ],
    [
      'a MediaConnect purchase',
      auditRequest({
        action: {
          service: 'mediaconnect',
          kind: 'purchase',
          offeringArn: ARN,
          reservationName: 'q4-events',
          start: '2026-01-10T00:00:00Z',
        },
        quote: mediaConnectQuote(),
      }),
      {
        service: 'mediaconnect',
        offering: ARN,
        quantity: null,
        reservationName: 'q4-events',
        start: '2026-01-10T00:00:00Z',
        amount: {
          currency: 'USD',
          committed: '1098.00',
          period: 'term',
          unitPrice: '0.0125',
          priceUnit: 'HOURLY',
          durationMonths: 12,
          bandwidthMbps: 10,
        },
      },
    ],
  ])('describes %s', (_name, request, expected) => {
    expect(auditRecord(request, [])).toMatchObject(expected);
  });

  it('writes instants as ISO 8601 UTC and missing ones as null', () => {
    const record = auditRecord(
      auditRequest({
        state: 'succeeded',
        approvals: [{ by: 'U0BOB', at: new Date(Date.UTC(2026, 0, 5, 10)) }],
        decidedBy: 'U0BOB',
        decidedAt: new Date(Date.UTC(2026, 0, 5, 10)),
        executionStartedAt: new Date(Date.UTC(2026, 0, 5, 10)),
        callStartedAt: new Date(Date.UTC(2026, 0, 5, 10, 0, 1)),
        finishedAt: new Date(Date.UTC(2026, 0, 5, 10, 0, 2, 345)),
        outcome: { transactionId: 'T1', source: 'answer' },
      }),
      [],
    );
    expect(record).toMatchObject({
      createdAt: '2026-01-05T09:00:00.000Z',
      approvals: [{ by: 'U0BOB', at: '2026-01-05T10:00:00.000Z' }],
      decidedAt: '2026-01-05T10:00:00.000Z',
      callStartedAt: '2026-01-05T10:00:01.000Z',
      finishedAt: '2026-01-05T10:00:02.345Z',
      decisionNote: null,
      outcome: { transactionId: 'T1', reservationArn: null, errorCode: null, dryRun: null },
    });
    expect(auditRecord(auditRequest(), []).outcome).toBeNull();
  });

  it('writes events oldest first as the store lists them, details with sorted keys', () => {
    const record = auditRecord(auditRequest(), [
      auditEvent({ id: 1, type: 'created', detail: { z: 1, a: { y: 2, b: [{ d: 1, c: 2 }] } } }),
      auditEvent({ id: 2, type: 'approved', actor: 'U0BOB', at: new Date('2026-01-05T10:00:00Z') }),
    ]);
    expect(record.events.map((e) => e.type)).toEqual(['created', 'approved']);
    expect(JSON.stringify(record.events[0]?.detail)).toBe(
      '{"a":{"b":[{"c":2,"d":1}],"y":2},"z":1}',
    );
    expect(record.events[1]).toEqual({
      at: '2026-01-05T10:00:00.000Z',
      actor: 'U0BOB',
      type: 'approved',
      detail: {},
    });
  });

  it('never writes money as a number', () => {
    const line = jsonLine(auditRecord(auditRequest(), []));
    expect(JSON.parse(line).amount).toMatchObject({ committed: '500.00', unitPrice: '250.00' });
  });
});

describe('decimalFromMicros', () => {
  it.each([
    ['0', '0.00'],
    ['1', '0.000001'],
    ['10000', '0.01'],
    ['12500', '0.0125'],
    ['250000000', '250.00'],
    ['1098000000', '1098.00'],
    ['123456789012345678901', '123456789012345.678901'],
    ['-1500000', '-1.50'],
  ])('%s micro-units → %s', (micros, decimal) => {
    expect(decimalFromMicros(micros)).toBe(decimal);
  });

  it.each(['', '1.5', '1e6', 'abc'])('refuses %j', (micros) => {
    expect(() => decimalFromMicros(micros)).toThrow(/micro-units/);
  });
});

describe('sortedKeys', () => {
  it.each([
    [null, null],
    [3, 3],
    ['x', 'x'],
    [[{ b: 1, a: 2 }], [{ a: 2, b: 1 }]],
  ])('%j', (input, output) => {
    expect(JSON.stringify(sortedKeys(input))).toBe(JSON.stringify(output));
  });

  it('keeps a __proto__ key as a plain key', () => {
    const input = JSON.parse('{"__proto__":{"polluted":true},"a":1}');
    const out = sortedKeys(input) as Record<string, unknown>;
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":true},"a":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
