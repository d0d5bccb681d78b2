import { describe, expect, it } from 'vitest';
import { blockText } from '../../test/helpers/blocks.js';
import { deviceFarmQuote } from '../../test/helpers/quotes.js';
import type { PurchaseRequest } from '../domain/requests.js';
import { createOutboxRenderer, isCardUndeliverable } from './outbox-renderer.js';

const NOW = new Date('2026-11-22T09:05:00Z');

function request(over: Partial<PurchaseRequest> = {}): PurchaseRequest {
  return {
    id: 'R7K2M9QX',
    state: 'pending',
    action: { service: 'devicefarm', kind: 'purchase', offeringId: 'off-1', quantity: 3 },
    quote: deviceFarmQuote(3),
    requester: 'U0ALICE',
    reason: 'release testing',
    createdAt: new Date('2026-11-22T09:00:00Z'),
    expiresAt: new Date('2026-11-23T09:00:00Z'),
    version: 1,
    ...over,
  };
}

const undeliverable = (note: string) =>
  request({
    state: 'cancelled',
    decidedBy: 'slots-bot',
    decidedAt: NOW,
    decisionNote: note,
  });

const render = createOutboxRenderer(() => NOW);
const confirmation = (r: PurchaseRequest) =>
  blockText(render.ephemeral(r, { about: 'requested' }, 'C0SLOTS'));

describe('the requester confirmation', () => {
  it('says where the request waits: the card, or the channel it is going to', () => {
    expect(confirmation(request())).toContain(
      'Request R7K2M9QX is waiting for approval in <#C0SLOTS>',
    );
    expect(confirmation(request({ card: { channel: 'C0CARD', ts: '1.2' } }))).toContain(
      'waiting for approval in <#C0CARD>',
    );
  });

  it('tells a late confirmation what became of the request', () => {
    const text = confirmation(
      request({ state: 'rejected', decidedBy: 'U0BOB', card: { channel: 'C0SLOTS', ts: '1.2' } }),
    );
    expect(text).toContain('Request R7K2M9QX is rejected; its card in <#C0SLOTS>');
    expect(text).not.toContain('waiting');
  });

  it.each([
    [
      'slots-bot is not a member of the channel (Slack: not_in_channel)',
      'Ask an admin to invite slots-bot to the channel, then request again.',
    ],
    [
      'Slack cannot find the channel, or slots-bot cannot see it (Slack: channel_not_found)',
      'Ask an admin to invite slots-bot to the channel, then request again.',
    ],
    [
      'the channel is archived (Slack: is_archived)',
      'Ask an admin to unarchive the channel or set SLOTS_CHANNEL to another one',
    ],
    [
      'Slack refused the card (Slack: invalid_blocks)',
      "Ask an admin to check slots-bot's logs and its Slack app",
    ],
  ])('says a card that could not be posted was cancelled, and why: %s', (note, advice) => {
    const text = confirmation(undeliverable(note));
    expect(text).toContain(
      `Your request R7K2M9QX could not be posted in <#C0SLOTS>: ${note}. It was cancelled; nothing will be bought. ${advice}`,
    );
    expect(text).not.toContain('waiting');
  });

  it('tells the undeliverable case apart from an ordinary cancel', () => {
    expect(isCardUndeliverable(undeliverable('slots-bot is not a member (Slack: x)'))).toBe(true);
    // The requester cancelled (possibly before the card was posted): no reason, not the bot.
    expect(isCardUndeliverable(request({ state: 'cancelled', decidedBy: 'U0ALICE' }))).toBe(false);
    expect(
      isCardUndeliverable({
        ...undeliverable('x'),
        card: { channel: 'C0SLOTS', ts: '1.2' },
      }),
    ).toBe(false);
    expect(isCardUndeliverable(request({ decisionNote: 'x' }))).toBe(false);
  });

  it('renders a refusal from its text', () => {
    expect(blockText(render.ephemeral(undefined, { text: 'Not now.' }, 'C0SLOTS'))).toContain(
      'Not now.',
    );
  });
});
