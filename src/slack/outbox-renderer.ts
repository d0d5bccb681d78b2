/** How the outbox draws each kind of message, always from the request's current state. */
import type { Clock } from '../lifecycle/clock.js';
import type { OutboxRenderer } from '../notices/outbox.js';
import { outcomeReply, refusal, requestCard, requesterConfirmation } from './views/request-card.js';

export function createOutboxRenderer(clock: Clock): OutboxRenderer {
  return {
    card: (request) => requestCard(request, clock()),
    threadReply: (request) => outcomeReply(request),
    ephemeral: (request, payload) =>
      request && payload.about === 'requested'
        ? requesterConfirmation(request, request.card?.channel)
        : refusal(String(payload.text ?? '')),
  };
}
