import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadConfig,
  parseApprovalRules,
  parseDatabaseUrl,
  parseDuration,
  signingSecretProblem,
} from './config.js';

const SECRET = 'xoxb-1111-2222-SECRETSECRETSECRET';
const SIGNING = 'signing-secret-do-not-print';

const valid = {
  SLACK_BOT_TOKEN: SECRET,
  SLACK_SIGNING_SECRET: SIGNING,
  SLOTS_CHANNEL: 'C0SLOTS',
  SLOTS_APPROVERS: 'U0APPROVER',
  AWS_REGION: 'eu-west-1',
};

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error('expected the configuration to be rejected');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(valid);
    expect(config.slack).toEqual({
      botToken: SECRET,
      signingSecret: SIGNING,
      appToken: undefined,
      apiUrl: 'https://slack.com/api/',
      mode: 'http',
    });
    expect(config.port).toBe(3000);
    expect(config.slots).toEqual({
      channel: 'C0SLOTS',
      approvers: ['U0APPROVER'],
      requesters: [],
      maxQuantity: 50,
      requestTtlMs: 24 * 3_600_000,
      pollIntervalMs: 15 * 60_000,
      statusMaxAgeMs: 10_000,
      renewalNoticeDays: [7, 1],
      approvals: [],
      remindAfterMs: 4 * 3_600_000,
      dryRun: false,
    });
    expect(config.metrics).toBe(true);
    expect(config.database).toEqual({ kind: 'sqlite', path: './data/slots.db' });
    expect(config.aws.region).toBe('eu-west-1');
    expect(config.logLevel).toBe('info');
  });

  it('reads every variable', () => {
    const config = loadConfig({
      ...valid,
      SLACK_APP_TOKEN: 'xapp-1-A111-222-abcdef',
      SLACK_SIGNING_SECRET: '',
      SLACK_API_URL: 'http://127.0.0.1:9999/api',
      PORT: '0',
      SLOTS_APPROVERS: 'U1AAA, W2BBB ,S3CCC,U1AAA',
      SLOTS_REQUESTERS: 'U9ZZZ',
      SLOTS_MAX_QUANTITY: '7',
      SLOTS_REQUEST_TTL: '30m',
      SLOTS_POLL_INTERVAL: '90',
      SLOTS_RENEWAL_NOTICE_DAYS: '1, 14,7',
      DATABASE_URL: 'sqlite:/tmp/x.db',
      AWS_ENDPOINT_URL_DEVICE_FARM: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_MEDIACONNECT: 'http://127.0.0.1:4566',
      LOG_LEVEL: 'DEBUG',
      SLOTS_APPROVALS: '20000:3, 999.5:2',
      SLOTS_REMIND_AFTER: '15m',
      SLOTS_DRY_RUN: 'Yes',
      SLOTS_METRICS: 'FALSE',
    });
    expect(config.slack.mode).toBe('socket');
    expect(config.slots.approvals).toEqual([
      { atLeastMicros: 999_500_000n, approvers: 2 },
      { atLeastMicros: 20_000_000_000n, approvers: 3 },
    ]);
    expect(config.slots.remindAfterMs).toBe(15 * 60_000);
    expect(config.slots.dryRun).toBe(true);
    expect(config.metrics).toBe(false);
    expect(config.slack.apiUrl).toBe('http://127.0.0.1:9999/api/');
    expect(config.port).toBe(0);
    expect(config.slots.approvers).toEqual(['U1AAA', 'W2BBB', 'S3CCC']);
    expect(config.slots.requesters).toEqual(['U9ZZZ']);
    expect(config.slots.maxQuantity).toBe(7);
    expect(config.slots.requestTtlMs).toBe(30 * 60_000);
    expect(config.slots.pollIntervalMs).toBe(90_000);
    expect(config.slots.renewalNoticeDays).toEqual([14, 7, 1]);
    expect(config.database).toEqual({ kind: 'sqlite', path: '/tmp/x.db' });
    expect(config.aws.deviceFarmEndpoint).toBe('http://127.0.0.1:4566');
    expect(config.logLevel).toBe('debug');
  });

  it('takes each duration up to its limit', () => {
    expect(loadConfig({ ...valid, SLOTS_STATUS_MAX_AGE: '0' }).slots.statusMaxAgeMs).toBe(0);
    expect(loadConfig({ ...valid, SLOTS_STATUS_MAX_AGE: '5m' }).slots.statusMaxAgeMs).toBe(300_000);
    const config = loadConfig({ ...valid, SLOTS_POLL_INTERVAL: '24h', SLOTS_REQUEST_TTL: '365d' });
    expect(config.slots.pollIntervalMs).toBe(86_400_000);
    expect(config.slots.requestTtlMs).toBe(365 * 86_400_000);
  });

  it('falls back to AWS_DEFAULT_REGION', () => {
    expect(
      loadConfig({ ...valid, AWS_REGION: undefined, AWS_DEFAULT_REGION: 'us-east-2' }).aws.region,
    ).toBe('us-east-2');
  });

  it('lists every missing required variable in one error', () => {
    const list = problems({});
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'SLOTS_CHANNEL',
      'SLOTS_APPROVERS',
      'AWS_REGION',
    ]) {
      expect(
        list.some((p) => p.startsWith(`${name} `)),
        name,
      ).toBe(true);
    }
  });

  it.each([
    // Slack tokens: named by kind (prefix), never by value.
    [
      'SLACK_BOT_TOKEN',
      'xoxp-1111-2222-3333-abcdef',
      /is a user token \(xoxp-…\), not a bot token/,
    ],
    [
      'SLACK_BOT_TOKEN',
      'xapp-1-A111-222-abcdef',
      /is an app-level token \(xapp-…\), not a bot token/,
    ],
    ['SLACK_BOT_TOKEN', 'xoxe.xoxb-1-abcdef', /rotating bot token.*turn token rotation off/],
    ['SLACK_BOT_TOKEN', 'bot-token-1234567', /does not start with "xoxb-", not a bot token/],
    [
      'SLACK_BOT_TOKEN',
      'xoxb-...',
      /looks like a placeholder, not a bot token: real ones are "xoxb-" followed by number-number-/,
    ],
    ['SLACK_BOT_TOKEN', 'xoxb-your-token', /looks like a placeholder/],
    ['SLACK_BOT_TOKEN', 'xoxb-1234', /looks like a placeholder/],
    [
      'SLACK_BOT_TOKEN',
      'xoxb-1111-2222-abc def',
      /whitespace inside it: copy a bot token again in one piece/,
    ],
    ['SLACK_BOT_TOKEN', '"xoxb-1111-2222-abcdef"', /wrapped in quotes/],
    [
      'SLACK_APP_TOKEN',
      'xoxb-1111-2222-abcdef',
      /is a bot token \(xoxb-…\), not an app-level token: use Basic Information → App-Level Tokens/,
    ],
    ['SLACK_APP_TOKEN', 'xapp-...', /looks like a placeholder, not an app-level token/],
    ['SLACK_APP_TOKEN', 'xapp-1-abcdef', /looks like a placeholder/],
    ['SLACK_APP_TOKEN', 'xapp-1-A111-222-ab\tcd', /whitespace inside it/],
    [
      'SLACK_SIGNING_SECRET',
      'xoxb-1111-2222-abcdef',
      /is a bot token \(xoxb-…\), not the signing secret/,
    ],
    ['SLACK_SIGNING_SECRET', 'your-signing-secret', /looks like a placeholder/],
    ['SLACK_SIGNING_SECRET', 'abc123', /too short for a signing secret/],
    ['SLACK_SIGNING_SECRET', '8f742231b10e 8888abcd99yyyzzz85a5', /whitespace inside it/],
    ['SLACK_API_URL', 'not a url', /http\(s\) URL/],
    // Numbers: not a number and out of range are different mistakes.
    ['PORT', '70000', /is out of range: the HTTP port must be from 0 to 65535/],
    ['PORT', '-1', /is out of range/],
    ['PORT', '80a', /must be a whole number \(the HTTP port, from 0 to 65535\)/],
    ['SLOTS_MAX_QUANTITY', '0', /is out of range: .* from 1 to 1000/],
    ['SLOTS_MAX_QUANTITY', '1001', /from 1 to 1000/],
    ['SLOTS_MAX_QUANTITY', '2.5', /must be a whole number/],
    ['DATABASE_POOL_SIZE', '0', /from 1 to 100/],
    // Channels: say what was given instead of an id.
    ['SLOTS_CHANNEL', '#general', /is a channel name, not its id/],
    ['SLOTS_CHANNEL', 'general', /is a channel name, not its id/],
    ['SLOTS_CHANNEL', 'U0ALICE', /is a user id, not a channel/],
    ['SLOTS_CHANNEL', 'S0GROUP', /is a user-group id, not a channel/],
    ['SLOTS_CHANNEL', 'D0DIRECT', /is a direct-message id/],
    ['SLOTS_CHANNEL', 'c0123abcd', /lower case/],
    ['SLOTS_CHANNEL', 'https://x.slack.com/archives/C0SLOTS', /is a link to the channel/],
    ['SLOTS_CHANNEL', 'C0 SLOTS!', /must be a Slack channel id/],
    // Ids: name the bad ones and what they look like.
    [
      'SLOTS_APPROVERS',
      'alice,U1AAA',
      /invalid id \("alice"\): use Slack user ids.*\("alice" is a name or e-mail/,
    ],
    ['SLOTS_APPROVERS', ' , ', /is required/],
    ['SLOTS_APPROVERS', 'B0BOT', /invalid id.*"B0BOT" is a bot id/],
    ['SLOTS_APPROVERS', 'u0lower', /invalid id.*lower case/],
    ['SLOTS_APPROVERS', '<@U0ALICE>', /is a mention; give the bare id/],
    ['SLOTS_APPROVERS', 'C0SLOTS', /is a channel or conversation id/],
    ['SLOTS_REQUESTERS', 'C123', /user ids/],
    // Durations: each kind of mistake named.
    ['SLOTS_REQUEST_TTL', '1y', /unknown unit: use s, m, h or d/],
    ['SLOTS_REQUEST_TTL', '15M', /unknown unit.*lower case/],
    ['SLOTS_REQUEST_TTL', '0', /must be more than 0/],
    ['SLOTS_REQUEST_TTL', '0h', /must be more than 0/],
    ['SLOTS_REQUEST_TTL', '1.5h', /whole number of seconds, minutes, hours or days \(e\.g\. 90m/],
    ['SLOTS_POLL_INTERVAL', '-5m', /cannot be negative/],
    ['SLOTS_POLL_INTERVAL', 'soon', /positive duration: seconds/],
    ['SLOTS_POLL_INTERVAL', '30d', /at most 24h: the watcher must read AWS at least once a day/],
    ['SLOTS_POLL_INTERVAL', '86401', /at most 24h/],
    ['SLOTS_REQUEST_TTL', '366d', /at most 365d/],
    ['SLOTS_REQUEST_TTL', '99999999d', /at most 365d/],
    // Too large to count in milliseconds: still "too long", not "not a duration".
    ['SLOTS_REQUEST_TTL', '99999999999999999d', /at most 365d/],
    ['SLOTS_STATUS_MAX_AGE', '6m', /at most 5m: an older status could hide a purchase/],
    ['SLOTS_STATUS_MAX_AGE', 'soon', /a duration \(0 turns it off\)/],
    ['SLOTS_STATUS_MAX_AGE', '-1s', /cannot be negative/],
    [
      'SLOTS_REMIND_AFTER',
      '31d',
      /at most 30d: a reminder a month after the request is no reminder/,
    ],
    ['SLOTS_REMIND_AFTER', '2 hours', /unknown unit/],
    ['SLOTS_REMIND_AFTER', '-1h', /cannot be negative/],
    ['SLOTS_RENEWAL_NOTICE_DAYS', '7,,1', /has an empty entry/],
    ['SLOTS_RENEWAL_NOTICE_DAYS', '7,1,', /has an empty entry/],
    [
      'SLOTS_RENEWAL_NOTICE_DAYS',
      '0',
      /has a day out of range: use a comma list of whole days from 1 to 365/,
    ],
    ['SLOTS_RENEWAL_NOTICE_DAYS', '366', /out of range/],
    ['SLOTS_RENEWAL_NOTICE_DAYS', '7d,1', /must be whole numbers of days/],
    // Booleans.
    ['SLOTS_DRY_RUN', 'maybe', /must be true or false \(1\/0 and yes\/no also work/],
    ['SLOTS_DRY_RUN', 'on', /must be true or false/],
    ['SLOTS_METRICS', '2', /must be true or false/],
    // Approval rules.
    [
      'SLOTS_APPROVALS',
      '1000:x',
      /has "1000:x": use AMOUNT:APPROVERS pairs separated by commas, e\.g\. 1000:2,20000:3/,
    ],
    ['SLOTS_APPROVALS', '1,000:2', /thousands separator: write 1000:2, not 1,000:2/],
    [
      'DATABASE_URL',
      'postgres://u:pw@db/slots?sslmode=maybe',
      /unknown sslmode; use one of disable/,
    ],
    ['DATABASE_URL', 'postgres://u:pw@[db/slots', /valid postgres:\/\/user/],
    ['DATABASE_URL', 'mysql://db/slots', /sqlite:PATH/],
    ['AWS_REGION', 'Frankfurt', /AWS_REGION must be an AWS region name/],
    ['AWS_ENDPOINT_URL_DEVICE_FARM', 'ftp://x', /http\(s\) URL/],
    ['AWS_ENDPOINT_URL_MEDIACONNECT', '::', /http\(s\) URL/],
    ['LOG_LEVEL', 'loud', /one of fatal, error, warn, info, debug, trace, silent/],
  ])('rejects %s=%j with a specific message', (name, value, pattern) => {
    const list = problems({ ...valid, [name]: value });
    const mine = list.filter((p) => p.startsWith(`${name} `));
    expect(mine, list.join('\n')).toHaveLength(1);
    expect(mine[0]).toMatch(pattern);
  });

  it.each([
    ['xoxb-1111-2222-abcdefABCDEF0123', 'SLACK_BOT_TOKEN'],
    ['xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', 'SLACK_BOT_TOKEN'],
    ['xapp-1-A0123456789-1234567890123-abcdef0123456789', 'SLACK_APP_TOKEN'],
  ])('takes a real-shaped token %s', (token, name) => {
    const config = loadConfig({ ...valid, [name]: ` ${token} ` });
    expect(name === 'SLACK_BOT_TOKEN' ? config.slack.botToken : config.slack.appToken).toBe(token);
  });

  it('names the variable the region came from', () => {
    const list = problems({ ...valid, AWS_REGION: undefined, AWS_DEFAULT_REGION: 'Frankfurt' });
    expect(list).toEqual(['AWS_DEFAULT_REGION must be an AWS region name such as us-east-1']);
  });

  it('reports every bad approval rule at once', () => {
    const list = problems({ ...valid, SLOTS_APPROVALS: '1000:x,5:1,,20000:3' });
    expect(list.filter((p) => p.startsWith('SLOTS_APPROVALS '))).toHaveLength(3);
  });

  it.each([
    [
      'U1AAA',
      '1000:2',
      /needs 2 different approvers from 1000, but SLOTS_APPROVERS lists only 1 person and no user group/,
    ],
    [
      'U1AAA,U2BBB',
      '999.5:2,20000:3',
      /needs 3 different approvers from 20000, but SLOTS_APPROVERS lists only 2 people/,
    ],
  ])('refuses rules SLOTS_APPROVERS=%s can never meet (%s)', (approvers, rules, pattern) => {
    const list = problems({ ...valid, SLOTS_APPROVERS: approvers, SLOTS_APPROVALS: rules });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatch(pattern);
    expect(list[0]).toMatch(/could never be approved/);
  });

  it.each([
    ['U1AAA,U2BBB', '1000:2'],
    ['U1AAA,S0GROUP', '1000:2,20000:3'],
    ['U1AAA,U2BBB,U3CCC', '1000:2,20000:3'],
  ])('takes rules SLOTS_APPROVERS=%s can meet (%s)', (approvers, rules) => {
    expect(
      loadConfig({ ...valid, SLOTS_APPROVERS: approvers, SLOTS_APPROVALS: rules }).slots.approvals,
    ).not.toHaveLength(0);
  });

  it('takes reminders shorter than the request lifetime, and 0 for none', () => {
    expect(loadConfig({ ...valid, SLOTS_REMIND_AFTER: '0' }).slots.remindAfterMs).toBe(0);
    expect(
      loadConfig({ ...valid, SLOTS_REMIND_AFTER: '30d', SLOTS_REQUEST_TTL: '31d' }).slots
        .remindAfterMs,
    ).toBe(30 * 86_400_000);
    expect(loadConfig({ ...valid, SLOTS_REMIND_AFTER: ' ' }).slots.remindAfterMs).toBe(
      4 * 3_600_000,
    );
    // The default 4h against a short lifetime is not an error: reminders simply never come due.
    expect(loadConfig({ ...valid, SLOTS_REQUEST_TTL: '1h' }).slots.remindAfterMs).toBe(
      4 * 3_600_000,
    );
  });

  it('refuses a reminder that would come after the request expired', () => {
    expect(problems({ ...valid, SLOTS_REMIND_AFTER: '24h' })).toEqual([
      'SLOTS_REMIND_AFTER must be shorter than SLOTS_REQUEST_TTL: a request expires before its first reminder; set 0 to turn reminders off',
    ]);
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    [' 1 ', true],
    ['yes', true],
    ['No', false],
    ['0', false],
    ['false', false],
  ])('reads %j as %s for SLOTS_DRY_RUN and SLOTS_METRICS', (text, value) => {
    const config = loadConfig({ ...valid, SLOTS_DRY_RUN: text, SLOTS_METRICS: text });
    expect(config.slots.dryRun).toBe(value);
    expect(config.metrics).toBe(value);
  });

  it('defaults blank booleans', () => {
    const config = loadConfig({ ...valid, SLOTS_DRY_RUN: '', SLOTS_METRICS: '  ' });
    expect(config.slots.dryRun).toBe(false);
    expect(config.metrics).toBe(true);
  });

  it('needs a signing secret only in HTTP mode', () => {
    expect(problems({ ...valid, SLACK_SIGNING_SECRET: undefined })[0]).toMatch(
      /SLACK_SIGNING_SECRET is required in HTTP mode/,
    );
    expect(
      loadConfig({
        ...valid,
        SLACK_SIGNING_SECRET: undefined,
        SLACK_APP_TOKEN: 'xapp-1-A111-222-abcdef',
      }).slack.mode,
    ).toBe('socket');
  });

  it('never echoes a secret or a bad value in its message', () => {
    const leaky = {
      SLACK_BOT_TOKEN: 'xoxp-LEAK1-LEAK1-LEAK1',
      SLACK_APP_TOKEN: 'zzzz-LEAK2-LEAK2',
      SLACK_SIGNING_SECRET: 'LEAK3LEAK3',
      SLACK_API_URL: 'LEAK4 not a url',
      DATABASE_URL: 'postgres://user:LEAK5@db/x?sslmode=LEAK8',
      SLOTS_CHANNEL: 'LEAK6',
      SLOTS_APPROVERS: 'U1AAA',
      AWS_REGION: 'LEAK7',
      SLOTS_DRY_RUN: 'LEAK9',
    };
    try {
      loadConfig(leaky);
      throw new Error('should have failed');
    } catch (e) {
      const text = `${(e as Error).message}\n${String(e)}`;
      expect(text).not.toMatch(/LEAK/);
    }
  });

  it.each([
    ['SLACK_BOT_TOKEN', 'xoxp-1111-2222-3333-LEAKLEAK'],
    ['SLACK_BOT_TOKEN', 'xoxb-LEAK LEAK'],
    ['SLACK_BOT_TOKEN', 'xoxb-LEAKLEAK'],
    ['SLACK_BOT_TOKEN', 'LEAKLEAK-xoxb'],
    ['SLACK_APP_TOKEN', 'xoxb-1-2-LEAKLEAK'],
    ['SLACK_APP_TOKEN', 'xapp-LEAKLEAK'],
    ['SLACK_SIGNING_SECRET', 'LEAK'],
    ['SLACK_SIGNING_SECRET', 'LEAK LEAK LEAK LEAK LEAK'],
    ['SLACK_SIGNING_SECRET', 'xoxb-LEAKLEAK'],
    ['SLACK_SIGNING_SECRET', 'your-LEAKLEAK'],
  ])('never echoes %s, whatever is wrong with it', (name, value) => {
    const list = problems({ ...valid, [name]: value });
    expect(list.length).toBeGreaterThan(0);
    expect(list.join('\n')).not.toMatch(/LEAK/);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90', 90_000],
    ['30s', 30_000],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    [' 5 m ', 300_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'm', '1.5h', '10w', '-1s', '0', '0m', '1e3', '99999999999999999d'])(
    'rejects %j',
    (text) => expect(parseDuration(text)).toBeUndefined(),
  );
});

describe('parseApprovalRules', () => {
  it.each([
    ['', []],
    ['  ', []],
    ['1000:2', [{ atLeastMicros: 1_000_000_000n, approvers: 2 }]],
    ['0:2', [{ atLeastMicros: 0n, approvers: 2 }]],
    ['999.5:2', [{ atLeastMicros: 999_500_000n, approvers: 2 }]],
    ['0.000001:2', [{ atLeastMicros: 1n, approvers: 2 }]],
    ['1000 : 20', [{ atLeastMicros: 1_000_000_000n, approvers: 20 }]],
    [
      '20000:3,1000:2',
      [
        { atLeastMicros: 1_000_000_000n, approvers: 2 },
        { atLeastMicros: 20_000_000_000n, approvers: 3 },
      ],
    ],
  ])('%j → %o', (text, rules) => expect(parseApprovalRules(text)).toEqual(rules));

  it.each([
    [
      '1000:x',
      /^has "1000:x": use AMOUNT:APPROVERS pairs separated by commas, e\.g\. 1000:2,20000:3/,
    ],
    ['1000', /^has "1000": use AMOUNT:APPROVERS/],
    ['$1000:2', /^has "\$1000:2": .*without a symbol/],
    ['-5:2', /^has "-5:2": use AMOUNT:APPROVERS/],
    ['1000:2.5', /^has "1000:2.5": use AMOUNT:APPROVERS/],
    ['1e3:2', /^has "1e3:2"/],
    ['1000:1', /^has "1000:1": approvers must be from 2 to 20/],
    ['1000:21', /^has "1000:21": approvers must be from 2 to 20/],
    ['1000:0', /approvers must be from 2 to 20/],
    ['1.1234567:2', /^has "1.1234567:2": an amount has at most 6 decimals/],
    ['1000:2,', /^has an empty rule/],
    ['1000:2,,2000:3', /^has an empty rule/],
    ['1,000:2', /thousands separator/],
    ['1000:2,1000:3', /^has the same amount twice \("1000:2" and "1000:3"\)/],
    ['1000:2,1000.0:3', /same amount twice/],
    ['1000:3,20000:3', /^has "20000:3" after "1000:3": a larger amount must need more approvers/],
    ['20000:2,1000:3', /^has "20000:2" after "1000:3"/],
  ])('rejects %j', (text, pattern) => {
    const result = parseApprovalRules(text);
    expect(result).toHaveLength(1);
    expect(result[0]).toMatch(pattern);
  });

  it('shortens a runaway rule in its message', () => {
    const [problem] = parseApprovalRules(`${'9'.repeat(200)}:x`) as string[];
    expect(problem!.length).toBeLessThan(400);
    expect(problem).toContain('…');
  });
});

describe('signingSecretProblem', () => {
  it.each(['8f742231b10e8888abcd99yyyzzz85a5', 'test-signing-secret-0123456789'])(
    'takes %j',
    (secret) => expect(signingSecretProblem(secret)).toBeUndefined(),
  );
});

describe('parseDatabaseUrl', () => {
  it.each([
    ['sqlite:./data/slots.db', './data/slots.db'],
    ['sqlite:///var/lib/slots.db', '/var/lib/slots.db'],
    ['/var/lib/slots.db', '/var/lib/slots.db'],
    ['slots.db', 'slots.db'],
  ])('%s → %s', (url, path) => expect(parseDatabaseUrl(url)).toEqual({ kind: 'sqlite', path }));

  it.each([
    'postgres://slots:pw@db.internal:5432/slots?sslmode=verify-full',
    'postgresql://db/slots',
    // libpq's style: PGHOST, PGUSER, PGPASSWORD … fill in what the URL leaves out.
    'postgres://',
  ])('%s is PostgreSQL, kept as given', (url) =>
    expect(parseDatabaseUrl(url)).toEqual({ kind: 'postgres', url }),
  );

  it('gives a PostgreSQL database its pool size', () => {
    const config = loadConfig({
      ...valid,
      DATABASE_URL: 'postgres://db/slots',
      DATABASE_POOL_SIZE: '4',
    });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://db/slots', poolSize: 4 });
  });
});
