/**
 * The App Home tab: a dashboard for the person who opens it. What the account holds and costs,
 * the renewals coming up, the requests waiting for this person's approval (with their buttons),
 * and this person's own requests (with Cancel while pending).
 *
 * A Home view takes at most 100 blocks and 3000 characters per section; every list here is cut to
 * a fixed number of items with a note saying how many more there are and where to see them, so a
 * large account or a long queue summarises instead of being refused by Slack.
 */
import type { types } from '@slack/bolt';
import type { Reservation, SlotStatus } from '../../aws/types.js';
import type { Outcome, StatusReport } from '../../capacity/reports.js';
import { formatDate, formatDateTime } from '../../domain/dates.js';
import { type Money, totalsByCurrency } from '../../domain/money.js';
import type { PurchaseRequest } from '../../domain/requests.js';
import { dryRunBanner } from './dry-run.js';
import {
  count,
  description,
  estimatedMonthlyCost,
  money,
  moneyTotals,
  platform,
} from './format.js';
import {
  CONFIRM_LIMITS,
  context,
  divider,
  header,
  type KnownBlock,
  section,
  warning,
} from './message.js';
import { code, escapeKeepingMentions, escapeMrkdwn, mention, truncate } from './mrkdwn.js';
import {
  APPROVE_ACTION,
  approveConfirmText,
  CANCEL_ACTION,
  REJECT_ACTION,
} from './request-card.js';
import {
  actionKindText,
  actionShortText,
  commitmentText,
  isOverdue,
  outcomeRef,
  relativeTime,
  STATE_EMOJI,
  STATE_LABEL,
} from './request-text.js';
import { unreadable } from './service-part.js';
import { compareReservations, compareSlotStatus, daysLeftLabel } from './status.js';

export const HOME_BLOCKS_MAX = 100;
/** Slack refuses a view whose JSON is larger than this. */
export const HOME_VIEW_BYTES_MAX = 250_000;

/** Items shown per list; the rest are counted. Together they stay far below 100 blocks. */
export const RENEWALS_SHOWN = 8;
export const TO_APPROVE_SHOWN = 10;
export const OWN_SHOWN = 10;

/** Block ids of the Home tab's parts, for tests and for reading a published view back. */
export const HOME_NOTICE_BLOCK = 'home_notice';
export const HOME_TO_APPROVE_BLOCK = 'home_to_approve';
export const HOME_OWN_BLOCK = 'home_own';

/** A part read from somewhere that may not answer: the data, or the sentence saying why not. */
export type Readable<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

export interface HomeInput {
  readonly viewer: string;
  readonly now: Date;
  readonly dryRun: boolean;
  /** The account; `ok: false` when it could not be read at all. */
  readonly status: Readable<StatusReport>;
  /**
   * Requests the viewer may approve now (see `awaitingApprovalBy`); absent when the viewer is not
   * an approver, so the part is not shown at all.
   */
  readonly toApprove?: Readable<readonly PurchaseRequest[]>;
  /** The viewer's own recent requests, newest first; more than `OWN_SHOWN` says there are older ones. */
  readonly own: Readable<readonly PurchaseRequest[]>;
  /** slots-bot's own sentence answering the viewer's last click on this tab. */
  readonly notice?: string;
}

export function homeView(input: HomeInput): types.HomeView {
  const blocks: KnownBlock[] = [];
  if (input.dryRun) blocks.push(dryRunBanner());
  if (input.notice) {
    blocks.push({ ...section(escapeKeepingMentions(input.notice)), block_id: HOME_NOTICE_BLOCK });
  }
  blocks.push(...accountPart(input.status));
  if (input.toApprove) blocks.push(divider(), ...toApprovePart(input.toApprove, input.now));
  blocks.push(divider(), ...ownPart(input.own, input.now));
  blocks.push(
    context(
      '`/slots help` lists every command; `/slots pending` and `/slots history` list every request.',
    ),
  );
  return { type: 'home', blocks: blocks.slice(0, HOME_BLOCKS_MAX) };
}

/**
 * The pending requests `viewer`, an approver, may approve now: still pending and in time, not
 * their own, and not already approved by them. Soonest to expire first.
 */
export function awaitingApprovalBy(
  viewer: string,
  requests: readonly PurchaseRequest[],
  now: Date,
): PurchaseRequest[] {
  return requests
    .filter(
      (r) =>
        r.state === 'pending' &&
        !isOverdue(r, now) &&
        r.requester !== viewer &&
        !(r.approvals ?? []).some((a) => a.by === viewer),
    )
    .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime() || (a.id < b.id ? -1 : 1));
}

// ---------------------------------------------------------------------------------------------
// The account

function accountPart(status: Readable<StatusReport>): KnownBlock[] {
  const blocks: KnownBlock[] = [header('Reserved capacity')];
  if (!status.ok) {
    blocks.push(warning(`The account could not be read: ${escapeMrkdwn(status.reason)}`));
    return blocks;
  }
  const report = status.value;
  blocks.push(
    context(`as of ${formatDateTime(report.now)} · \`/slots status\` shows every offering`),
  );
  if (report.devicefarm) blocks.push(...deviceFarmSummary(report.devicefarm));
  if (report.mediaconnect) blocks.push(...mediaConnectSummary(report.mediaconnect, report.now));
  blocks.push(...renewalsPart(report));
  return blocks;
}

function deviceFarmSummary(outcome: Outcome<readonly SlotStatus[]>): KnownBlock[] {
  if (!outcome.ok) return onlyBlocks(unreadable('devicefarm', outcome.error).parts);
  const slots = outcome.value;
  if (slots.length === 0) return [section('*Device Farm* · no slots held.')];
  const held = slots.reduce((n, s) => n + s.currentQuantity, 0);
  const renewing = slots.reduce((n, s) => n + s.nextPeriodQuantity, 0);
  const now = totalsByCurrency(slots.map((s) => s.currentMonthlyCost));
  const next = totalsByCurrency(slots.map((s) => s.nextMonthlyCost));
  return [
    section(
      `*Device Farm* · ${count(held, 'slot')} held in ${count(slots.length, 'offering')} · ` +
        `*${moneyTotals(now)}* per month now\n` +
        `Next period: ${count(renewing, 'slot')}, *${moneyTotals(next)}* per month`,
    ),
  ];
}

function mediaConnectSummary(outcome: Outcome<readonly Reservation[]>, now: Date): KnownBlock[] {
  if (!outcome.ok) return onlyBlocks(unreadable('mediaconnect', outcome.error).parts);
  const reservations = outcome.value;
  if (reservations.length === 0) return [section('*MediaConnect* · no reservations.')];
  const active = reservations.filter(
    (r) => r.state === 'ACTIVE' && r.end.getTime() > now.getTime(),
  );
  const estimates = active.map((r) =>
    estimatedMonthlyCost(r.pricePerUnit, r.priceUnit, r.bandwidthMbps),
  );
  const known = estimates.filter((m): m is Money => m !== undefined);
  const mbps = active.reduce((n, r) => n + (r.bandwidthMbps ?? 0), 0);
  const cost =
    active.length === 0
      ? 'nothing active'
      : `${mbps} Mbps active, est. *${moneyTotals(totalsByCurrency(known))}* per month` +
        (known.length < active.length
          ? ` (${count(active.length - known.length, 'reservation')} without an estimate)`
          : '');
  return [
    section(
      `*MediaConnect* · ${count(reservations.length, 'reservation')} (${active.length} active) · ${cost}`,
    ),
  ];
}

interface Upcoming {
  readonly at: Date;
  readonly line: string;
  readonly order: number;
}

/**
 * Device Farm renewals (the next period's quantity, from its date) and MediaConnect reservations
 * ending (they do not renew), soonest first.
 */
function renewalsPart(report: StatusReport): KnownBlock[] {
  const upcoming: Upcoming[] = [];
  if (report.devicefarm?.ok) {
    [...report.devicefarm.value].sort(compareSlotStatus).forEach((s, i) => {
      if (!s.nextPeriodEffectiveOn) return;
      if (s.currentQuantity === 0 && s.nextPeriodQuantity === 0) return;
      upcoming.push({ at: s.nextPeriodEffectiveOn, line: renewalLine(s), order: i });
    });
  }
  if (report.mediaconnect?.ok) {
    const now = report.now;
    [...report.mediaconnect.value].sort(compareReservations).forEach((r, i) => {
      if (r.state !== 'ACTIVE' || r.end.getTime() <= now.getTime()) return;
      upcoming.push({ at: r.end, line: endingLine(r, now), order: 100_000 + i });
    });
  }
  if (upcoming.length === 0) return [];
  upcoming.sort((a, b) => a.at.getTime() - b.at.getTime() || a.order - b.order);
  const shown = upcoming.slice(0, RENEWALS_SHOWN);
  const blocks: KnownBlock[] = [section(['*Coming up*', ...shown.map((u) => u.line)].join('\n'))];
  const more = upcoming.length - shown.length;
  if (more > 0) blocks.push(context(`…and ${more} more: \`/slots status\` lists them all.`));
  return blocks;
}

function renewalLine(s: SlotStatus): string {
  const when = formatDate(s.nextPeriodEffectiveOn!);
  const what = `${platform(s.offering.platform)} · ${description(s.offering.description, 60)}`;
  let change: string;
  if (s.nextPeriodQuantity === 0) change = ':warning: lapses: nothing renews';
  else if (s.nextPeriodQuantity < s.currentQuantity) {
    change = `renews *${s.nextPeriodQuantity}* of ${s.currentQuantity} :warning: ${count(s.currentQuantity - s.nextPeriodQuantity, 'slot')} dropped`;
  } else change = `renews *${count(s.nextPeriodQuantity, 'slot')}*`;
  return `• ${when} · ${what} — ${change} (${money(s.nextMonthlyCost)}/mo)`;
}

function endingLine(r: Reservation, now: Date): string {
  const name = escapeMrkdwn(truncate(r.name.trim() || r.arn, 60));
  return (
    `• ${formatDate(r.end)} · MediaConnect *${name}* ends (${daysLeftLabel(now, r.end)}); ` +
    'it does not renew'
  );
}

function onlyBlocks(parts: readonly unknown[]): KnownBlock[] {
  return parts.filter((p): p is KnownBlock => !('kind' in (p as object)));
}

// ---------------------------------------------------------------------------------------------
// Requests

function toApprovePart(toApprove: Readable<readonly PurchaseRequest[]>, now: Date): KnownBlock[] {
  const blocks: KnownBlock[] = [header('Waiting for your approval')];
  if (!toApprove.ok) {
    blocks.push(warning(escapeMrkdwn(toApprove.reason)));
    return blocks;
  }
  const requests = toApprove.value;
  if (requests.length === 0) {
    blocks.push(section('Nothing is waiting for your approval.'));
    return blocks;
  }
  for (const r of requests.slice(0, TO_APPROVE_SHOWN)) {
    blocks.push(
      { ...section(toApproveText(r, now)), block_id: `${HOME_TO_APPROVE_BLOCK}:${r.id}` },
      decisionButtons(r),
    );
  }
  const more = requests.length - TO_APPROVE_SHOWN;
  if (more > 0) {
    blocks.push(
      context(
        `…and ${count(more, 'more request')} waiting for you: \`/slots pending\` lists them, and each has its card in the approvals channel.`,
      ),
    );
  }
  return blocks;
}

/** `1 of 2 approvals (<@U1>)`, for requests that need more than one approver. */
export function approvalsText(r: PurchaseRequest): string {
  const approvals = r.approvals ?? [];
  const by = approvals.length > 0 ? ` (${approvals.map((a) => mention(a.by)).join(', ')})` : '';
  return `${approvals.length} of ${r.approvalsNeeded} approvals${by}`;
}

function toApproveText(r: PurchaseRequest, now: Date): string {
  const lines = [
    `*${code(r.id)}* · ${actionKindText(r.action)} · ${actionShortText(r)}`,
    `*${commitmentText(r.quote, r.action)}* · asked by ${mention(r.requester)} ${relativeTime(now, r.createdAt)} · expires ${relativeTime(now, r.expiresAt)}`,
  ];
  const reason = r.reason.trim();
  if (reason) lines.push(`>${escapeMrkdwn(truncate(reason.replace(/\s+/g, ' '), 200))}`);
  if ((r.approvalsNeeded ?? 1) > 1) lines.push(`:busts_in_silhouette: ${approvalsText(r)}`);
  return lines.join('\n');
}

function decisionButtons(r: PurchaseRequest): types.ActionsBlock {
  return {
    type: 'actions',
    block_id: `home_decide:${r.id}`,
    elements: [
      {
        type: 'button',
        action_id: APPROVE_ACTION,
        text: { type: 'plain_text', text: 'Approve', emoji: true },
        style: 'primary',
        value: r.id,
        confirm: {
          title: {
            type: 'plain_text',
            text: truncate(`Approve request ${r.id}?`, CONFIRM_LIMITS.title),
          },
          text: { type: 'mrkdwn', text: approveConfirmText(r) },
          confirm: {
            type: 'plain_text',
            text: r.action.kind === 'renew' ? 'Approve renewal' : 'Approve and buy',
          },
          deny: { type: 'plain_text', text: 'Not yet' },
          style: 'primary',
        },
      },
      {
        type: 'button',
        action_id: REJECT_ACTION,
        text: { type: 'plain_text', text: 'Reject', emoji: true },
        style: 'danger',
        value: r.id,
      },
    ],
  };
}

function ownPart(own: Readable<readonly PurchaseRequest[]>, now: Date): KnownBlock[] {
  const blocks: KnownBlock[] = [header('Your requests')];
  if (!own.ok) {
    blocks.push(warning(escapeMrkdwn(own.reason)));
    return blocks;
  }
  if (own.value.length === 0) {
    blocks.push(
      section(
        'You have not asked for anything yet: `/slots purchase` or `/slots renew` starts a request.',
      ),
    );
    return blocks;
  }
  for (const r of own.value.slice(0, OWN_SHOWN)) {
    const block: types.SectionBlock = {
      ...section(ownText(r, now)),
      block_id: `${HOME_OWN_BLOCK}:${r.id}`,
    };
    if (r.state === 'pending' && !isOverdue(r, now)) {
      block.accessory = {
        type: 'button',
        action_id: CANCEL_ACTION,
        text: { type: 'plain_text', text: 'Cancel request', emoji: true },
        value: r.id,
        confirm: {
          title: {
            type: 'plain_text',
            text: truncate(`Cancel request ${r.id}?`, CONFIRM_LIMITS.title),
          },
          text: {
            type: 'mrkdwn',
            text: 'Nothing will be bought, and approvers can no longer approve it.',
          },
          confirm: { type: 'plain_text', text: 'Cancel request' },
          deny: { type: 'plain_text', text: 'Keep it' },
          style: 'danger',
        },
      };
    }
    blocks.push(block);
  }
  // Only one more than is shown is read, so the rest are pointed to, not counted.
  if (own.value.length > OWN_SHOWN) {
    blocks.push(context('Your earlier requests: `/slots history` lists them.'));
  }
  return blocks;
}

function ownText(r: PurchaseRequest, now: Date): string {
  return (
    `*${code(r.id)}* · ${actionKindText(r.action)} · ${actionShortText(r)} · ` +
    `${commitmentText(r.quote, r.action)} · asked ${relativeTime(now, r.createdAt)}\n${ownState(r, now)}`
  );
}

/** Where the request stands, in the requester's words. */
export function ownState(r: PurchaseRequest, now: Date): string {
  switch (r.state) {
    case 'pending': {
      if (isOverdue(r, now)) return `${STATE_EMOJI.expired} expired without a decision`;
      const approvals = (r.approvalsNeeded ?? 1) > 1 ? ` · ${approvalsText(r)}` : '';
      return `${STATE_EMOJI.pending} waiting for approval, expires ${relativeTime(now, r.expiresAt)}${approvals}`;
    }
    case 'dry_run':
      return ':test_tube: dry run: approved, and nothing was sent to AWS';
    case 'succeeded': {
      const ref = outcomeRef(r);
      return `${STATE_EMOJI.succeeded} ${STATE_LABEL.succeeded}${ref ? `, ${ref}` : ''}`;
    }
    case 'failed': {
      const message = r.outcome?.message?.trim();
      return `${STATE_EMOJI.failed} failed${message ? `: ${escapeMrkdwn(truncate(message, 120))}` : ''}`;
    }
    case 'unknown':
      return `${STATE_EMOJI.unknown} *outcome unknown: slots-bot is checking AWS; it will not be retried*`;
    case 'rejected':
      return `${STATE_EMOJI.rejected} rejected${r.decidedBy ? ` by ${mention(r.decidedBy)}` : ''}`;
    case 'cancelled':
      return `${STATE_EMOJI.cancelled} cancelled`;
    default:
      return `${STATE_EMOJI[r.state] ?? ''} ${STATE_LABEL[r.state] ?? escapeMrkdwn(r.state)}`.trim();
  }
}
