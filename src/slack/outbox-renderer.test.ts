import { describe, expect, it } from 'vitest';
import { blockText } from '../../test/helpers/blocks.js';
import { deviceFarmRequest } from '../../test/helpers/quotes.js';
import type { PurchaseRequest } from '../domain/requests.js';
import { createOutboxRenderer, isCardUndeliverable } from './outbox-renderer.js';
import { DRY_RUN_BANNER_BLOCK } from './views/dry-run.js';

const NOW = new Date('2026-11-22T09:05:00Z');

const request = deviceFarmRequest;

const undeliverable = (note: string) =>
  request({
    state: 'cancelled',
    decidedBy: 'slots-bot',
    decidedAt: NOW,
    decisionNote: note,
  });

const render = createOutboxRenderer(() => NOW, { approvers: [], dryRun: false });
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

describe('the renderer for issue 12', () => {
  const options = { approvers: ['U0BOB', 'S0APPROVERS'], dryRun: true };
  const r = createOutboxRenderer(() => NOW, options);

  it('draws cards with the configured approvers and the dry-run banner', () => {
    const card = r.card(request({ approvalsNeeded: 2 }));
    expect(card.blocks[0]).toMatchObject({ type: 'context', block_id: DRY_RUN_BANNER_BLOCK });
    expect(blockText(card)).toContain('Needs *2* from <@U0BOB>, <!subteam^S0APPROVERS>');
  });

  it('draws a reminder in the thread from its payload, and the outcome otherwise', () => {
    const reminder = r.threadReply(request(), {
      about: 'reminder',
      n: 1,
      mention: ['U0BOB', 'S0APPROVERS'],
    });
    expect(blockText(reminder)).toContain('*Reminder 1 of 3:* request `R7K2M9QX` from <@U0ALICE>');
    expect(blockText(reminder)).toContain('<@U0BOB> <!subteam^S0APPROVERS>');
    const outcome = r.threadReply(
      request({ state: 'succeeded', decidedBy: 'U0BOB', outcome: { transactionId: 'tx-1' } }),
      {},
    );
    expect(blockText(outcome)).toContain('succeeded');
    expect(blockText(outcome)).not.toContain('Reminder');
  });

  it('draws a direct message by its about, with the dry-run option', () => {
    const approved = r.dm(request({ state: 'executing', decidedBy: 'U0BOB' }), {
      about: 'approved',
    });
    expect(blockText(approved)).toContain('was approved by <@U0BOB>');
    expect(blockText(approved)).toContain('This is a dry run');
    const wet = createOutboxRenderer(() => NOW, { approvers: [], dryRun: false });
    expect(
      blockText(wet.dm(request({ state: 'executing', decidedBy: 'U0BOB' }), { about: 'approved' })),
    ).toContain('slots-bot is buying now');
    expect(
      blockText(r.dm(request({ state: 'rejected', decidedBy: 'U0BOB' }), { about: 'rejected' })),
    ).toContain('was rejected by <@U0BOB>');
  });
});
