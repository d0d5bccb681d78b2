/**
 * Direct messages to the requester about their request (outbox kind `dm`): approved, rejected,
 * expired, succeeded, failed, dry run. The outbox message's `about` decides which is said; the
 * details (who, what AWS answered) come from the request as stored when it is delivered. Each
 * names the request id and, once it is posted, the channel of its card.
 */
import { formatDateTime } from '../../domain/dates.js';
import type { PurchaseRequest } from '../../domain/requests.js';
import { dryRunCallText } from './dry-run.js';
import { context, fallback, type KnownBlock, type SlackMessage, section } from './message.js';
import { channelLink, code, escapeMrkdwn, mention, truncate } from './mrkdwn.js';
import {
  actionSentence,
  approversText,
  commitmentText,
  outcomeRef,
  quoted,
  STATE_EMOJI,
  STATE_LABEL,
} from './request-text.js';

export type DirectMessageAbout =
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'succeeded'
  | 'failed'
  | 'dry_run';

export const DM_ABOUT: readonly DirectMessageAbout[] = [
  'approved',
  'rejected',
  'expired',
  'succeeded',
  'failed',
  'dry_run',
];

export interface DirectMessageOptions {
  /** SLOTS_DRY_RUN: an approval leads to a dry run, not a purchase. */
  readonly dryRun: boolean;
}

const NOTE_SHOWN_MAX = 500;
const MESSAGE_SHOWN_MAX = 600;

function isAbout(value: unknown): value is DirectMessageAbout {
  return typeof value === 'string' && (DM_ABOUT as readonly string[]).includes(value);
}

/** The message for `about` (`payload.about`); an unknown `about` gets the request's state. */
export function directMessage(
  request: PurchaseRequest,
  about: unknown,
  options: DirectMessageOptions,
): SlackMessage {
  const subject = `Your request ${code(request.id)} to ${actionSentence(request, 60)}`;
  const lines = isAbout(about)
    ? aboutText(request, about, subject, options)
    : [
        `${STATE_EMOJI[request.state]} ${subject} is ${STATE_LABEL[request.state]}.`,
        cardPointer(request),
      ];
  const text = lines
    .filter(Boolean)
    .join(' ')
    .replace(/ ?\n ?/g, '\n');
  const blocks: KnownBlock[] = [section(text)];
  const call = request.outcome?.dryRun;
  if (about === 'dry_run' && call) blocks.push(section(dryRunCallText(call)));
  blocks.push(context(footer(request)));
  return { text: fallback(fallbackText(request, about)), blocks };
}

function aboutText(
  request: PurchaseRequest,
  about: DirectMessageAbout,
  subject: string,
  options: DirectMessageOptions,
): string[] {
  const who = approversText(request) || 'an approver';
  switch (about) {
    case 'approved': {
      const dry = options.dryRun || request.state === 'dry_run';
      const next = dry
        ? 'This is a dry run (`SLOTS_DRY_RUN=true`): slots-bot shows the call it would send to AWS instead of sending it, and nothing is bought.'
        : request.state === 'executing'
          ? 'slots-bot is buying now; you will hear here what AWS answers.'
          : 'What AWS answered follows here.';
      return [`:thumbsup: ${subject} was approved by ${who}.`, next, cardPointer(request)];
    }
    case 'rejected': {
      const by = request.decidedBy ? mention(request.decidedBy) : 'an approver';
      const note = request.decisionNote?.trim();
      return [
        `${STATE_EMOJI.rejected} ${subject} was rejected by ${by}${at(request.decidedAt)}. Nothing was bought.`,
        cardPointer(request),
        note ? `\nTheir reason:\n${quoted(note, NOTE_SHOWN_MAX)}` : 'They gave no reason.',
      ];
    }
    case 'expired':
      return [
        `${STATE_EMOJI.expired} ${subject} expired${at(request.finishedAt ?? request.expiresAt)} without a decision. Nothing was bought; ask again if it is still needed.`,
        cardPointer(request),
      ];
    case 'succeeded': {
      const ref = outcomeRef(request);
      return [
        `${STATE_EMOJI.succeeded} ${subject} succeeded: it commits ${commitmentText(request.quote)}.`,
        ref ? `AWS ${ref}.` : '',
        request.approvals.length > 0 || request.decidedBy ? `Approved by ${who}.` : '',
        cardPointer(request),
      ];
    }
    case 'failed': {
      const message = request.outcome?.message?.trim();
      const shown = message ? escapeMrkdwn(truncate(message, MESSAGE_SHOWN_MAX)) : '';
      const errorCode = request.outcome?.errorCode ? ` (${code(request.outcome.errorCode)})` : '';
      const nothing = /nothing was bought/i.test(shown) ? '' : ' Nothing was bought.';
      return [
        `${STATE_EMOJI.failed} ${subject} failed.${shown ? ` ${shown}` : ''}${errorCode}${nothing}`,
        cardPointer(request),
      ];
    }
    case 'dry_run':
      return [
        `${STATE_EMOJI.dry_run} ${subject} was approved by ${who} in a dry run: nothing was bought.`,
        cardPointer(request),
        request.outcome?.dryRun
          ? 'This is the call slots-bot would have sent to AWS, and did not:'
          : 'The call it would have sent was not recorded.',
      ];
  }
}

function at(date: Date | undefined): string {
  return date ? ` at ${formatDateTime(date)}` : '';
}

/** `Its card is in <#C…>.`; empty while the card is not posted. */
function cardPointer(request: PurchaseRequest): string {
  return request.card ? `Its card is in ${channelLink(request.card.channel)}.` : '';
}

function footer(request: PurchaseRequest): string {
  const parts = [`Request ${code(request.id)}`, `asked ${formatDateTime(request.createdAt)}`];
  if (request.card) parts.push(`card in ${channelLink(request.card.channel)}`);
  return parts.join(' · ');
}

const FALLBACK: Readonly<Record<DirectMessageAbout, string>> = {
  approved: 'was approved',
  rejected: 'was rejected',
  expired: 'expired',
  succeeded: 'succeeded',
  failed: 'failed',
  dry_run: 'was approved in a dry run; nothing was bought',
};

function fallbackText(request: PurchaseRequest, about: unknown): string {
  const what = isAbout(about) ? FALLBACK[about] : `is ${STATE_LABEL[request.state]}`;
  return `Your request ${request.id} ${what}.`;
}
