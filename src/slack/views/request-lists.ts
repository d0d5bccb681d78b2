/**
 * `/slots pending` and `/slots history`: one compact line per request (id, what, who asked, who
 * decided, state, what AWS answered), laid out within Block Kit's limits by `layout`.
 */
import { formatDateTime } from '../../domain/dates.js';
import type { PurchaseRequest } from '../../domain/requests.js';
import { count } from './format.js';
import {
  context,
  fallback,
  header,
  itemList,
  layout,
  type Part,
  type SlackMessage,
  section,
} from './message.js';
import { code, escapeMrkdwn, mention, truncate } from './mrkdwn.js';
import {
  actionKindText,
  actionShortText,
  approvalCountText,
  approversText,
  commitmentText,
  isOverdue,
  needsSeveralApprovers,
  outcomeRef,
  relativeTime,
  STATE_EMOJI,
  STATE_LABEL,
} from './request-text.js';

/** Requests still waiting for a decision, or whose outcome is still being settled. */
export function pendingMessage(requests: readonly PurchaseRequest[], now: Date): SlackMessage {
  const parts: Part[] = [header('Open requests'), context(`as of ${formatDateTime(now)}`)];
  if (requests.length === 0) {
    parts.push(section('No requests are waiting for a decision.'));
    return { text: 'No open requests.', blocks: layout(parts) };
  }
  parts.push(
    itemList(
      requests.map((r) => pendingLine(r, now)),
      (omitted, shown) =>
        `${shown > 0 ? '…and ' : ''}${count(omitted, 'more request')} not shown; each is also on its card in the approvals channel.`,
    ),
  );
  return { text: `${count(requests.length, 'open request')}.`, blocks: layout(parts) };
}

function pendingLine(r: PurchaseRequest, now: Date): string {
  const state =
    r.state === 'pending'
      ? isOverdue(r, now)
        ? `${STATE_EMOJI.expired} expired ${relativeTime(now, r.expiresAt)}`
        : `${STATE_EMOJI.pending} waiting${approvalsSoFar(r)}, expires ${relativeTime(now, r.expiresAt)}`
      : stateWords(r);
  return (
    `• ${code(r.id)} · ${actionKindText(r.action)} · ${actionShortText(r)} · ` +
    `${commitmentText(r.quote)} · asked by ${mention(r.requester)} ${relativeTime(now, r.createdAt)} · ${state}`
  );
}

/** Recent requests, in the order given (newest first from the store). */
export function historyMessage(requests: readonly PurchaseRequest[], now: Date): SlackMessage {
  const parts: Part[] = [header('Recent requests'), context(`as of ${formatDateTime(now)}`)];
  if (requests.length === 0) {
    parts.push(section('No requests yet.'));
    return { text: 'No requests yet.', blocks: layout(parts) };
  }
  parts.push(
    itemList(
      requests.map((r) => historyLine(r, now)),
      (omitted, shown) =>
        `${shown > 0 ? '…and ' : ''}${count(omitted, 'more request')} not shown; ask for fewer with \`/slots history <n>\`.`,
    ),
  );
  return {
    text: fallback(`The last ${count(requests.length, 'request')}.`),
    blocks: layout(parts),
  };
}

function historyLine(r: PurchaseRequest, now: Date): string {
  return (
    `• ${code(r.id)} · ${formatDateTime(r.createdAt)} · ${actionKindText(r.action)} · ` +
    `${actionShortText(r)} · asked by ${mention(r.requester)}${decidedText(r)} · ` +
    (r.state === 'pending' && isOverdue(r, now) ? `${STATE_EMOJI.expired} expired` : stateWords(r))
  );
}

/** ` (1 of 2 approvals)` for a request that needs several approvers; empty otherwise. */
function approvalsSoFar(r: PurchaseRequest): string {
  return needsSeveralApprovers(r) ? ` (${approvalCountText(r)})` : '';
}

function decidedText(r: PurchaseRequest): string {
  const verb: Partial<Record<PurchaseRequest['state'], string>> = {
    rejected: 'rejected',
    cancelled: 'cancelled',
  };
  const rejectedOrCancelled = verb[r.state];
  if (!rejectedOrCancelled && needsSeveralApprovers(r) && r.approvals.length > 0) {
    const all = r.approvals.length >= r.approvalsNeeded;
    return ` · approved by ${approversText(r)}${all ? '' : ` (${approvalCountText(r)})`}`;
  }
  if (!r.decidedBy) return '';
  return ` · ${rejectedOrCancelled ?? 'approved'} by ${mention(r.decidedBy)}`;
}

/** `:white_check_mark: succeeded, transaction `abc``; failures carry their short reason. */
function stateWords(r: PurchaseRequest): string {
  const label = `${STATE_EMOJI[r.state]} ${STATE_LABEL[r.state]}`;
  const ref = outcomeRef(r);
  switch (r.state) {
    case 'succeeded':
      return ref ? `${label}, ${ref}` : label;
    case 'failed': {
      const message = r.outcome?.message?.trim();
      return message ? `${label}: ${escapeMrkdwn(truncate(message, 80))}` : label;
    }
    case 'unknown':
      return `*${label}: check the AWS console; it will not be retried*`;
    default:
      return label;
  }
}
