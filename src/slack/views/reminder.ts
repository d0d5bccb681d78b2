/**
 * The reminder posted in a pending request's thread (SLOTS_REMIND_AFTER): which reminder it is,
 * how long the request has waited and how long it has left, and a mention of everyone who may
 * still approve it. Drawn from the request's state when it is delivered, so a reminder that
 * arrives after a decision says so and mentions nobody.
 */
import { formatDateTime } from '../../domain/dates.js';
import type { PurchaseRequest } from '../../domain/requests.js';
import { fallback, LIMITS, type SlackMessage, section } from './message.js';
import { code, mention } from './mrkdwn.js';
import {
  actionSentence,
  approvalCountText,
  approverMention,
  approversText,
  durationText,
  isMentionable,
  isOverdue,
  needsSeveralApprovers,
  relativeTime,
  STATE_EMOJI,
  STATE_LABEL,
} from './request-text.js';

/** Reminders per request at most; `payload.n` counts from 1 to this. */
export const REMINDERS_MAX = 3;

export const REMINDER_MENTIONS_BLOCK = 'reminder_mentions';

/** `Reminder 2 of 3: request `R…` from <@U…> to … has waited 8 hours for approval (expires in 16 h).` */
export function reminderReply(
  request: PurchaseRequest,
  payload: Readonly<Record<string, unknown>>,
  now: Date,
): SlackMessage {
  const n = typeof payload.n === 'number' && Number.isInteger(payload.n) ? payload.n : undefined;
  const which =
    n !== undefined && n >= 1 && n <= REMINDERS_MAX
      ? `Reminder ${n} of ${REMINDERS_MAX}`
      : 'Reminder';
  if (request.state !== 'pending' || isOverdue(request, now)) {
    // Decided since the reminder was queued: nobody needs waking up for it any more.
    const state = isOverdue(request, now) ? 'expired' : STATE_LABEL[request.state];
    const emoji = isOverdue(request, now) ? STATE_EMOJI.expired : STATE_EMOJI[request.state];
    const text = `${emoji} ${which}: request ${code(request.id)} no longer waits for approval; it is ${state}.`;
    return { text: fallback(text), blocks: [section(text)] };
  }

  const waited = durationText(now.getTime() - request.createdAt.getTime());
  const approvals = needsSeveralApprovers(request)
    ? ` It has ${approvalCountText(request)}${request.approvals.length > 0 ? ` (${approversText(request)})` : ''}.`
    : '';
  const sentence =
    `:bell: *${which}:* request ${code(request.id)} from ${mention(request.requester)} to ` +
    `${actionSentence(request, 60)} has waited ${waited} for approval ` +
    `(expires ${formatDateTime(request.expiresAt)}, ${relativeTime(now, request.expiresAt)}).${approvals}`;
  const mentions = mentionsLine(payload.mention);
  const blocks = [section(sentence)];
  if (mentions) blocks.push({ ...section(mentions), block_id: REMINDER_MENTIONS_BLOCK });
  return {
    text: fallback(
      `${which}: request ${request.id} has waited ${waited} for approval.`,
      fitsFallback(mentions),
    ),
    blocks,
  };
}

/**
 * Everyone to mention, each once, in the order given; ids that are not a user or a user group
 * are left out rather than shown. Whole mentions only, within one section.
 */
function mentionsLine(raw: unknown): string {
  const ids = Array.isArray(raw)
    ? [...new Set(raw.filter((id): id is string => typeof id === 'string' && isMentionable(id)))]
    : [];
  const max = LIMITS.sectionText - 40;
  const shown: string[] = [];
  let length = 0;
  for (const id of ids) {
    const m = approverMention(id);
    if (length + m.length + 1 > max) break;
    shown.push(m);
    length += m.length + 1;
  }
  const more = ids.length - shown.length;
  return more > 0 ? `${shown.join(' ')} and ${more} more` : shown.join(' ');
}

/** The mentions in the notification text too, when they fit whole. */
function fitsFallback(mentions: string): string {
  return mentions.length <= LIMITS.fallbackText / 2 ? mentions : '';
}
