import { describe, expect, it } from 'vitest';
import { parseAuditArgs, parseInstant } from './args.js';

describe('parseInstant', () => {
  it.each([
    ['2026-01-01', '2026-01-01T00:00:00.000Z'],
    [' 2026-01-01 ', '2026-01-01T00:00:00.000Z'],
    ['2026-01-01T09:30Z', '2026-01-01T09:30:00.000Z'],
    ['2026-01-01T09:30:15Z', '2026-01-01T09:30:15.000Z'],
    ['2026-01-01T09:30:15.250Z', '2026-01-01T09:30:15.250Z'],
    ['2026-01-01t09:30:15z', '2026-01-01T09:30:15.000Z'],
    ['2026-01-01T10:00:00+01:00', '2026-01-01T09:00:00.000Z'],
    ['2025-12-31T19:00:00-05:00', '2026-01-01T00:00:00.000Z'],
    ['2028-02-29', '2028-02-29T00:00:00.000Z'],
  ])('%j → %s', (text, iso) => {
    const at = parseInstant(text);
    expect(at instanceof Date ? at.toISOString() : at).toBe(iso);
  });

  it.each([
    ['2026-01-01T09:00:00', /needs a time zone/],
    ['2026-02-30', /not a real date/],
    ['2026-13-01', /not a real date/],
    ['2026-01-01T24:00Z', /not a real date/],
    ['2026-01-01T09:60Z', /not a real date/],
    ['yesterday', /must be a date \(2026-01-01\) or an ISO instant/],
    ['2026/01/01', /must be a date/],
    ['1767225600', /must be a date/],
    ['', /must be a date/],
  ])('refuses %j', (text, message) => {
    expect(parseInstant(text)).toMatch(message);
  });
});

describe('parseAuditArgs', () => {
  it.each([
    [
      ['--since', '2026-01-01'],
      { since: '2026-01-01T00:00:00.000Z', until: undefined, format: 'jsonl' },
    ],
    [['--since=2026-01-01', '--format=csv'], { since: '2026-01-01T00:00:00.000Z', format: 'csv' }],
    [
      ['--since', '2026-01-01', '--until', '2026-02-01T00:00:00Z', '--format', 'jsonl'],
      { until: '2026-02-01T00:00:00.000Z', format: 'jsonl' },
    ],
  ])('%j', (argv, expected) => {
    const args = parseAuditArgs(argv);
    if (args.kind !== 'export') throw new Error(JSON.stringify(args));
    expect({
      since: args.since.toISOString(),
      until: args.until?.toISOString(),
      format: args.format,
    }).toMatchObject(expected);
  });

  it.each([['--help'], ['-h'], ['--since', 'nonsense', '--help']])(
    '%j asks for help',
    (...argv) => {
      expect(parseAuditArgs(argv)).toEqual({ kind: 'help' });
    },
  );

  it.each([
    [[], ['--since is required: the first day to export, e.g. --since 2026-01-01']],
    [
      ['--format', 'csv'],
      ['--since is required: the first day to export, e.g. --since 2026-01-01'],
    ],
    [['--since'], ['--since needs a value, e.g. --since 2026-01-01']],
    [
      ['--since', '--format', 'csv'],
      [
        '--since needs a value, e.g. --since 2026-01-01',
        'unexpected argument "csv": give the dates as --since DATE and --until DATE',
      ],
    ],
    [
      ['--since', 'last week'],
      ['--since must be a date (2026-01-01) or an ISO instant (2026-01-01T09:00:00Z)'],
    ],
    [['--since', '2026-01-01T09:00'], [expect.stringMatching(/^--since needs a time zone/)]],
    [['--since', '2026-01-01', '--format', 'xml'], ['--format must be jsonl or csv']],
    [['--since', '2026-01-01', '--until', '2026-01-01'], ['--until must be after --since']],
    [['--since', '2026-02-01', '--until', '2026-01-01'], ['--until must be after --since']],
    [['--since', '2026-01-01', '--until', '2026-02-31'], ['--until is not a real date or time']],
    [['--since', '2026-01-01', '--since', '2026-02-01'], ['--since is given more than once']],
    [
      ['--since', '2026-01-01', '--from', 'x'],
      [
        'unknown flag --from; the flags are --since, --until, --format and --help',
        'unexpected argument "x": give the dates as --since DATE and --until DATE',
      ],
    ],
    [
      ['2026-01-01'],
      [
        'unexpected argument "2026-01-01": give the dates as --since DATE and --until DATE',
        '--since is required: the first day to export, e.g. --since 2026-01-01',
      ],
    ],
    [
      ['--since', 'x', '--format', 'xml'],
      [
        '--since must be a date (2026-01-01) or an ISO instant (2026-01-01T09:00:00Z)',
        '--format must be jsonl or csv',
      ],
    ],
  ])('%j is refused', (argv, problems) => {
    expect(parseAuditArgs(argv)).toEqual({ kind: 'usage_error', problems });
  });
});
