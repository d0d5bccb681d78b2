import { describe, expect, it } from 'vitest';
import { type Command, parseCommand, tokenize, USAGE } from './command-grammar.js';

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
    ['purchase', 'Unknown command "purchase".'],
    ['<!channel>', 'Unknown command "&lt;!channel&gt;".'],
    ['a&b', 'Unknown command "a&amp;b".'],
    ['status foo', /^Unknown service "foo"\. Use devicefarm .* or mediaconnect .*\.$/],
    ['status ec2', /^Unknown service "ec2"/],
    ['offerings devicefarms', /^Unknown service "devicefarms"/],
    ['status <@U123>', /^Unknown service "&lt;@U123&gt;"/],
    [
      'status devicefarm mediaconnect',
      '"status" takes at most one argument: devicefarm or mediaconnect.',
    ],
    ['status df extra', '"status" takes at most one argument: devicefarm or mediaconnect.'],
    ['STATUS a b c', '"status" takes at most one argument: devicefarm or mediaconnect.'],
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
  it('lists help, status and offerings with their service choice', () => {
    const syntax = USAGE.map((u) => u.syntax);
    expect(syntax).toEqual([
      '/slots help',
      '/slots status [devicefarm|mediaconnect]',
      '/slots offerings [devicefarm|mediaconnect]',
    ]);
    for (const line of USAGE) expect(line.summary.length).toBeGreaterThan(0);
  });

  it('only shows syntax the grammar accepts', () => {
    for (const { syntax } of USAGE) {
      const words = syntax.replace(/^\/slots\s*/, '').replace(/\[([^|\]]+)[^\]]*\]/, '$1');
      expect(parseCommand(words).ok, syntax).toBe(true);
    }
  });
});

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
      const result = parseCommand(text);
      if (result.ok) {
        expect(['help', 'status', 'offerings']).toContain(result.command.kind);
      } else {
        expect(result.error.length, JSON.stringify(text)).toBeGreaterThan(0);
        expect(result.error.length, JSON.stringify(text)).toBeLessThan(300);
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
