/**
 * The request card posted for approvers, and the small messages around it: the thread reply
 * with the outcome, the requester's confirmation, refusals, and the reject-reason modal.
 *
 * A card is a function of the stored request and the clock: buttons exist only while the
 * request is pending and undecided in time, and each button carries the request id and nothing
 * else. Price, offering and quantity on the card come from the stored quote.
 */
import type { types } from '@slack/bolt';
import { formatDateTime } from '../../domain/dates.js';
import type { PurchaseRequest, RenewalSeen, RequestOutcome } from '../../domain/requests.js';
import { dryRunBanner, dryRunCallText } from './dry-run.js';
import { count } from './format.js';
import {
  CONFIRM_LIMITS,
  context,
  fallback,
  header,
  type KnownBlock,
  type SlackMessage,
  section,
} from './message.js';
import {
  channelLink,
  code,
  escapeKeepingMentions,
  escapeMrkdwn,
  mention,
  truncate,
  truncateMrkdwn,
} from './mrkdwn.js';
import {
  actionSentence,
  actionTitlePlain,
  andList,
  approvalCountText,
  approverIds,
  approverList,
  approversText,
  commitmentText,
  isOverdue,
  needsSeveralApprovers,
  offeringRef,
  outcomeRef,
  quoted,
  relativeTime,
  STATE_EMOJI,
  STATE_LABEL,
  unitPriceText,
} from './request-text.js';

export const APPROVE_ACTION = 'request_approve';
export const REJECT_ACTION = 'request_reject';
export const CANCEL_ACTION = 'request_cancel';

/** The card's blocks, for tests and for listeners that read the message back. */
export const REQUEST_SUMMARY_BLOCK = 'request_summary';
export const REQUEST_STATE_BLOCK = 'request_state';
export const REQUEST_ACTIONS_BLOCK = 'request_actions';
/** `unknown` only, when AWS lists several records that could each be the request's. */
export const REQUEST_CANDIDATES_BLOCK = 'request_candidates';
/** `dry_run` only: the call that was not sent. */
export const REQUEST_DRY_RUN_BLOCK = 'request_dry_run';

/** What a card needs besides the request: who may approve, and whether slots-bot runs dry. */
export interface CardOptions {
  /** SLOTS_APPROVERS: user ids (`U…`/`W…`) and user-group ids (`S…`), named while approvals are missing. */
  readonly approvers: readonly string[];
  /** SLOTS_DRY_RUN: every card carries the dry-run banner. */
  readonly dryRun: boolean;
}

const NO_OPTIONS: CardOptions = { approvers: [], dryRun: false };

/** Candidates listed on a card; the rest are counted. Keeps the section within 3000 characters. */
export const CANDIDATES_SHOWN_MAX = 10;
const CANDIDATE_ID_MAX = 200;

export const REJECT_MODAL_CALLBACK = 'request_reject_modal';
export const REJECT_REASON_BLOCK = 'reject_reason';
export const REJECT_REASON_ACTION = 'reject_reason_input';
/** The longest rejection note the modal accepts; the card shows it in full. */
export const REJECT_NOTE_MAX = 500;

const REASON_SHOWN_MAX = 1000;
const MESSAGE_SHOWN_MAX = 600;

type ActionsBlock = types.ActionsBlock;
type Button = types.Button;

// ---------------------------------------------------------------------------------------------
// The card

export function requestCard(
  request: PurchaseRequest,
  now: Date,
  options: CardOptions = NO_OPTIONS,
): SlackMessage {
  const blocks: KnownBlock[] = [
    ...(options.dryRun ? [dryRunBanner()] : []),
    header(`${actionTitlePlain(request.action)} · ${request.id}`),
    { ...section(summaryText(request)), block_id: REQUEST_SUMMARY_BLOCK },
    { ...section(stateText(request, now, options)), block_id: REQUEST_STATE_BLOCK },
  ];
  const candidates = request.state === 'unknown' ? candidatesText(request) : '';
  if (candidates) blocks.push({ ...section(candidates), block_id: REQUEST_CANDIDATES_BLOCK });
  const call = request.state === 'dry_run' ? request.outcome?.dryRun : undefined;
  if (call) blocks.push({ ...section(dryRunCallText(call)), block_id: REQUEST_DRY_RUN_BLOCK });
  const open = request.state === 'pending' && !isOverdue(request, now);
  if (open) blocks.push(actionButtons(request, options));
  blocks.push(context(footerText(request, now, open)));

  const state = isOverdue(request, now) ? 'expired' : STATE_LABEL[request.state];
  return {
    text: fallback(
      `Request ${request.id} (${state}):`,
      `${mention(request.requester)} asks to ${actionSentence(request, 60)},`,
      `committing ${commitmentText(request.quote)}.`,
    ),
    blocks,
  };
}

function summaryText(request: PurchaseRequest): string {
  const { quote } = request;
  const lines = [
    `${mention(request.requester)} asks to ${actionSentence(request)}.`,
    `*Offering:* ${offeringRef(request.action)}`,
    `*Unit price:* ${unitPriceText(quote)}`,
    `*Commits:* *${commitmentText(quote)}*${
      request.action.kind === 'renew' ? ' from the next period' : ''
    }`,
  ];
  const { action } = request;
  if (action.service === 'devicefarm' && action.kind === 'renew' && action.seen) {
    lines.push(seenText(action.seen, action.quantity));
  }
  const reason = request.reason.trim();
  lines.push(reason ? `*Reason:*\n${quoted(reason, REASON_SHOWN_MAX)}` : '*Reason:* none given');
  return lines.join('\n');
}

/**
 * What AWS said the account held when the request was made, next to what the request sets:
 * `*AWS at …:* holds *5* now · *5* set to renew next period → this request sets *7* from the next
 * period`.
 */
export function seenText(seen: RenewalSeen, quantity: number): string {
  const at = new Date(seen.at);
  const read = Number.isNaN(at.getTime())
    ? '*AWS, when asked:*'
    : `*AWS at ${formatDateTime(at)}:*`;
  const sets =
    quantity === 0
      ? 'this request sets *0* (they lapse) from the next period'
      : `this request sets *${quantity}* from the next period`;
  return `${read} holds *${seen.current}* now · *${seen.nextPeriod}* set to renew next period → ${sets}`;
}

function when(at: Date | undefined): string {
  return at ? ` at ${formatDateTime(at)}` : '';
}

/**
 * `Approved by <@a> at …`; with several approvers, all of them in order (`<@a> and <@b>`), at
 * the time of the approval that completed the count.
 */
function approvedBy(request: PurchaseRequest): string {
  if (needsSeveralApprovers(request)) {
    const who = approversText(request);
    return who ? `Approved by ${who}${when(request.decidedAt)}.` : 'Approved.';
  }
  return request.decidedBy
    ? `Approved by ${mention(request.decidedBy)}${when(request.decidedAt)}.`
    : 'Approved.';
}

/**
 * While approvals are missing: how many there are, by whom, and who may give the rest.
 * `1 of 2 approvals: <@bob>. Needs *1 more* from <@U1>, <!subteam^S1> (anyone but <@req> and
 * <@bob>).` and the rule, `This amount needs 2 approvers.`
 */
function approvalsText(request: PurchaseRequest, options: CardOptions): string {
  const given = request.approvals.length;
  const missing = Math.max(0, request.approvalsNeeded - given);
  const so = given > 0 ? `: ${approversText(request)}` : '';
  const excluded = [mention(request.requester), ...request.approvals.map((a) => mention(a.by))];
  // Who may still give one: the requester and those who approved already cannot.
  const cannot = new Set([request.requester, ...request.approvals.map((a) => a.by)]);
  const from = approverList(options.approvers.filter((id) => !cannot.has(id)));
  const needs =
    `Needs *${given > 0 ? `${missing} more` : missing}*` +
    (from ? ` from ${from}` : ' from the approvers') +
    ` (anyone but ${andList(excluded)}).`;
  return [
    `*${approvalCountText(request)}*${so}. ${needs}`,
    `This amount needs ${request.approvalsNeeded} different approvers.`,
  ].join('\n');
}

/** `(1 of 2 approvals: <@bob>)` for a request that ended before it had them all. */
function partialApprovals(request: PurchaseRequest): string {
  if (!needsSeveralApprovers(request) || request.approvals.length === 0) return '';
  return ` It had ${approvalCountText(request)}: ${approversText(request)}.`;
}

function outcomeMessage(request: PurchaseRequest): string {
  const message = request.outcome?.message?.trim();
  return message ? escapeMrkdwn(truncate(message, MESSAGE_SHOWN_MAX)) : '';
}

/** The state line: what is happening now, who decided and when. */
export function stateText(
  request: PurchaseRequest,
  now: Date,
  options: CardOptions = NO_OPTIONS,
): string {
  const emoji = STATE_EMOJI[request.state];
  switch (request.state) {
    case 'pending':
      if (isOverdue(request, now)) {
        return `${STATE_EMOJI.expired} *Expired* ${formatDateTime(request.expiresAt)} without a decision; it can no longer be approved. Nothing was bought.${partialApprovals(request)}`;
      }
      if (needsSeveralApprovers(request)) {
        return `${emoji} *Waiting for approval* · ${approvalsText(request, options)}`;
      }
      return `${emoji} *Waiting for approval* by an approver other than ${mention(request.requester)}.`;
    case 'executing':
      return options.dryRun
        ? `${emoji} *Approved; dry run under way…* ${approvedBy(request)}`
        : `${emoji} *Approved; buying now…* ${approvedBy(request)}`;
    case 'succeeded': {
      const ref = outcomeRef(request);
      const confirmed =
        request.outcome?.source === 'reconciliation' ? ` (${reconciledText(request.outcome)})` : '';
      return [
        `${emoji} *${doneWord(request)}.*${ref ? ` AWS ${ref}${confirmed}.` : confirmed}`,
        approvedBy(request),
      ].join(' ');
    }
    case 'failed': {
      const message = outcomeMessage(request);
      const nothing = /nothing was bought/i.test(message) ? '' : ' Nothing was bought.';
      const errorCode = request.outcome?.errorCode ? ` (${code(request.outcome.errorCode)})` : '';
      return `${emoji} *Failed.* ${message}${errorCode}${nothing}\n${approvedBy(request)}`;
    }
    case 'unknown': {
      const message = outcomeMessage(request);
      const checking = checkingText(request.outcome, now);
      const candidates = request.outcome?.candidates?.length ?? 0;
      const headline =
        checking && candidates === 0
          ? `${emoji} *OUTCOME NOT KNOWN YET: slots-bot is checking AWS; this request will not be retried.*`
          : `${emoji} *OUTCOME UNKNOWN: check the AWS console; this request will not be retried.* ${emoji}`;
      return [headline, message, checking, approvedBy(request)].filter(Boolean).join('\n');
    }
    case 'rejected': {
      const note = request.decisionNote?.trim();
      return (
        `${emoji} *Rejected* by ${mention(request.decidedBy ?? 'an approver')}${when(request.decidedAt)}. Nothing was bought.${partialApprovals(request)}` +
        (note ? `\n${quoted(note, REJECT_NOTE_MAX)}` : '')
      );
    }
    case 'cancelled':
      return `${emoji} *Cancelled* by ${mention(request.decidedBy ?? request.requester)}${when(request.decidedAt)}. Nothing was bought.${partialApprovals(request)}`;
    case 'expired':
      return `${emoji} *Expired*${when(request.finishedAt ?? request.expiresAt)} without a decision. Nothing was bought.${partialApprovals(request)}`;
    case 'dry_run': {
      const shown = request.outcome?.dryRun
        ? 'The call it would have sent is below.'
        : 'The call it would have sent was not recorded.';
      return `${emoji} *Dry run — nothing was bought.* slots-bot did not send this ${request.action.kind === 'renew' ? 'renewal' : 'purchase'} to AWS (\`SLOTS_DRY_RUN=true\`). ${shown}\n${approvedBy(request)}`;
    }
  }
}

const MATCHED_BY: Readonly<Record<NonNullable<RequestOutcome['matchedBy']>, string>> = {
  quantity_requested: 'its offering matches, and AWS recorded the quantity bought',
  total_after:
    'its offering matches, and AWS recorded the total held after the purchase rather than the quantity bought',
  renewal_quantity: 'its offering matches, and AWS recorded the quantity set to renew',
  reservation: 'its reservation name, offering and start match',
};

/** How a reconciled outcome was found, in plain words. */
function reconciledText(outcome: RequestOutcome): string {
  const how = outcome.matchedBy ? MATCHED_BY[outcome.matchedBy] : undefined;
  return how ? `found by checking AWS: ${how}` : 'confirmed by checking AWS';
}

/** `unknown` while AWS is still being checked: until when, at the earliest, and why. */
function checkingText(outcome: RequestOutcome | undefined, now: Date): string {
  if (!outcome?.checkingUntil) return '';
  const until = new Date(outcome.checkingUntil);
  const earliest = Number.isNaN(until.getTime())
    ? 'later'
    : `no earlier than ${formatDateTime(until)} (${relativeTime(now, until)})`;
  return (
    'AWS may list a purchase late, so slots-bot keeps checking its records. ' +
    `It decides "nothing was bought" ${earliest}, and only if AWS keeps answering with no matching record.`
  );
}

/**
 * `unknown` with several AWS records that could each be the request's: listed (the first ten,
 * then a count), with why none was claimed and what to do.
 */
export function candidatesText(request: PurchaseRequest): string {
  const candidates = request.outcome?.candidates ?? [];
  if (candidates.length === 0) return '';
  const mediaconnect = request.action.service === 'mediaconnect';
  const noun = mediaconnect ? 'reservation' : 'transaction';
  const shown = candidates
    .slice(0, CANDIDATES_SHOWN_MAX)
    .map((id) => `• ${code(truncate(id, CANDIDATE_ID_MAX))}`);
  const more = candidates.length - shown.length;
  if (more > 0) shown.push(`…and ${more} more`);
  const where = mediaconnect
    ? 'the MediaConnect console (Reservations)'
    : 'the Device Farm console or `aws devicefarm list-offering-transactions`';
  return [
    `*AWS lists ${count(candidates.length, noun)} that could each be this request's:*`,
    ...shown,
    `They cannot be told apart, so slots-bot claimed none of them. Check them in ${where}: ` +
      `find out who made each (this request, another request, or someone outside slots-bot) ` +
      'before asking again, so nothing is bought twice.',
  ].join('\n');
}

function doneWord(request: PurchaseRequest): string {
  const { action } = request;
  if (action.service === 'mediaconnect') return 'Reserved';
  return action.kind === 'renew' ? 'Renewal set' : 'Bought';
}

function footerText(request: PurchaseRequest, now: Date, open: boolean): string {
  const parts = [`Request ${code(request.id)}`, `asked ${formatDateTime(request.createdAt)}`];
  if (open) {
    parts.push(
      `expires ${formatDateTime(request.expiresAt)} (${relativeTime(now, request.expiresAt)})`,
    );
  }
  return parts.join(' · ');
}

function actionButtons(request: PurchaseRequest, options: CardOptions): ActionsBlock {
  const approve: Button = {
    type: 'button',
    action_id: APPROVE_ACTION,
    text: { type: 'plain_text', text: 'Approve', emoji: true },
    style: 'primary',
    value: request.id,
    confirm: {
      title: {
        type: 'plain_text',
        text: truncate(`Approve request ${request.id}?`, CONFIRM_LIMITS.title),
      },
      text: { type: 'mrkdwn', text: approveConfirmText(request, options) },
      confirm: { type: 'plain_text', text: approveConfirmButton(request, options) },
      deny: { type: 'plain_text', text: 'Not yet' },
      style: 'primary',
    },
  };
  const rejectButton: Button = {
    type: 'button',
    action_id: REJECT_ACTION,
    text: { type: 'plain_text', text: 'Reject', emoji: true },
    style: 'danger',
    value: request.id,
  };
  const cancel: Button = {
    type: 'button',
    action_id: CANCEL_ACTION,
    text: { type: 'plain_text', text: 'Cancel request', emoji: true },
    value: request.id,
  };
  return {
    type: 'actions',
    block_id: REQUEST_ACTIONS_BLOCK,
    elements: [approve, rejectButton, cancel],
  };
}

/** Whether this click, if it counts, is not the last approval the request needs. */
function approvalsStillMissingAfterOne(request: PurchaseRequest): boolean {
  return request.approvals.length + 1 < request.approvalsNeeded;
}

function approveConfirmButton(request: PurchaseRequest, options: CardOptions): string {
  if (approvalsStillMissingAfterOne(request)) return 'Approve';
  if (options.dryRun) return 'Approve (dry run)';
  return request.action.kind === 'renew' ? 'Approve renewal' : 'Approve and buy';
}

/**
 * What the approver agrees to, cost first, within the dialog's 300 characters: the longest of
 * these sentences that fits is used, so the cost is never cut.
 */
export function approveConfirmText(
  request: PurchaseRequest,
  options: CardOptions = NO_OPTIONS,
): string {
  const cost = `This commits *${commitmentText(request.quote)}*${
    request.action.kind === 'renew' ? ' from the next period' : ''
  }.`;
  const what = `${mention(request.requester)} asks to ${actionSentence(request, 40)}.`;
  const once = 'slots-bot calls AWS once; this cannot be undone from Slack.';
  // Said before what is asked: this click does not buy, which matters more than the details.
  const notYet = approvalsStillMissingAfterOne(request)
    ? `This is approval ${request.approvals.length + 1} of ${request.approvalsNeeded}; nothing is bought before the last.`
    : options.dryRun
      ? 'Dry run: slots-bot shows the call instead of sending it; nothing is bought.'
      : undefined;
  const candidates = notYet
    ? [`${cost} ${what} ${notYet}`, `${cost} ${notYet}`, cost]
    : [`${cost} ${what} ${once}`, `${cost} ${what}`, `${cost} ${once}`, cost];
  return (
    candidates.find((c) => c.length <= CONFIRM_LIMITS.text) ??
    truncateMrkdwn(cost, CONFIRM_LIMITS.text)
  );
}

// ---------------------------------------------------------------------------------------------
// Around the card

/** The reply in the card's thread once a request is finished (or, for the others, its state). */
export function outcomeReply(request: PurchaseRequest): SlackMessage {
  const requester = mention(request.requester);
  const decider = request.decidedBy ? mention(request.decidedBy) : undefined;
  // Who approved: every approver when the amount needed several, else the one who decided.
  const approverMentions = needsSeveralApprovers(request)
    ? approverIds(request).map(mention)
    : decider
      ? [decider]
      : [];
  const approvers = andList(approverMentions);
  const subject = `request ${code(request.id)} to ${actionSentence(request, 60)}`;
  const emoji = STATE_EMOJI[request.state];
  const message = outcomeMessage(request);
  let text: string;
  switch (request.state) {
    case 'succeeded': {
      const ref = outcomeRef(request);
      text =
        `${emoji} ${requester}, your ${subject} succeeded: it commits ${commitmentText(request.quote)}.` +
        (ref ? ` AWS ${ref}.` : '') +
        (approvers ? ` Approved by ${approvers}.` : '');
      break;
    }
    case 'failed': {
      const nothing = /nothing was bought/i.test(message) ? '' : ' Nothing was bought.';
      text = `${emoji} ${requester}, your ${subject} failed. ${message}${nothing}`;
      break;
    }
    case 'unknown':
      text =
        `${emoji} *The outcome of ${subject} is unknown: check the AWS console; this request will not be retried.*` +
        `${message ? ` ${message}` : ''} ${requester}${approverMentions.map((m) => ` ${m}`).join('')}`;
      break;
    case 'rejected': {
      const note = request.decisionNote?.trim();
      text =
        `${emoji} ${requester}, ${decider ?? 'an approver'} rejected your ${subject}. Nothing was bought.` +
        (note ? `\n${quoted(note, REJECT_NOTE_MAX)}` : '');
      break;
    }
    case 'cancelled':
      text = `${emoji} ${decider ?? requester} cancelled ${subject}. Nothing was bought.`;
      break;
    case 'expired':
      text = `${emoji} ${requester}, your ${subject} expired without a decision. Nothing was bought; ask again if it is still needed.`;
      break;
    case 'dry_run': {
      const call = request.outcome?.dryRun;
      text =
        `${emoji} ${requester}, your ${subject} was approved in a dry run: nothing was bought.` +
        (call
          ? ` slots-bot did not send ${code(truncate(call.operation, 100))} to AWS; the card shows the call.`
          : '') +
        (approvers ? ` Approved by ${approvers}.` : '');
      break;
    }
    case 'pending':
    case 'executing':
      text = `${emoji} Request ${code(request.id)} is ${STATE_LABEL[request.state]}.`;
      break;
  }
  const state = STATE_LABEL[request.state];
  return { text: fallback(`Request ${request.id}: ${state}.`), blocks: [section(text)] };
}

/**
 * The requester's private note about their new request, from its state at delivery: waiting for
 * approval (the usual case), or already past pending when a delayed note goes out. `channel` is
 * where the card is, or goes when it is not posted yet.
 */
export function requesterConfirmation(request: PurchaseRequest, channel?: string): SlackMessage {
  const where = channel ?? request.card?.channel;
  const place = where ? channelLink(where) : 'the approvals channel';
  if (request.state !== 'pending') {
    const label = STATE_LABEL[request.state];
    const text = `${STATE_EMOJI[request.state]} Request ${request.id} is ${label}; its card in ${place} shows what happened.`;
    return { text: fallback(`Request ${request.id} is ${label}.`), blocks: [section(text)] };
  }
  const text =
    `${STATE_EMOJI.pending} Request ${request.id} is waiting for approval in ${place}: ` +
    `${actionSentence(request, 60)}, committing ${commitmentText(request.quote)}. ` +
    `It expires ${formatDateTime(request.expiresAt)} unless someone decides; you can cancel it from its card.`;
  return {
    text: fallback(`Request ${request.id} is waiting for approval in ${place}.`),
    blocks: [section(text)],
  };
}

/** What the requester can do, from Slack's code in the reason (`(Slack: not_in_channel)`). */
function undeliverableAdvice(reason: string): string {
  const slackCode = /\(Slack: ([a-z_]+)\)/.exec(reason)?.[1];
  switch (slackCode) {
    case 'not_in_channel':
    case 'channel_not_found':
      return 'Ask an admin to invite slots-bot to the channel, then request again.';
    case 'is_archived':
    case 'channel_is_archived':
      return 'Ask an admin to unarchive the channel or set SLOTS_CHANNEL to another one, then request again.';
    default:
      return "Ask an admin to check slots-bot's logs and its Slack app, then request again.";
  }
}

/**
 * Tells the requester that their card could not be posted, why (`request.decisionNote`, the
 * bot's own sentence), and that nothing will be bought.
 */
export function cardUndeliverableNote(request: PurchaseRequest, channel?: string): SlackMessage {
  const place = channel ? channelLink(channel) : 'the approvals channel';
  const reason = (request.decisionNote ?? '').trim().replace(/\.$/, '') || 'Slack refused it';
  const text =
    `${STATE_EMOJI.cancelled} Your request ${request.id} could not be posted in ${place}: ` +
    `${escapeMrkdwn(truncate(reason, MESSAGE_SHOWN_MAX))}. It was cancelled; nothing will be bought. ` +
    undeliverableAdvice(reason);
  return {
    text: fallback(`Your request ${request.id} could not be posted in ${place}; it was cancelled.`),
    blocks: [section(text)],
  };
}

/**
 * An ephemeral refusal (self-approval, not an approver, no longer pending, expired, cancel by
 * someone else). `reason` is slots-bot's own sentence; mentions in it keep working, anything else
 * is escaped.
 */
export function refusal(reason: string): SlackMessage {
  const text = `:no_entry: ${escapeKeepingMentions(reason.trim() || 'That is not possible.')}`;
  return { text: fallback(text), blocks: [section(text)] };
}

/** Asks an approver for an optional reason before rejecting; `private_metadata` = request id. */
export function rejectModal(requestId: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: REJECT_MODAL_CALLBACK,
    private_metadata: requestId,
    title: { type: 'plain_text', text: 'Reject request' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Back' },
    blocks: [
      section(
        `Reject request ${code(requestId)}? Nothing will be bought. The requester sees your reason in the request's thread.`,
      ),
      {
        type: 'input',
        block_id: REJECT_REASON_BLOCK,
        optional: true,
        label: { type: 'plain_text', text: 'Reason (optional)' },
        element: {
          type: 'plain_text_input',
          action_id: REJECT_REASON_ACTION,
          multiline: true,
          max_length: REJECT_NOTE_MAX,
          placeholder: { type: 'plain_text', text: 'Why not, or what to ask for instead' },
        },
      },
    ],
  };
}
