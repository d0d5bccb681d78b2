/** What a person does in Slack, on the harness: ask for something, then click its card's buttons. */
import { expect } from 'vitest';
import {
  APPROVE_ACTION,
  REJECT_MODAL_CALLBACK,
  REJECT_REASON_ACTION,
  REJECT_REASON_BLOCK,
} from '../../src/slack/views/request-card.js';
import { buttonValues } from './blocks.js';
import type { Harness } from './harness.js';
import { buttonClick, viewSubmission } from './payloads.js';
import type { SlackHttpResponse } from './slack-requests.js';

/**
 * Sends `/slots <text>` as `userId`; returns the request id on the card the bot posts for it, and
 * the command's `response_url`.
 */
export async function requestCard(
  h: Harness,
  text: string,
  userId: string,
): Promise<{ id: string; responseUrl: string }> {
  const before = h.slack.callsTo('chat.postMessage').length;
  const res = await h.command(text, { userId });
  expect(res.status).toBe(200);
  const id = await h.slack.waitFor(`the card for "${text}"`, () =>
    h.slack
      .callsTo('chat.postMessage')
      .slice(before)
      .map((c) => buttonValues(c.args, APPROVE_ACTION)[0])
      .find(Boolean),
  );
  return { id, responseUrl: res.responseUrl };
}

/** Clicks the button `actionId` carrying `value`, as `userId`; Slack must get its 200. */
export async function clickButton(
  h: Harness,
  actionId: string,
  value: string,
  userId: string,
): Promise<{ res: SlackHttpResponse; responseUrl: string }> {
  const responseUrl = h.slack.responseUrl();
  const res = await h.interact(buttonClick({ actionId, value, userId, responseUrl }));
  expect(res.status).toBe(200);
  return { res, responseUrl };
}

/** Submits the reject form of request `id` with `reason`, as `userId`; Slack must get its 200. */
export async function submitRejectReason(
  h: Harness,
  id: string,
  userId: string,
  reason: string,
): Promise<SlackHttpResponse> {
  const res = await h.interact(
    viewSubmission({
      callbackId: REJECT_MODAL_CALLBACK,
      userId,
      privateMetadata: id,
      values: {
        [REJECT_REASON_BLOCK]: {
          [REJECT_REASON_ACTION]: { type: 'plain_text_input', value: reason },
        },
      },
    }),
  );
  expect(res.status).toBe(200);
  return res;
}

/** The card of request `id` as Slack shows it now: the blocks of its last post or edit. */
export async function cardNow(h: Harness, id: string): Promise<Record<string, unknown>> {
  await h.bot.outbox.deliverDue();
  const card = (await h.bot.requests.get(id))?.card;
  if (!card) throw new Error(`request ${id} has no card`);
  const edits = [...h.slack.callsTo('chat.postMessage'), ...h.slack.callsTo('chat.update')]
    .filter((c) => c.args.channel === card.channel && !c.args.thread_ts)
    .filter((c) => c.args.ts === card.ts || buttonValues(c.args, APPROVE_ACTION).includes(id))
    .sort((a, b) => a.at - b.at);
  const last = edits.at(-1);
  if (!last) throw new Error(`no post or edit of the card of ${id}`);
  return last.args;
}

/** Waits for `n` direct messages to `userId` that name request `id`; returns their args. */
export async function dmsAbout(
  h: Harness,
  userId: string,
  id: string,
  n = 1,
): Promise<Record<string, unknown>[]> {
  return h.slack.waitFor(`${n} DM(s) to ${userId} about ${id}`, () => {
    const found = h.slack
      .dmsTo(userId)
      .map((c) => c.args)
      .filter((args) => String(args.text).includes(id));
    return found.length >= n && found;
  });
}
