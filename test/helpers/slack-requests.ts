/** Signed HTTP requests, exactly as Slack sends them to `POST /slack/events`. */
import { randomUUID } from 'node:crypto';
import { signature } from '../../src/sandbox/slack/payloads.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';

export interface SignedPostOptions {
  readonly secret?: string;
  /** Unix seconds; defaults to now. */
  readonly timestamp?: number;
  /** Replace the computed signature (forgery tests). */
  readonly signature?: string;
}

export interface SlackHttpResponse {
  readonly status: number;
  readonly body: string;
  readonly json: unknown;
  readonly elapsedMs: number;
}

/** Slack's v0 signature; the sandbox's local Slack signs with the same function. */
export const sign = signature;

export async function signedPost(
  url: string,
  body: string,
  contentType: string,
  opts: SignedPostOptions = {},
): Promise<SlackHttpResponse> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': opts.signature ?? sign(opts.secret ?? SIGNING_SECRET, timestamp, body),
    },
    body,
  });
  const text = await res.text();
  const elapsedMs = performance.now() - started;
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, body: text, json, elapsedMs };
}

export interface SlashCommandFields {
  readonly text: string;
  readonly responseUrl: string;
  readonly userId?: string;
  readonly channelId?: string;
  readonly command?: string;
  readonly triggerId?: string;
}

/** The fields Slack sends for a slash command, as a flat record. */
export function slashCommandPayload(f: SlashCommandFields): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: 'T1',
    team_domain: 'test',
    channel_id: f.channelId ?? 'C0SLOTS',
    channel_name: 'slots',
    user_id: f.userId ?? 'U0ALICE',
    user_name: 'alice',
    command: f.command ?? '/slots',
    text: f.text,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: f.responseUrl,
    // Slack gives every command its own trigger id; a repeated one is a replayed delivery.
    trigger_id: f.triggerId ?? `${Date.now()}.${randomUUID()}`,
  };
}

export function slashCommandBody(f: SlashCommandFields): string {
  return new URLSearchParams(slashCommandPayload(f)).toString();
}

export function sendSlashCommand(
  eventsUrl: string,
  fields: SlashCommandFields,
  opts: SignedPostOptions = {},
): Promise<SlackHttpResponse> {
  return signedPost(eventsUrl, slashCommandBody(fields), 'application/x-www-form-urlencoded', opts);
}

export function sendEvent(
  eventsUrl: string,
  event: Record<string, unknown>,
  opts: SignedPostOptions = {},
): Promise<SlackHttpResponse> {
  const body = JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: `Ev${Date.now()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T1', user_id: 'UBOT', is_bot: true }],
    event,
  });
  return signedPost(eventsUrl, body, 'application/json', opts);
}

/** An interactivity payload (block_actions, view_submission) as Slack posts it: one form field. */
export function sendInteraction(
  eventsUrl: string,
  payload: Record<string, unknown>,
  opts: SignedPostOptions = {},
): Promise<SlackHttpResponse> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return signedPost(eventsUrl, body, 'application/x-www-form-urlencoded', opts);
}
