import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import {
  DEFAULT_DATA_DIR,
  DEFAULT_PORT,
  parseSandboxArgs,
  SandboxArgsError,
  sandboxBotEnv,
  sandboxProcessEnv,
  scrubEnvironment,
  slotsUsageHint,
} from './settings.js';
import {
  SANDBOX_APPROVERS,
  SANDBOX_BOT_TOKEN,
  SANDBOX_CHANNEL,
  SANDBOX_SIGNING_SECRET,
} from './workspace-setup.js';

describe('parseSandboxArgs', () => {
  it('defaults to port 3000 and data/sandbox', () => {
    expect(parseSandboxArgs([])).toEqual({
      port: DEFAULT_PORT,
      dataDir: DEFAULT_DATA_DIR,
      reset: false,
      verbose: false,
      help: false,
    });
  });

  it.each([
    [['--port', '3001'], { port: 3001 }],
    [['--port=0'], { port: 0 }],
    [['--port', '65535'], { port: 65535 }],
    [['--data-dir', '/tmp/x'], { dataDir: '/tmp/x' }],
    [['--data-dir=rel/dir'], { dataDir: 'rel/dir' }],
    [['--reset'], { reset: true }],
    [['--verbose'], { verbose: true }],
    [['--help'], { help: true }],
    [
      ['--reset', '--port', '0', '--verbose', '--data-dir', 'd'],
      { reset: true, port: 0, verbose: true, dataDir: 'd' },
    ],
  ])('reads %j', (argv, expected) => {
    expect(parseSandboxArgs(argv)).toMatchObject(expected);
  });

  it.each([
    [['--prot', '3000'], 'Unknown option --prot. Options: --port N'],
    [['-p'], 'Unknown option -p.'],
    [['serve'], 'Unexpected argument "serve": the sandbox takes only options.'],
    [['--port'], '--port needs a value: a port number from 0 to 65535.'],
    [['--port', '--reset'], '--port needs a value'],
    [
      ['--port', 'abc'],
      '--port must be a whole number from 0 to 65535 (0 picks a free port), not "abc"',
    ],
    [['--port', '-1'], '--port must be a whole number from 0 to 65535'],
    [['--port', '70000'], '--port must be a whole number from 0 to 65535'],
    [['--port', '3.5'], '--port must be a whole number from 0 to 65535'],
    [['--data-dir'], '--data-dir needs a value: a directory.'],
    [['--data-dir', ' '], '--data-dir must name a directory'],
    [['--reset=yes'], '--reset takes no value.'],
    [['--port', '1', '--port', '2'], '--port is given twice.'],
  ])('refuses %j, saying which flag and what it takes', (argv, message) => {
    let error: unknown;
    try {
      parseSandboxArgs(argv);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SandboxArgsError);
    expect((error as Error).message).toContain(message);
  });
});

describe('scrubEnvironment', () => {
  it('removes every variable that could point the bot or the SDK elsewhere, naming them only', () => {
    const env: NodeJS.ProcessEnv = {
      PATH: '/usr/bin',
      HOME: '/home/me',
      NO_PROXY: 'corp',
      AWS_PROFILE: 'prod',
      AWS_ACCESS_KEY_ID: 'AKIAREALREALREAL',
      AWS_ENDPOINT_URL: 'http://192.0.2.1:9',
      SLACK_BOT_TOKEN: 'xoxb-real',
      SLOTS_CHANNEL: 'C123',
      DATABASE_URL: 'postgres://u:p@h/db',
      PGPASSWORD: 'secret',
      PORT: '80',
      LOG_LEVEL: 'debug',
      HTTP_PROXY: 'http://proxy',
      https_proxy: 'http://proxy',
      All_Proxy: 'socks://proxy',
      NODE_USE_ENV_PROXY: '1',
    };
    const names = scrubEnvironment(env);
    expect(names).toEqual(
      [
        'AWS_PROFILE',
        'AWS_ACCESS_KEY_ID',
        'AWS_ENDPOINT_URL',
        'SLACK_BOT_TOKEN',
        'SLOTS_CHANNEL',
        'DATABASE_URL',
        'PGPASSWORD',
        'PORT',
        'LOG_LEVEL',
        'HTTP_PROXY',
        'https_proxy',
        'All_Proxy',
        'NODE_USE_ENV_PROXY',
      ].sort(),
    );
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/me', NO_PROXY: 'corp' });
    expect(names.join(' ')).not.toMatch(/AKIA|xoxb|secret|proxy:/);
  });

  it('keeps unrelated variables that only look alike', () => {
    const env: NodeJS.ProcessEnv = { MY_AWS_THING: '1', SPORT: '1', PORTAL: '1', PAGER: 'less' };
    expect(scrubEnvironment(env)).toEqual([]);
    expect(Object.keys(env)).toHaveLength(4);
  });
});

describe('sandboxProcessEnv', () => {
  it('sets fake credentials, both endpoints and AWS files that do not exist', () => {
    const env = sandboxProcessEnv('/tmp/sandbox-data', 'http://127.0.0.1:4567');
    expect(env).toEqual({
      AWS_ACCESS_KEY_ID: expect.any(String),
      AWS_SECRET_ACCESS_KEY: expect.any(String),
      AWS_REGION: 'us-west-2',
      AWS_ENDPOINT_URL_DEVICE_FARM: 'http://127.0.0.1:4567',
      AWS_ENDPOINT_URL_MEDIACONNECT: 'http://127.0.0.1:4567',
      AWS_CONFIG_FILE: '/tmp/sandbox-data/no-aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/tmp/sandbox-data/no-aws-credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      NO_PROXY: '127.0.0.1,localhost',
    });
  });

  it('gives absolute AWS file paths for a relative data dir', () => {
    const env = sandboxProcessEnv('data/sandbox', 'http://127.0.0.1:1');
    expect(env.AWS_CONFIG_FILE).toBe(resolve('data/sandbox/no-aws-config'));
  });
});

describe('sandboxBotEnv', () => {
  const env = sandboxBotEnv({
    dataDir: '/tmp/sandbox-data',
    slackApiUrl: 'http://127.0.0.1:3000/api/',
    simUrl: 'http://127.0.0.1:4567',
    verbose: false,
  });

  it('passes loadConfig as the sandbox workspace, HTTP mode, SQLite in the data dir', () => {
    const config = loadConfig(env);
    expect(config.slack).toEqual({
      botToken: SANDBOX_BOT_TOKEN,
      signingSecret: SANDBOX_SIGNING_SECRET,
      appToken: undefined,
      apiUrl: 'http://127.0.0.1:3000/api/',
      mode: 'http',
    });
    expect(config.port).toBe(0);
    expect(config.slots.channel).toBe(SANDBOX_CHANNEL.id);
    expect(config.slots.approvers).toEqual(SANDBOX_APPROVERS.split(','));
    expect(config.slots.pollIntervalMs).toBe(10_000);
    expect(config.slots.renewalNoticeDays).toEqual([31, 1]);
    expect(config.database).toEqual({ kind: 'sqlite', path: '/tmp/sandbox-data/slots.db' });
    expect(config.aws).toEqual({
      region: 'us-west-2',
      deviceFarmEndpoint: 'http://127.0.0.1:4567',
      mediaConnectEndpoint: 'http://127.0.0.1:4567',
    });
    expect(config.logLevel).toBe('warn');
  });

  it('logs at info with --verbose', () => {
    const verbose = sandboxBotEnv({
      dataDir: 'd',
      slackApiUrl: 'http://127.0.0.1:1/api/',
      simUrl: 'http://127.0.0.1:2',
      verbose: true,
    });
    expect(loadConfig(verbose).logLevel).toBe('info');
  });
});

describe('slotsUsageHint', () => {
  it('reads the /slots usage hint from manifest.yml', () => {
    const manifest = readFileSync(resolve(import.meta.dirname, '../../manifest.yml'), 'utf8');
    expect(slotsUsageHint(manifest)).toMatch(/^\[help \| status/);
  });

  it('refuses a manifest without one', () => {
    expect(() => slotsUsageHint('features: {}')).toThrow('no usage hint for /slots');
  });
});
