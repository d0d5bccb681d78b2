import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  createLogger,
  outputDestination,
  redactSecretFields,
  scrubSecrets,
  slackLogger,
} from './logger.js';

function capture(secrets: string[] = []) {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    secrets,
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { logger, lines, text: () => lines.join('') };
}

const BOT_TOKEN = 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx';
const APP_TOKEN = 'xapp-1-A0123456789-1234567890123-abcdef0123456789';
const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('logger', () => {
  it('writes JSON lines with level, time and module', () => {
    const { logger, lines } = capture();
    logger.child({ module: 'test' }).info({ requestId: 'r1' }, 'approved');
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      level: 'info',
      module: 'test',
      requestId: 'r1',
      msg: 'approved',
    });
    expect(typeof entry.time).toBe('string');
  });

  it('redacts secret fields by name, at the top level and one level down', () => {
    const { logger, text } = capture();
    logger.info(
      {
        token: BOT_TOKEN,
        signingSecret: SIGNING_SECRET,
        slack: { botToken: BOT_TOKEN, appToken: APP_TOKEN },
        aws: { secretAccessKey: AWS_SECRET, accessKeyId: 'AKIAIOSFODNN7EXAMPLE' },
        headers: { authorization: `Bearer ${BOT_TOKEN}` },
      },
      'config',
    );
    for (const secret of [
      BOT_TOKEN,
      APP_TOKEN,
      SIGNING_SECRET,
      AWS_SECRET,
      'AKIAIOSFODNN7EXAMPLE',
    ]) {
      expect(text()).not.toContain(secret);
    }
    expect(text()).toContain('[Redacted]');
  });

  it('redacts two levels down, and leaves objects without secrets as they are', () => {
    const { logger, text } = capture();
    logger.info(
      {
        req: { headers: { authorization: `Bearer ${BOT_TOKEN}`, 'x-amz-security-token': 'tok1' } },
        outbox: { payload: { responseUrl: 'https://hooks.slack.com/actions/T1/1/x' } },
      },
      'request',
    );
    expect(text()).not.toContain(BOT_TOKEN);
    expect(text()).not.toContain('tok1');
    expect(text()).not.toContain('hooks.slack.com');
    const plain = { user: 'U1', kind: 'status', nested: { n: 1 } };
    expect(redactSecretFields(plain)).toBe(plain);
    expect(redactSecretFields({ a: { token: 'x' } })).toEqual({ a: { token: '[Redacted]' } });
  });

  it('scrubs tokens that appear inside messages and errors', () => {
    const { logger, text } = capture();
    logger.warn(`calling Slack with ${BOT_TOKEN} and ${APP_TOKEN}`);
    logger.error({ err: new Error(`auth failed for ${BOT_TOKEN}`) }, 'boom');
    expect(text()).not.toContain(BOT_TOKEN);
    expect(text()).not.toContain(APP_TOKEN);
    expect(text()).toContain('auth failed for [Redacted]');
  });

  it('removes configured secret values wherever they appear as text', () => {
    const { logger, text } = capture([SIGNING_SECRET, AWS_SECRET]);
    logger.info(`secret is ${SIGNING_SECRET}; key ${AWS_SECRET}`);
    expect(text()).not.toContain(SIGNING_SECRET);
    expect(text()).not.toContain(AWS_SECRET);
  });

  it('passes Slack SDK logs through without their debug output (which carries message text)', () => {
    const { logger, lines } = capture();
    const slack = slackLogger(logger);
    slack.debug('http request body: {"text":"private message"}');
    slack.info('socket mode connected', 42);
    slack.error(`bad token ${BOT_TOKEN}`);
    expect(lines).toHaveLength(2);
    expect(lines.join('')).not.toContain('private message');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      module: 'slack-sdk',
      msg: 'socket mode connected 42',
    });
    expect(lines[1]).not.toContain(BOT_TOKEN);
    expect(slack.getLevel()).toBe('info');
  });
});

describe('scrubSecrets', () => {
  it.each([
    [`token=${BOT_TOKEN}`, 'token=[Redacted]'],
    ['xoxp-1-2-3 and xoxe-abc', '[Redacted] and [Redacted]'],
    [
      'Authorization: AWS4-HMAC-SHA256 Credential=AKIA/x, Signature=ab',
      'Authorization: [Redacted] Signature=ab',
    ],
    ['key ASIAABCDEFGHIJKLMNOP here', 'key [Redacted] here'],
    ['nothing secret here', 'nothing secret here'],
  ])('%s', (input, output) => expect(scrubSecrets(input)).toBe(output));
});

describe('outputDestination', () => {
  function brokenStdout() {
    const emitter = new EventEmitter();
    const written: string[] = [];
    const stream = Object.assign(emitter, {
      write: (chunk: string) => void written.push(chunk),
      flush: (cb: (err?: Error) => void) => cb(),
    });
    return {
      stream,
      written,
      fail: (code: string) => emitter.emit('error', Object.assign(new Error(code), { code })),
    };
  }

  it('drops lines after a write failed, and flush still answers', async () => {
    const { stream, written, fail } = brokenStdout();
    const logger = createLogger({ level: 'info', destination: outputDestination(stream) });
    logger.info('before');
    // Not EPIPE: pino would rethrow it, and an uncaught error would end the process.
    expect(() => fail('EIO')).not.toThrow();
    logger.info('after');
    expect(written.map((l) => JSON.parse(l).msg)).toEqual(['before']);
    const flushed = await new Promise<unknown>((resolve) => logger.flush(resolve));
    expect(flushed).toMatchObject({ code: 'EIO' });
  });
});
