/** How the outbox draws each kind of message, always from the request's current state. */

import { BOT_ACTOR, type PurchaseRequest } from '../domain/requests.js';
import type { Clock } from '../lifecycle/clock.js';
import type { OutboxRenderer } from '../notices/outbox.js';
import { directMessage } from './views/direct-messages.js';
import { reminderReply } from './views/reminder.js';
import {
  type CardOptions,
  cardUndeliverableNote,
  outcomeReply,
  refusal,
  requestCard,
  requesterConfirmation,
} from './views/request-card.js';

/** `options`: SLOTS_APPROVERS (named on cards still missing approvals) and SLOTS_DRY_RUN. */
export function createOutboxRenderer(clock: Clock, options: CardOptions): OutboxRenderer {
  return {
    card: (request) => requestCard(request, clock(), options),
    threadReply: (request, payload) =>
      payload.about === 'reminder'
        ? reminderReply(request, payload, clock())
        : outcomeReply(request),
    dm: (request, payload) => directMessage(request, payload.about, options),
    ephemeral: (request, payload, channel) => {
      if (!request || payload.about !== 'requested') return refusal(String(payload.text ?? ''));
      const where = request.card?.channel ?? channel;
      return isCardUndeliverable(request)
        ? cardUndeliverableNote(request, where)
        : requesterConfirmation(request, where);
    },
  };
}

/**
 * A request slots-bot cancelled because Slack would never take its card (`cardUndeliverable`):
 * cancelled by the bot, with the reason as its note, and no card.
 */
export function isCardUndeliverable(request: PurchaseRequest): boolean {
  return (
    request.state === 'cancelled' &&
    request.card === undefined &&
    (request.decidedBy === undefined || request.decidedBy === BOT_ACTOR) &&
    Boolean(request.decisionNote?.trim())
  );
}
