import { describe, expect, it } from 'vitest';
import { auditEvent, auditRequest, parseCsv } from '../../test/helpers/audit.js';
import { CSV_COLUMNS, csvCell, csvHeader, csvLines } from './csv.js';
import { auditRecord } from './record.js';

describe('csvCell', () => {
  it.each([
    ['plain text', 'plain text'],
    ['', ''],
    [null, ''],
    [3, '3'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['carriage\rreturn', '"carriage\rreturn"'],
    ['crlf\r\nline', '"crlf\r\nline"'],
    // Formula injection: a leading = + - @ (and tab, CR) would run in a spreadsheet.
    ['=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', '"\'\r=1"'],
    ['=1,2', '"\'=1,2"'],
    // Only the first character counts.
    ['a=1', 'a=1'],
    ['2026-01-05T09:00:00.000Z', '2026-01-05T09:00:00.000Z'],
    ['{"a":1}', '"{""a"":1}"'],
  ])('%j → %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });
});

describe('csvHeader', () => {
  it('is the fixed column list, once, ending in CRLF', () => {
    expect(csvHeader()).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
    expect(new Set(CSV_COLUMNS).size).toBe(CSV_COLUMNS.length);
    expect(CSV_COLUMNS.slice(0, 2)).toEqual(['request_id', 'state']);
    expect(CSV_COLUMNS.slice(-5)).toEqual([
      'event_number',
      'event_at',
      'event_actor',
      'event_type',
      'event_detail',
    ]);
  });
});

describe('csvLines', () => {
  const column = (row: readonly string[], name: string) => row[CSV_COLUMNS.indexOf(name)];

  it('writes one row per event with the request columns repeated', () => {
    const record = auditRecord(
      auditRequest({
        state: 'rejected',
        reason: 'for the "big" release, really',
        decidedBy: 'U0BOB',
        decidedAt: new Date('2026-01-05T10:00:00Z'),
        decisionNote: '=cmd|"/c calc"!A1\nnot now',
      }),
      [
        auditEvent({ id: 1, type: 'created', detail: { quantity: 2, offeringId: 'x' } }),
        auditEvent({
          id: 2,
          type: 'rejected',
          actor: 'U0BOB',
          at: new Date('2026-01-05T10:00:00Z'),
          detail: { note: 'not now' },
        }),
      ],
    );
    const rows = parseCsv(csvLines(record));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toHaveLength(CSV_COLUMNS.length);
      expect(column(row, 'request_id')).toBe('R7K2M9QX');
      expect(column(row, 'reason')).toBe('for the "big" release, really');
      expect(column(row, 'decision_note')).toBe('\'=cmd|"/c calc"!A1\nnot now');
      expect(column(row, 'committed')).toBe('500.00');
      expect(column(row, 'currency')).toBe('USD');
      expect(column(row, 'transaction_id')).toBe('');
    }
    expect(rows.map((r) => column(r, 'event_number'))).toEqual(['1', '2']);
    expect(rows.map((r) => column(r, 'event_type'))).toEqual(['created', 'rejected']);
    expect(rows.map((r) => column(r, 'event_actor'))).toEqual(['U0ALICE', 'U0BOB']);
    expect(column(rows[1]!, 'event_at')).toBe('2026-01-05T10:00:00.000Z');
    // Compact JSON, keys sorted, in one cell.
    expect(column(rows[0]!, 'event_detail')).toBe('{"offeringId":"x","quantity":2}');
  });

  it('writes the outcome and the dry-run call in their own columns', () => {
    const record = auditRecord(
      auditRequest({
        state: 'dry_run',
        outcome: {
          message: 'Dry run: nothing was bought',
          dryRun: {
            operation: 'devicefarm:PurchaseOffering',
            region: 'us-west-2',
            parameters: { quantity: 2, offeringId: 'x' },
          },
        },
      }),
      [auditEvent()],
    );
    const [row] = parseCsv(csvLines(record));
    expect(column(row!, 'dry_run')).toBe(
      '{"operation":"devicefarm:PurchaseOffering","region":"us-west-2","parameters":{"offeringId":"x","quantity":2}}',
    );
    expect(column(row!, 'outcome_message')).toBe('Dry run: nothing was bought');
  });

  it('still writes a request without events, with empty event columns', () => {
    const rows = parseCsv(csvLines(auditRecord(auditRequest(), [])));
    expect(rows).toHaveLength(1);
    expect(column(rows[0]!, 'request_id')).toBe('R7K2M9QX');
    expect(column(rows[0]!, 'event_number')).toBe('');
    expect(column(rows[0]!, 'event_detail')).toBe('');
  });
});
