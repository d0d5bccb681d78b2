/**
 * Slack Web API errors, seen from the one hook every Web API client of the app shares: the
 * `fetch` of its client options. Bolt builds its own clients (`app.client`, one per token for
 * listeners) from those options, and each client binds its methods to `apiCall` when it is
 * built, so wrapping `apiCall` on an instance would miss `client.chat.postMessage`; `fetch` sees
 * every call. Bolt also answers `response_url`s through it: only URLs under the Web API's base
 * are looked at, and nothing of a URL but the method name is kept (a `response_url` is a secret).
 */
import type { webApi } from '@slack/bolt';

type FetchFunction = NonNullable<webApi.WebClientOptions['fetch']>;
type FetchResponse = Awaited<ReturnType<FetchFunction>>;

export type SlackErrorListener = (method: string, error: string) => void;

/** `chat.postMessage`, `views.publish`, `admin.conversations.list`: what a method name looks like. */
const METHOD = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*){1,4}$/;
/** Slack's error codes are short snake_case words (`channel_not_found`, `ratelimited`). */
const ERROR_CODE = /^[a-z0-9_]{1,64}$/;
/** Only an answer that may be an error is parsed a second time. */
const MAYBE_NOT_OK = /"ok"\s*:\s*false/;

/** The Web API method a request URL calls, or `undefined` when it is not a Web API call. */
export function slackMethodOf(url: string | URL, apiUrl: string): string | undefined {
  const text = String(url);
  const base = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
  if (!text.startsWith(base)) return undefined;
  const method = text.slice(base.length).split(/[?#]/)[0] ?? '';
  return METHOD.test(method) ? method : 'other';
}

/** The label an error code becomes: itself when shaped like one of Slack's, else `other`. */
export function slackErrorLabel(code: unknown): string {
  return typeof code === 'string' && ERROR_CODE.test(code) ? code : 'other';
}

/** The error code of an answer's text, when it is `{"ok": false, "error": …}`. */
export function slackErrorOfBody(text: string): string | undefined {
  if (!MAYBE_NOT_OK.test(text)) return undefined;
  try {
    const body = JSON.parse(text) as { ok?: unknown; error?: unknown };
    return body?.ok === false ? slackErrorLabel(body.error) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `inner` (default the global `fetch`), telling `onError` of every Web API call that failed:
 * Slack's error code for an `ok: false` answer, `ratelimited` for a 429, `http_<status>` for any
 * other status but 200, `timeout` or `request_error` when no answer came.
 */
export function countingSlackFetch(
  apiUrl: string,
  onError: SlackErrorListener,
  // The global fetch a client uses when given none, looked up at each call (tests replace it).
  inner: FetchFunction = (url, init) =>
    globalThis.fetch(url, init as RequestInit) as unknown as ReturnType<FetchFunction>,
): FetchFunction {
  const tell = (method: string, error: string) => {
    try {
      onError(method, error);
    } catch {
      // Counting an error must never change the call.
    }
  };
  return async (url, init) => {
    const method = slackMethodOf(url, apiUrl);
    if (method === undefined) return inner(url, init);
    let response: FetchResponse;
    try {
      response = await inner(url, init);
    } catch (err) {
      const name = (err as { name?: unknown } | null)?.name;
      tell(method, name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'request_error');
      throw err;
    }
    if (response.status === 429) {
      tell(method, 'ratelimited');
      return response;
    }
    if (response.status !== 200) {
      tell(method, `http_${response.status}`);
      return response;
    }
    return withBodyWatched(response, (text) => {
      const error = slackErrorOfBody(text);
      if (error !== undefined) tell(method, error);
    });
  };
}

/**
 * The same answer, whose text is shown to `watch` when the client reads it, so the body is read
 * once (the client reads Web API answers with `text()`; other readers pass through unwatched).
 */
function withBodyWatched(response: FetchResponse, watch: (text: string) => void): FetchResponse {
  return {
    get ok() {
      return response.ok;
    },
    get status() {
      return response.status;
    },
    get statusText() {
      return response.statusText;
    },
    get url() {
      return response.url;
    },
    get headers() {
      return response.headers;
    },
    arrayBuffer: () => response.arrayBuffer(),
    json: () => response.json(),
    async text() {
      const text = await response.text();
      watch(text);
      return text;
    },
  };
}
