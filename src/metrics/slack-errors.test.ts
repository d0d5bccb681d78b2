import { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import {
  countingSlackFetch,
  slackErrorLabel,
  slackErrorOfBody,
  slackMethodOf,
} from './slack-errors.js';

const API = 'http://127.0.0.1:9/api/';

describe('slackMethodOf', () => {
  it.each([
    [`${API}chat.postMessage`, 'chat.postMessage'],
    [`${API}admin.conversations.list?x=1`, 'admin.conversations.list'],
    [`${API}views.publish`, 'views.publish'],
    [`${API}../secret`, 'other'],
    [`${API}chat.postMessage/extra`, 'other'],
    // A response_url carries a secret: never a Web API call, never looked at.
    ['http://127.0.0.1:9/commands/T1/123/secret', undefined],
    ['https://hooks.slack.com/actions/T1/1/abc', undefined],
  ])('%s → %s', (url, method) => {
    expect(slackMethodOf(url, API)).toBe(method);
  });

  it('accepts a base URL without its final slash', () => {
    expect(slackMethodOf(`${API}auth.test`, API.slice(0, -1))).toBe('auth.test');
  });
});

describe('slackErrorLabel and slackErrorOfBody', () => {
  it.each([
    ['channel_not_found', 'channel_not_found'],
    ['Some Text With Spaces', 'other'],
    [42, 'other'],
    [undefined, 'other'],
  ])('label of %j is %s', (code, label) => {
    expect(slackErrorLabel(code)).toBe(label);
  });

  it.each([
    ['{"ok":true,"ts":"1.2"}', undefined],
    ['{"ok": false, "error": "not_in_channel"}', 'not_in_channel'],
    ['{"ok":false}', 'other'],
    ['{"ok":false,', undefined],
    ['{"ok":true,"text":"\\"ok\\":false"}', undefined],
  ])('error of %s is %s', (body, error) => {
    expect(slackErrorOfBody(body)).toBe(error);
  });
});

describe('countingSlackFetch, under a real WebClient', () => {
  const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });

  function client(answer: () => Promise<Response>) {
    const errors: [string, string][] = [];
    const seen: string[] = [];
    const inner = async (url: string | URL) => {
      seen.push(String(url));
      return answer();
    };
    const fetch = countingSlackFetch(API, (m, e) => errors.push([m, e]), inner as never);
    const web = new webApi.WebClient('xoxb-test', {
      slackApiUrl: API,
      fetch,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    return { web, errors, seen, fetch };
  }

  it('counts nothing for a call that succeeds, and leaves its answer alone', async () => {
    const { web, errors } = client(async () => json({ ok: true, ts: '1.000100' }));
    const result = await web.chat.postMessage({ channel: 'C1', text: 'hi' });
    expect(result.ts).toBe('1.000100');
    expect(errors).toEqual([]);
  });

  it("counts Slack's error code; the caller still gets the platform error", async () => {
    const { web, errors } = client(async () => json({ ok: false, error: 'channel_not_found' }));
    const failure = await web.chat.postMessage({ channel: 'C1', text: 'hi' }).catch((e) => e);
    expect(failure.data?.error).toBe('channel_not_found');
    expect(errors).toEqual([['chat.postMessage', 'channel_not_found']]);
  });

  it('counts a rate limit, and the client still sees its Retry-After', async () => {
    const { web, errors } = client(async () =>
      json({ ok: false, error: 'ratelimited' }, 429, { 'retry-after': '7' }),
    );
    const failure = await web.views
      .publish({ user_id: 'U1', view: { type: 'home', blocks: [] } })
      .catch((e) => e);
    expect(failure.retryAfter).toBe(7);
    expect(errors).toEqual([['views.publish', 'ratelimited']]);
  });

  it('counts an HTTP error and a request that got no answer', async () => {
    const http = client(async () => new Response('bad gateway', { status: 502 }));
    await http.web.chat.update({ channel: 'C1', ts: '1', text: 'x' }).catch(() => {});
    expect(http.errors).toEqual([['chat.update', 'http_502']]);

    const down = client(async () => {
      throw new TypeError('fetch failed');
    });
    await down.web.auth.test().catch(() => {});
    expect(down.errors).toEqual([['auth.test', 'request_error']]);
  });

  it('passes response_url posts through untouched and uncounted', async () => {
    const { fetch, errors, seen } = client(async () => json({ ok: false, error: 'expired_url' }));
    const url = 'http://127.0.0.1:9/commands/T1/1/secret';
    const res = await fetch(url, { method: 'POST', body: '{}' });
    expect(await res.text()).toContain('expired_url');
    expect(seen).toEqual([url]);
    expect(errors).toEqual([]);
  });

  it('never lets a failing listener change the call', async () => {
    const fetch = countingSlackFetch(
      API,
      () => {
        throw new Error('listener broke');
      },
      (async () => json({ ok: false, error: 'not_authed' })) as never,
    );
    const web = new webApi.WebClient('xoxb-test', { slackApiUrl: API, fetch });
    const failure = await web.auth.test().catch((e) => e);
    expect(failure.data?.error).toBe('not_authed');
  });
});
