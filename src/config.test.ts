import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDatabaseUrl, parseDuration } from './config.js';

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
    });
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
    });
    expect(config.slack.mode).toBe('socket');
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
    ['SLACK_BOT_TOKEN', 'xoxp-user-token-123456', /bot token starting with "xoxb-"/],
    ['SLACK_APP_TOKEN', 'xoxb-wrong-kind-1234', /app-level token starting with "xapp-"/],
    ['SLACK_API_URL', 'not a url', /http\(s\) URL/],
    ['PORT', '70000', /0 to 65535/],
    ['PORT', '80a', /whole number/],
    ['SLOTS_CHANNEL', '#general', /channel id/],
    ['SLOTS_APPROVERS', 'alice,U1AAA', /invalid id \("alice"\)/],
    ['SLOTS_APPROVERS', ' , ', /is required/],
    ['SLOTS_REQUESTERS', 'C123', /user ids/],
    ['SLOTS_MAX_QUANTITY', '0', /1 to 1000/],
    ['SLOTS_MAX_QUANTITY', '2.5', /whole number/],
    ['SLOTS_REQUEST_TTL', '1y', /duration/],
    ['SLOTS_REQUEST_TTL', '0', /duration/],
    ['SLOTS_POLL_INTERVAL', '-5m', /duration/],
    ['SLOTS_POLL_INTERVAL', '30d', /at most 24h: the watcher must read AWS at least once a day/],
    ['SLOTS_POLL_INTERVAL', '86401', /at most 24h/],
    ['SLOTS_REQUEST_TTL', '366d', /at most 365d/],
    ['SLOTS_STATUS_MAX_AGE', '6m', /at most 5m: an older status could hide a purchase/],
    ['SLOTS_STATUS_MAX_AGE', 'soon', /a duration \(0 turns it off\)/],
    ['SLOTS_STATUS_MAX_AGE', '-1s', /duration/],
    ['SLOTS_REQUEST_TTL', '99999999d', /at most 365d/],
    ['SLOTS_APPROVERS', 'B0BOT', /invalid id/],
    ['SLOTS_APPROVERS', 'u0lower', /invalid id/],
    ['SLOTS_RENEWAL_NOTICE_DAYS', '7,,1', /comma list of whole days/],
    ['SLOTS_RENEWAL_NOTICE_DAYS', '0', /from 1 to 365/],
    [
      'DATABASE_URL',
      'postgres://u:pw@db/slots?sslmode=maybe',
      /unknown sslmode; use one of disable/,
    ],
    ['DATABASE_URL', 'postgres://u:pw@[db/slots', /valid postgres:\/\/user/],
    ['DATABASE_URL', 'mysql://db/slots', /sqlite:PATH/],
    ['DATABASE_POOL_SIZE', '0', /from 1 to 100/],
    ['AWS_REGION', 'Frankfurt', /region name/],
    ['AWS_ENDPOINT_URL_DEVICE_FARM', 'ftp://x', /http\(s\) URL/],
    ['AWS_ENDPOINT_URL_MEDIACONNECT', '::', /http\(s\) URL/],
    ['LOG_LEVEL', 'loud', /one of fatal, error, warn, info, debug, trace, silent/],
  ])('rejects %s=%s with a specific message', (name, value, pattern) => {
    const list = problems({ ...valid, [name]: value });
    const mine = list.filter((p) => p.startsWith(`${name} `));
    expect(mine, list.join('\n')).toHaveLength(1);
    expect(mine[0]).toMatch(pattern);
  });

  it('needs a signing secret only in HTTP mode', () => {
    expect(problems({ ...valid, SLACK_SIGNING_SECRET: undefined })[0]).toMatch(
      /SLACK_SIGNING_SECRET is required in HTTP mode/,
    );
    expect(
      loadConfig({ ...valid, SLACK_SIGNING_SECRET: undefined, SLACK_APP_TOKEN: 'xapp-1-abcdef' })
        .slack.mode,
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
    };
    try {
      loadConfig(leaky);
      throw new Error('should have failed');
    } catch (e) {
      const text = `${(e as Error).message}\n${String(e)}`;
      expect(text).not.toMatch(/LEAK/);
    }
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
