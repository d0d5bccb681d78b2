import { describe, expect, it } from 'vitest';
import {
  type Command,
  DEFAULT_MAX_QUANTITY,
  defaultStart,
  earliestStart,
  parseCommand,
  parseHistoryLimit,
  parseOfferingArn,
  parseOfferingId,
  parsePromotionId,
  parseQuantity,
  parseReason,
  parseReservationName,
  parseStart,
  tokenize,
  USAGE,
} from './command-grammar.js';

/** A clock with milliseconds, so the default start visibly drops them. */
const NOW = new Date('2026-11-22T10:00:00.500Z');
const OPTIONS = { now: NOW, maxQuantity: 50 };
const DF_ID = 'a6f1c1d2-3b4e-4f50-8a61-7b8c9d0e1f21';
const ARN = 'arn:aws:mediaconnect:us-west-2:111122223333:offering:36KTUMS5RR10';
/** The form AWS's IAM reference shows: no account. */
const ARN_NO_ACCOUNT = 'arn:aws:mediaconnect:us-west-2::offering:36KTUMS5RR10';

describe('parseCommand accepts', () => {
  const cases: ReadonlyArray<readonly [string, Command]> = [
    ['', { kind: 'help' }],
    ['   ', { kind: 'help' }],
    ['\t\n', { kind: 'help' }],
    ['\u00a0', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['HELP', { kind: 'help' }],
    ['?', { kind: 'help' }],
    ['help status', { kind: 'help' }],
    ['status', { kind: 'status' }],
    ['Status', { kind: 'status' }],
    ['  status  ', { kind: 'status' }],
    ['status devicefarm', { kind: 'status', service: 'devicefarm' }],
    ['status DeviceFarm', { kind: 'status', service: 'devicefarm' }],
    ['status device-farm', { kind: 'status', service: 'devicefarm' }],
    ['status df', { kind: 'status', service: 'devicefarm' }],
    ['STATUS DF', { kind: 'status', service: 'devicefarm' }],
    ['status mediaconnect', { kind: 'status', service: 'mediaconnect' }],
    ['status MediaConnect', { kind: 'status', service: 'mediaconnect' }],
    ['status media-connect', { kind: 'status', service: 'mediaconnect' }],
    ['status mc', { kind: 'status', service: 'mediaconnect' }],
    ['status\u00a0mc', { kind: 'status', service: 'mediaconnect' }],
    ['status fresh', { kind: 'status', fresh: true }],
    ['status FRESH', { kind: 'status', fresh: true }],
    ['status mc fresh', { kind: 'status', service: 'mediaconnect', fresh: true }],
    ['status fresh df', { kind: 'status', service: 'devicefarm', fresh: true }],
    ['status\tmc', { kind: 'status', service: 'mediaconnect' }],
    ['status\n\nmc\n', { kind: 'status', service: 'mediaconnect' }],
    ['status\u200bmc', { kind: 'status', service: 'mediaconnect' }],
    ['\u3000status\u2003df', { kind: 'status', service: 'devicefarm' }],
    ['offerings', { kind: 'offerings' }],
    ['OFFERINGS', { kind: 'offerings' }],
    ['offerings devicefarm', { kind: 'offerings', service: 'devicefarm' }],
    ['offerings df', { kind: 'offerings', service: 'devicefarm' }],
    ['offerings mediaconnect', { kind: 'offerings', service: 'mediaconnect' }],
    ['offerings Media-Connect', { kind: 'offerings', service: 'mediaconnect' }],
    ['offerings mc', { kind: 'offerings', service: 'mediaconnect' }],
  ];

  it.each(cases)('%j', (text, command) => {
    expect(parseCommand(text)).toEqual({ ok: true, command });
  });

  it('leaves service out entirely when none is given, rather than setting it to undefined', () => {
    const result = parseCommand('status');
    expect(result.ok && Object.keys(result.command)).toEqual(['kind']);
  });
});

describe('parseCommand rejects', () => {
  const cases: ReadonlyArray<readonly [string, string | RegExp]> = [
    ['foo', 'Unknown command "foo".'],
    ['FOO bar', 'Unknown command "FOO".'],
    ['stat', 'Unknown command "stat".'],
    ['statuses', 'Unknown command "statuses".'],
    ['purchases', 'Unknown command "purchases".'],
    ['<!channel>', 'Unknown command "&lt;!channel&gt;".'],
    ['a&b', 'Unknown command "a&amp;b".'],
    ['status foo', /^Unknown service "foo"\. Use devicefarm .* or mediaconnect .*\.$/],
    ['status ec2', /^Unknown service "ec2"/],
    ['offerings devicefarms', /^Unknown service "devicefarms"/],
    ['status <@U123>', /^Unknown service "&lt;@U123&gt;"/],
    [
      'status devicefarm mediaconnect',
      '"status" takes at most a service (devicefarm or mediaconnect) and "fresh".',
    ],
    [
      'status df extra',
      '"status" takes at most a service (devicefarm or mediaconnect) and "fresh".',
    ],
    ['STATUS a b c', '"status" takes at most a service (devicefarm or mediaconnect) and "fresh".'],
    ['status fresh fresh', 'Say "fresh" once.'],
    ['status fresh nope', /^Unknown service "nope"/],
    ['offerings mc mc', '"offerings" takes at most one argument: devicefarm or mediaconnect.'],
  ];

  it.each(cases)('%j', (text, expected) => {
    const result = parseCommand(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    if (typeof expected === 'string') expect(result.error).toBe(expected);
    else expect(result.error).toMatch(expected);
  });

  it('names every accepted service and its aliases when the service is unknown', () => {
    const result = parseCommand('status nope');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const name of ['devicefarm', 'device-farm', 'df', 'mediaconnect', 'media-connect', 'mc']) {
      expect(result.error).toContain(name);
    }
  });

  it('echoes at most ~50 characters of a long word', () => {
    const long = 'x'.repeat(5000);
    for (const text of [long, `status ${long}`]) {
      const result = parseCommand(text);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error).not.toContain('x'.repeat(51));
      expect(result.error).toContain(`${'x'.repeat(49)}…`);
      expect(result.error.length).toBeLessThan(200);
    }
  });
});

describe('tokenize', () => {
  it('splits on any run of Unicode whitespace and keeps the case of words', () => {
    expect(tokenize(' Purchase\u00a0\u00a0df\tOFFER-1\r\n3 ')).toEqual([
      'Purchase',
      'df',
      'OFFER-1',
      '3',
    ]);
  });
});

describe('USAGE', () => {
  it('lists every command with its service choice and arguments', () => {
    expect(USAGE.map((u) => u.syntax)).toEqual([
      '/slots help',
      '/slots status [devicefarm|mediaconnect] [fresh]',
      '/slots offerings [devicefarm|mediaconnect]',
      '/slots purchase',
      '/slots purchase devicefarm <offering-id> <quantity> [promotion-id]',
      '/slots purchase mediaconnect <offering-arn> <reservation-name> [start]',
      '/slots renew',
      '/slots renew devicefarm <offering-id> <quantity>',
      '/slots pending',
      '/slots history [n]',
    ]);
    for (const line of USAGE) expect(line.summary.length).toBeGreaterThan(0);
  });

  it('accepts every documented form, with and without its optional part', () => {
    const sample: Record<string, string> = {
      '<offering-id>': DF_ID,
      '<quantity>': '2',
      '[promotion-id]': 'promo-1',
      '<offering-arn>': ARN,
      '<reservation-name>': 'live-2026',
      '[start]': '2026-11-02T03:04:05Z',
      '[n]': '5',
      '[devicefarm|mediaconnect]': 'mediaconnect',
      '[fresh]': 'fresh',
    };
    const fill = (text: string) => text.replace(/[<[][^\]>]*[\]>]/g, (p) => sample[p] ?? p);
    for (const { syntax } of USAGE) {
      const words = syntax.replace(/^\/slots\s*/, '');
      const withOptional = fill(words);
      const withoutOptional = fill(words.replace(/\s*\[[^\]]*\]/g, ''));
      for (const text of [withOptional, withoutOptional]) {
        expect(text).not.toMatch(/[<>[\]]/);
        expect(parseCommand(text, OPTIONS).ok, `${syntax} as ${text}`).toBe(true);
      }
    }
  });
});

describe('parseCommand accepts requests', () => {
  const cases: ReadonlyArray<readonly [string, Command]> = [
    ['purchase', { kind: 'purchase' }],
    ['PURCHASE', { kind: 'purchase' }],
    ['purchase df', { kind: 'purchase', service: 'devicefarm' }],
    ['purchase MediaConnect', { kind: 'purchase', service: 'mediaconnect' }],
    ['renew', { kind: 'renew' }],
    ['renew device-farm', { kind: 'renew', service: 'devicefarm' }],
    [
      `purchase devicefarm ${DF_ID} 3`,
      {
        kind: 'purchase',
        action: { service: 'devicefarm', kind: 'purchase', offeringId: DF_ID, quantity: 3 },
      },
    ],
    [
      `purchase df ${DF_ID} 1 promo-android-free-month`,
      {
        kind: 'purchase',
        action: {
          service: 'devicefarm',
          kind: 'purchase',
          offeringId: DF_ID,
          quantity: 1,
          promotionId: 'promo-android-free-month',
        },
      },
    ],
    [
      `purchase df ${DF_ID} 50`,
      {
        kind: 'purchase',
        action: { service: 'devicefarm', kind: 'purchase', offeringId: DF_ID, quantity: 50 },
      },
    ],
    [
      `purchase df ${'A'.repeat(32)} 1`,
      {
        kind: 'purchase',
        action: {
          service: 'devicefarm',
          kind: 'purchase',
          offeringId: 'A'.repeat(32),
          quantity: 1,
        },
      },
    ],
    [
      `renew df ${DF_ID} 0`,
      {
        kind: 'renew',
        action: { service: 'devicefarm', kind: 'renew', offeringId: DF_ID, quantity: 0 },
      },
    ],
    [
      `renew devicefarm ${DF_ID} 50`,
      {
        kind: 'renew',
        action: { service: 'devicefarm', kind: 'renew', offeringId: DF_ID, quantity: 50 },
      },
    ],
    [
      `renew df ${DF_ID} 007`,
      {
        kind: 'renew',
        action: { service: 'devicefarm', kind: 'renew', offeringId: DF_ID, quantity: 7 },
      },
    ],
    [
      `purchase mc ${ARN} q3-bandwidth`,
      {
        kind: 'purchase',
        action: {
          service: 'mediaconnect',
          kind: 'purchase',
          offeringArn: ARN,
          reservationName: 'q3-bandwidth',
        },
      },
    ],
    [
      `purchase mc ${ARN_NO_ACCOUNT} q3-bandwidth`,
      {
        kind: 'purchase',
        action: {
          service: 'mediaconnect',
          kind: 'purchase',
          offeringArn: ARN_NO_ACCOUNT,
          reservationName: 'q3-bandwidth',
        },
      },
    ],
    [
      `purchase mediaconnect ${ARN} Q3.bw_1 2026-11-01T00:00:00Z`,
      {
        kind: 'purchase',
        action: {
          service: 'mediaconnect',
          kind: 'purchase',
          offeringArn: ARN,
          reservationName: 'Q3.bw_1',
          start: '2026-11-01T00:00:00Z',
        },
      },
    ],
    [
      `purchase mc ${ARN} ${'n'.repeat(128)} 2026-11-22T10:00:00Z`,
      {
        kind: 'purchase',
        action: {
          service: 'mediaconnect',
          kind: 'purchase',
          offeringArn: ARN,
          reservationName: 'n'.repeat(128),
          start: '2026-11-22T10:00:00Z',
        },
      },
    ],
    ['pending', { kind: 'pending' }],
    ['history', { kind: 'history', limit: 10 }],
    ['history 1', { kind: 'history', limit: 1 }],
    ['HISTORY 50', { kind: 'history', limit: 50 }],
  ];

  it.each(cases)('%j', (text, command) => {
    expect(parseCommand(text, OPTIONS)).toEqual({ ok: true, command });
  });

  it('leaves promotionId out when none is given', () => {
    const result = parseCommand(`purchase df ${DF_ID} 2`, OPTIONS);
    expect(
      result.ok && result.command.kind === 'purchase' && result.command.action,
    ).not.toHaveProperty('promotionId');
  });

  it('takes the quantity ceiling from the options, 50 by default', () => {
    expect(DEFAULT_MAX_QUANTITY).toBe(50);
    expect(parseCommand(`purchase df ${DF_ID} 60`, { now: NOW, maxQuantity: 100 }).ok).toBe(true);
    expect(parseCommand(`purchase df ${DF_ID} 60`, { now: NOW }).ok).toBe(false);
    expect(parseCommand(`purchase df ${DF_ID} 50`).ok).toBe(true);
    expect(parseCommand(`purchase df ${DF_ID} 51`).ok).toBe(false);
    expect(parseCommand(`purchase df ${DF_ID} 5`, { now: NOW, maxQuantity: 4 }).ok).toBe(false);
  });

  it('leaves the start out when none is given: the term starts when approved', () => {
    for (const options of [OPTIONS, undefined]) {
      const result = parseCommand(`purchase mc ${ARN} name`, options);
      if (!result.ok || result.command.kind !== 'purchase') throw new Error('expected a purchase');
      expect(result.command.action).not.toHaveProperty('start');
    }
  });

  it('checks a given start against the real clock for callers that pass no options', () => {
    const now = new Date();
    const start = `${now.toISOString().slice(0, 19)}Z`;
    const result = parseCommand(`purchase mc ${ARN} name ${start}`);
    expect(result.ok && result.command.kind === 'purchase' && result.command.action).toMatchObject({
      start,
    });
    expect(parseCommand(`purchase mc ${ARN} name 2000-01-01T00:00:00Z`).ok).toBe(false);
  });
});

describe('parseCommand rejects requests', () => {
  const QTY_1_50 = 'a whole number from 1 to 50';
  const QTY_0_50 = 'a whole number from 0 to 50 (0 lets the slots lapse at the next period)';
  const RANGE =
    'from 2026-11-01T00:00:00Z (the 1st of this month, 00:00 UTC) up to now, 2026-11-22T10:00:00Z';
  const cases: ReadonlyArray<readonly [string, string | RegExp]> = [
    ['purchase ec2', /^Unknown service "ec2"\. Use devicefarm/],
    ['renew <!here>', /^Unknown service "&lt;!here&gt;"/],
    [
      `purchase df ${DF_ID}`,
      '"purchase devicefarm" needs an offering id, a quantity and optionally a promotion id: `/slots purchase devicefarm &lt;offering-id&gt; &lt;quantity&gt; [promotion-id]`.',
    ],
    [`purchase df ${DF_ID} 1 promo-1 extra`, /^"purchase devicefarm" needs an offering id/],
    [
      'purchase df short 1',
      '"short" is not a Device Farm offering id: it is 32 to 128 letters, digits and hyphens, as `/slots offerings devicefarm` shows it.',
    ],
    [`purchase df ${'a'.repeat(31)} 1`, /is not a Device Farm offering id: it is 32 to 128/],
    [`purchase df ${'a'.repeat(129)} 1`, /is not a Device Farm offering id/],
    [`purchase df ${DF_ID}_x 1`, /is not a Device Farm offering id/],
    [`purchase df ${DF_ID} 0`, `A purchase buys at least 1 slot; use ${QTY_1_50}.`],
    [
      `purchase df ${DF_ID} 51`,
      `The quantity "51" is more than 50, the most one request may ask for (SLOTS_MAX_QUANTITY); use ${QTY_1_50}.`,
    ],
    [`purchase df ${DF_ID} 1.5`, `The quantity "1.5" is not a whole number; use ${QTY_1_50}.`],
    [`purchase df ${DF_ID} 1e3`, `The quantity "1e3" is not a whole number; use ${QTY_1_50}.`],
    [`purchase df ${DF_ID} three`, `The quantity "three" is not a whole number; use ${QTY_1_50}.`],
    [`purchase df ${DF_ID} -1`, `The quantity "-1" is negative; use ${QTY_1_50}.`],
    [`purchase df ${DF_ID} ${'9'.repeat(30)}`, /^The quantity "9{19}…" is more than 50/],
    [`purchase df ${DF_ID} \uff13`, /is not a whole number/],
    [
      `purchase df ${DF_ID} 1 abc`,
      '"abc" is not a promotion id: it is 4 to 128 letters, digits, "-", "_", "." or ":", as `/slots offerings devicefarm` shows it.',
    ],
    [`purchase df ${DF_ID} 1 <b>promo</b>`, /^"&lt;b&gt;promo&lt;\/b&gt;" is not a promotion id/],
    [
      `renew df ${DF_ID} 51`,
      /^The quantity "51" is more than 50, .* use a whole number from 0 to 50 \(0 lets/,
    ],
    [`renew df ${DF_ID} -1`, `The quantity "-1" is negative; use ${QTY_0_50}.`],
    [
      `renew df ${DF_ID}`,
      /^"renew devicefarm" needs an offering id and a quantity: `\/slots renew devicefarm &lt;offering-id&gt; &lt;quantity&gt;`\.$/,
    ],
    [`renew df ${DF_ID} 1 promo-1`, /^"renew devicefarm" needs an offering id and a quantity/],
    [
      'renew mc',
      /^MediaConnect has no renewals: a reservation simply ends with its term\. To keep the bandwidth, buy a new reservation with `\/slots purchase mediaconnect &lt;offering-arn&gt;/,
    ],
    [`renew mediaconnect ${ARN} name`, /^MediaConnect has no renewals/],
    [
      `purchase mc ${ARN}`,
      /^"purchase mediaconnect" needs an offering ARN, a reservation name and optionally a start: `\/slots purchase mediaconnect &lt;offering-arn&gt; &lt;reservation-name&gt; \[start\]`\.$/,
    ],
    [`purchase mc ${ARN} name 2026-11-01T00:00:00Z extra`, /^"purchase mediaconnect" needs/],
    [
      'purchase mc not-an-arn name',
      /^"not-an-arn" is not a MediaConnect offering ARN: an ARN is `arn:partition:service:region:account:resource`, and it looks like `arn:aws:mediaconnect:/,
    ],
    [
      'purchase mc arn:aws:devicefarm:us-west-2:111122223333:offering:x name',
      /^"arn:aws:devicefarm:.*" is an ARN of the service "devicefarm", not of MediaConnect/,
    ],
    [
      'purchase mc arn:aws:mediaconnect:us-west-2:111122223333:reservation:x name',
      /is the ARN of a reservation, not of an offering/,
    ],
    [
      `purchase mc ${ARN}${'x'.repeat(300)} name`,
      /^The offering ARN has 365 characters, more than 256;/,
    ],
    [
      `purchase mc ${ARN} bad/name`,
      'The reservation name "bad/name" is not allowed; use 1 to 128 letters, digits, "-", "_" or "." (no spaces).',
    ],
    [`purchase mc ${ARN} <!channel>`, /^The reservation name "&lt;!channel&gt;" is not allowed/],
    [
      `purchase mc ${ARN} ${'n'.repeat(129)}`,
      'The reservation name has 129 characters; use 1 to 128 letters, digits, "-", "_" or "." (no spaces).',
    ],
    [
      `purchase mc ${ARN} name 2026-11-22`,
      'The start "2026-11-22" is not in the form YYYY-MM-DDTHH:mm:SSZ (UTC, e.g. 2026-11-22T10:00:00Z); leave it out to start when the request is approved.',
    ],
    [`purchase mc ${ARN} name 2026-11-22T10:00:00.000Z`, /is not in the form YYYY-MM-DDTHH:mm:SSZ/],
    [`purchase mc ${ARN} name 2026-11-22T10:00:00+00:00`, /is not in the form/],
    [`purchase mc ${ARN} name 2026-11-22t10:00:00z`, /is not in the form/],
    [`purchase mc ${ARN} name 2026-11-22T10:00Z`, /is not in the form/],
    [
      `purchase mc ${ARN} name 2026-11-31T00:00:00Z`,
      `The start "2026-11-31T00:00:00Z" is not a real date and time; use one ${RANGE}.`,
    ],
    [`purchase mc ${ARN} name 2026-11-22T24:00:00Z`, /is not a real date and time/],
    [`purchase mc ${ARN} name 2026-11-22T09:60:00Z`, /is not a real date and time/],
    [
      `purchase mc ${ARN} name 2026-10-31T23:59:59Z`,
      `The start 2026-10-31T23:59:59Z is before this month; MediaConnect accepts a start ${RANGE}.`,
    ],
    [
      `purchase mc ${ARN} name 2026-11-22T10:00:01Z`,
      `The start 2026-11-22T10:00:01Z is in the future; MediaConnect accepts a start ${RANGE}.`,
    ],
    [`purchase mc ${ARN} name 2027-01-01T00:00:00Z`, /is in the future/],
    ['pending now', '"pending" takes no arguments.'],
    [
      'history 0',
      '"0" is not a number of requests to show; use a whole number from 1 to 50 (default 10).',
    ],
    ['history 51', /^"51" is not a number of requests to show/],
    ['history -1', /^"-1" is not a number of requests to show/],
    ['history ten', /^"ten" is not a number of requests to show/],
    ['history 1 2', '"history" takes at most one argument: how many requests to show, 1 to 50.'],
  ];

  it.each(cases)('%j', (text, expected) => {
    const result = parseCommand(text, OPTIONS);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    if (typeof expected === 'string') expect(result.error).toBe(expected);
    else expect(result.error).toMatch(expected);
    expect(result.error).not.toMatch(/[<>]/);
  });
});

describe('the MediaConnect start at month boundaries', () => {
  const start = (text: string | undefined, now: string) => parseStart(text, new Date(now));

  it.each([
    ['2026-12-01T00:00:00Z', '2026-12-01T00:00:00.000Z', true],
    ['2026-11-30T23:59:59Z', '2026-12-01T00:00:00.000Z', false],
    ['2026-12-01T00:00:01Z', '2026-12-01T00:00:00.999Z', false],
    ['2026-12-31T23:59:59Z', '2027-01-01T00:00:00.000Z', false],
    ['2027-01-01T00:00:00Z', '2027-01-01T00:00:00.000Z', true],
    ['2028-02-29T00:00:00Z', '2028-02-29T12:00:00.000Z', true],
    ['2027-02-29T00:00:00Z', '2027-03-01T12:00:00.000Z', false],
    ['2026-11-30T23:59:59Z', '2026-11-30T23:59:59.999Z', true],
    ['2026-11-01T00:00:00Z', '2026-11-30T23:59:59.999Z', true],
  ] as const)('%s when it is %s: %s', (text, now, ok) => {
    expect(start(text, now).ok).toBe(ok);
  });

  it('is left out when empty, so the term starts when approved', () => {
    expect(start(undefined, '2026-12-01T00:00:00.000Z')).toEqual({ ok: true, value: undefined });
    expect(start('  ', '2026-11-22T10:00:00.987Z')).toEqual({ ok: true, value: undefined });
  });

  it('a start given in one month has left the window once the next one begins', () => {
    expect(start('2026-11-30T23:00:00Z', '2026-11-30T23:59:59.000Z').ok).toBe(true);
    const later = start('2026-11-30T23:00:00Z', '2026-12-01T00:00:00.000Z');
    expect(later).toEqual({
      ok: false,
      error:
        'The start 2026-11-30T23:00:00Z is before this month; MediaConnect accepts a start from 2026-12-01T00:00:00Z (the 1st of this month, 00:00 UTC) up to now, 2026-12-01T00:00:00Z.',
    });
  });

  it('writes now and the month start in the exact form, without milliseconds', () => {
    expect(defaultStart(NOW)).toBe('2026-11-22T10:00:00Z');
    expect(earliestStart(NOW).toISOString()).toBe('2026-11-01T00:00:00.000Z');
  });
});

describe('field checks for the modal', () => {
  it('trims what a form sends and says nothing about the command', () => {
    expect(parseQuantity(' 3 ', 'purchase', 50)).toEqual({ ok: true, value: 3 });
    expect(parseQuantity('0', 'renew', 50)).toEqual({ ok: true, value: 0 });
    expect(parseOfferingId(` ${DF_ID}\n`)).toEqual({ ok: true, value: DF_ID });
    expect(parseOfferingArn(` ${ARN} `)).toEqual({ ok: true, value: ARN });
    expect(parsePromotionId('promo-1')).toEqual({ ok: true, value: 'promo-1' });
    expect(parseReservationName(' live-1 ')).toEqual({ ok: true, value: 'live-1' });
    expect(parseHistoryLimit(undefined)).toEqual({ ok: true, value: 10 });
    expect(parseReason('  because\n')).toEqual({ ok: true, value: 'because' });
  });

  it.each([
    [parseQuantity('', 'purchase', 50), 'Give a quantity: a whole number from 1 to 50.'],
    [parseQuantity('', 'renew', 5), /^Give a quantity: a whole number from 0 to 5 \(0 lets/],
    [parseOfferingId(''), /^Give a Device Farm offering id: it is 32 to 128/],
    [parseOfferingArn(''), /^Give a MediaConnect offering ARN: it looks like/],
    [
      parseReservationName(''),
      'Give the reservation a name: 1 to 128 letters, digits, "-", "_" or "." (no spaces).',
    ],
    [parseReservationName('two words'), /^The reservation name "two words" is not allowed/],
    [parseReason('   '), 'Say why this is needed; approvers read it before deciding.'],
    [parseReason('x'.repeat(1001)), 'The reason has 1001 characters; keep it to 1000.'],
  ] as const)('rejects with a sentence: %j', (result, expected) => {
    expect(result.ok).toBe(false);
    if (result.ok) return;
    if (typeof expected === 'string') expect(result.error).toBe(expected);
    else expect(result.error).toMatch(expected);
  });
});

describe('parseOfferingArn', () => {
  it.each([
    ['with an account', ARN],
    ['with an empty account, as the IAM reference shows', ARN_NO_ACCOUNT],
    ['in another region', 'arn:aws:mediaconnect:eu-west-1:111122223333:offering:24-11-EXAMPLE'],
    ['in GovCloud', 'arn:aws-us-gov:mediaconnect:us-gov-west-1::offering:X'],
    ['in China', 'arn:aws-cn:mediaconnect:cn-north-1:111122223333:offering:X'],
    ['with an account that is not 12 digits', 'arn:aws:mediaconnect:us-west-2:1111:offering:x'],
    [
      'with an id holding dots, slashes and colons',
      'arn:aws:mediaconnect:us-west-2::offering:a.b/c:d',
    ],
    ['at the length limit', `arn:aws:mediaconnect:us-west-2::offering:${'x'.repeat(215)}`],
  ])('accepts an ARN %s', (_, arn) => {
    expect(arn.length).toBeLessThanOrEqual(256);
    expect(parseOfferingArn(arn)).toEqual({ ok: true, value: arn });
    expect(parseOfferingArn(`  ${arn}\n`)).toEqual({ ok: true, value: arn });
  });

  it.each([
    [
      '',
      /^Give a MediaConnect offering ARN: it looks like `arn:aws:mediaconnect:us-west-2:111122223333:offering:EXAMPLE` \(the account may be empty\)/,
    ],
    [
      `arn:aws:mediaconnect:us-west-2::offering:${'x'.repeat(216)}`,
      /^The offering ARN has 257 characters, more than 256;/,
    ],
    [
      'arn:aws:mediaconnect:us-west-2::offering:a b',
      /contains spaces or invisible characters; an offering ARN has none/,
    ],
    [
      'arn:aws:mediaconnect:us-west-2::offering:a\u200bb',
      /contains spaces or invisible characters/,
    ],
    [
      '36KTUMS5RR10',
      /^"36KTUMS5RR10" is not a MediaConnect offering ARN: an ARN is `arn:partition:service:region:account:resource`/,
    ],
    ['ARN:aws:mediaconnect:us-west-2::offering:x', /is not a MediaConnect offering ARN: an ARN is/],
    ['arn:aws:mediaconnect:us-west-2', /is not a MediaConnect offering ARN: an ARN is/],
    [
      'arn:amazon:mediaconnect:us-west-2::offering:x',
      /names the partition "amazon"; an AWS partition is `aws`/,
    ],
    [
      'arn:aws:mediaconnect:us-west-2::offering:x'.replace('mediaconnect', 'MediaConnect'),
      /is an ARN of the service "MediaConnect", not of MediaConnect/,
    ],
    ['arn:aws::us-west-2::offering:x', /is an ARN of no service, not of MediaConnect/],
    [
      'arn:aws:mediaconnect:::offering:x',
      /names no region; MediaConnect offerings belong to a region/,
    ],
    [
      'arn:aws:mediaconnect:oregon::offering:x',
      /names the region "oregon", which is not a region name/,
    ],
    [
      'arn:aws:mediaconnect:us-west-2:1111_2222:offering:x',
      /names the account "1111_2222"; the account field .* is an account id or empty/,
    ],
    [
      'arn:aws:mediaconnect:us-west-2::flow:x',
      /is the ARN of a "flow", not of an offering: its resource starts with `offering:`/,
    ],
    [
      'arn:aws:mediaconnect:us-west-2::reservation:x',
      /is the ARN of a reservation, not of an offering/,
    ],
    [
      'arn:aws:mediaconnect:us-west-2::offering:',
      /names no offering: the ARN ends with `offering:` and the offering's id/,
    ],
    ['arn:aws:mediaconnect:us-west-2::offering', /names no offering/],
    ['arn:aws:mediaconnect:us-west-2::', /names no offering/],
  ] as const)('rejects %j with a sentence saying why', (text, expected) => {
    const result = parseOfferingArn(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatch(expected);
    expect(result.error).not.toMatch(/[<>]/);
  });
});

const ALL_KINDS = ['help', 'status', 'offerings', 'purchase', 'renew', 'pending', 'history'];

describe('parseCommand on random input', () => {
  /** mulberry32: a tiny seeded PRNG, so a failure reproduces. */
  function rng(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const pieces = [
    'status',
    'offerings',
    'help',
    'HELP',
    'df',
    'mc',
    'devicefarm',
    'media-connect',
    ' ',
    '  ',
    '\t',
    '\n',
    '\u00a0',
    '\u200b',
    '\u3000',
    '<',
    '>',
    '&',
    '&amp;',
    '<!here>',
    '*',
    '`',
    '"',
    '\\',
    '😀',
    '\ud800',
    'é',
    'x'.repeat(80),
    '0',
    '-1',
    '__proto__',
    'constructor',
    'toString',
    'purchase',
    'renew',
    'pending',
    'history',
    DF_ID,
    ARN,
    'promo-1',
    '50',
    '51',
    '1.5',
    'name_1',
    '2026-11-01T00:00:00Z',
    '2026-11-22T10:00:00Z',
    '2026-10-31T23:59:59Z',
  ];

  it('never throws; always ok, or a short escaped error', () => {
    const next = rng(20_261_201);
    for (let i = 0; i < 5000; i++) {
      let text = '';
      const count = Math.floor(next() * 8);
      for (let j = 0; j < count; j++) {
        text +=
          next() < 0.7
            ? pieces[Math.floor(next() * pieces.length)]
            : String.fromCharCode(Math.floor(next() * 0x3000));
      }
      const result = parseCommand(text, OPTIONS);
      if (result.ok) {
        const { command } = result;
        expect(ALL_KINDS).toContain(command.kind);
        if ((command.kind === 'purchase' || command.kind === 'renew') && command.action) {
          const { action } = command;
          if (action.service === 'devicefarm') {
            expect(Number.isInteger(action.quantity)).toBe(true);
            expect(action.quantity).toBeGreaterThanOrEqual(action.kind === 'renew' ? 0 : 1);
            expect(action.quantity).toBeLessThanOrEqual(50);
          } else if (action.start !== undefined) {
            const start = new Date(action.start).getTime();
            expect(start).toBeLessThanOrEqual(NOW.getTime());
            expect(start).toBeGreaterThanOrEqual(earliestStart(NOW).getTime());
          }
        }
        if (command.kind === 'history') expect(command.limit).toBeLessThanOrEqual(50);
      } else {
        expect(result.error.length, JSON.stringify(text)).toBeGreaterThan(0);
        // Up to 50 echoed characters, each possibly escaped to five, plus the sentence.
        expect(result.error.length, JSON.stringify(text)).toBeLessThan(500);
        // `<` and `>` only ever appear escaped; every `&` starts an entity.
        expect(result.error).not.toMatch(/[<>]/);
        expect(result.error).not.toMatch(/&(?!amp;|lt;|gt;)/);
      }
    }
  });

  it('does not mistake object keys for services or commands', () => {
    expect(parseCommand('__proto__').ok).toBe(false);
    expect(parseCommand('status constructor').ok).toBe(false);
    expect(parseCommand('status toString').ok).toBe(false);
  });
});
