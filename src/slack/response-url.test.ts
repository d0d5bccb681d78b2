import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createResponseUrlPoster,
  encodeAnswer,
  isAllowedResponseUrl,
  ResponseUrlError,
  type ResponseUrlPoster,
} from './response-url.js';

describe('isAllowedResponseUrl', () => {
  it.each([
    ['https://hooks.slack.com/commands/T1/1/abc', undefined, true],
    ['https://hooks.slack.com/actions/T1/1/abc', 'https://slack.com/api/', true],
    ['http://hooks.slack.com/commands/T1/1/abc', undefined, false],
    ['https://hooks.slack.com:8443/commands/T1/1/abc', undefined, false],
    ['https://user:pw@hooks.slack.com/commands/T1/1/abc', undefined, false],
    ['https://hooks.slack.com.evil.example/commands', undefined, false],
    ['https://evil.example/hooks.slack.com/commands', undefined, false],
    ['https://slack.com/api/chat.postMessage', undefined, false],
    ['not a url', undefined, false],
    ['', undefined, false],
    // The configured Web API origin (a local stand-in for Slack), and only that origin.
    ['http://127.0.0.1:4000/response/abc', 'http://127.0.0.1:4000/api/', true],
    ['http://127.0.0.1:4001/response/abc', 'http://127.0.0.1:4000/api/', false],
    ['https://127.0.0.1:4000/response/abc', 'http://127.0.0.1:4000/api/', false],
  ])('%s (api %s) → %s', (url, api, allowed) => {
    expect(isAllowedResponseUrl(url, api)).toBe(allowed);
  });
});

const MODES = {
  post: (p: ResponseUrlPoster, url: string, body: Record<string, unknown>) => p.post(url, body),
  postEncoded: (p: ResponseUrlPoster, url: string, body: Record<string, unknown>) =>
    p.postEncoded(url, encodeAnswer(body)),
} as const;

describe.each(Object.keys(MODES) as (keyof typeof MODES)[])(
  'createResponseUrlPoster %s',
  (mode) => {
    const send = MODES[mode];
    let server: Server;
    let base: string;
    const received: { path: string; body: unknown; type: string | undefined }[] = [];

    beforeAll(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const path = req.url ?? '/';
          received.push({ path, body: JSON.parse(text), type: req.headers['content-type'] });
          const answer = (status: number, body: string, headers: Record<string, string> = {}) => {
            res.writeHead(status, headers);
            res.end(body);
          };
          if (path.endsWith('/ok-text')) return answer(200, 'ok');
          if (path.endsWith('/ok-json')) return answer(200, '{"ok":true}');
          if (path.endsWith('/expired')) return answer(404, 'expired_url');
          if (path.endsWith('/used')) return answer(200, '{"ok":false,"error":"used_url"}');
          if (path.endsWith('/busy')) return answer(429, '', { 'retry-after': '9' });
          if (path.endsWith('/down')) return answer(503, '<html>down</html>');
          if (path.endsWith('/moved')) return answer(302, '', { location: 'https://example.com/' });
          if (path.endsWith('/slow')) return void setTimeout(() => answer(200, 'ok'), 500);
          return answer(404, '');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    const poster = (timeoutMs = 2_000) =>
      createResponseUrlPoster({ slackApiUrl: `${base}/api/`, timeoutMs });
    const failure = async (path: string, timeoutMs?: number) => {
      const err = await send(poster(timeoutMs), `${base}/response/${path}`, { text: 'hi' }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ResponseUrlError);
      // The URL is a credential: never in what the error says.
      expect(String((err as Error).message)).not.toContain(base);
      return (err as ResponseUrlError).detail;
    };

    it('posts the body as JSON and accepts "ok" or {"ok":true}', async () => {
      received.length = 0;
      await send(poster(), `${base}/response/ok-text`, { response_type: 'ephemeral', text: 'hi' });
      await send(poster(), `${base}/response/ok-json`, { text: 'hi' });
      expect(received.find((r) => r.path === '/response/ok-text')).toEqual({
        path: '/response/ok-text',
        body: { response_type: 'ephemeral', text: 'hi' },
        type: 'application/json; charset=utf-8',
      });
    });

    it("reports Slack's answer: status, error code, Retry-After", async () => {
      expect(await failure('expired')).toEqual({ status: 404, error: 'expired_url' });
      expect(await failure('used')).toEqual({ status: 200, error: 'used_url' });
      expect(await failure('busy')).toEqual({ status: 429, retryAfterSeconds: 9 });
      expect(await failure('down')).toEqual({ status: 503 });
    });

    it('never follows a redirect, and reports a timeout as a network failure', async () => {
      const moved = await failure('moved');
      expect(moved.network === true || moved.status === 302).toBe(true);
      expect(await failure('slow', 100)).toEqual({ network: true });
    });

    it('sends nothing to a URL that is not on Slack', async () => {
      const before = received.length;
      const err = await send(
        createResponseUrlPoster({ slackApiUrl: 'https://slack.com/api/' }),
        `${base}/response/ok-text`,
        { text: 'hi' },
      ).catch((e: unknown) => e);
      expect((err as ResponseUrlError).detail).toEqual({ refused: true });
      expect(received.length).toBe(before);
    });
  },
);

describe('encodeAnswer', () => {
  it('encodes one object once, however often it is sent', () => {
    const body = { text: 'hi', blocks: [] };
    expect(encodeAnswer(body)).toBe(encodeAnswer(body));
    expect(JSON.parse(Buffer.from(encodeAnswer(body)).toString('utf8'))).toEqual(body);
  });
});
