import { describe, expect, it } from 'vitest';
import { blockText, contextTexts, sectionTexts } from '../../../test/helpers/blocks.js';
import {
  deviceFarmQuote,
  deviceFarmRequest,
  mediaConnectQuote,
} from '../../../test/helpers/quotes.js';
import type { PurchaseRequest } from '../../domain/requests.js';
import { DM_ABOUT, directMessage } from './direct-messages.js';
import { limitViolations } from './message.js';

const T = new Date('2026-11-22T09:30:00Z');
const CALL = {
  operation: 'devicefarm:PurchaseOffering',
  region: 'us-west-2',
  parameters: { offeringId: 'off-1', quantity: 3 },
};

function request(over: Partial<PurchaseRequest> = {}): PurchaseRequest {
  return deviceFarmRequest({
    card: { channel: 'C0SLOTS', ts: '1700000000.000100' },
    version: 2,
    ...over,
  });
}

const approvedBy = (...ids: string[]): Partial<PurchaseRequest> => ({
  approvals: ids.map((by) => ({ by, at: T })),
  approvalsNeeded: Math.max(1, ids.length),
  decidedBy: ids.at(-1),
  decidedAt: T,
});

const wet = { dryRun: false };
const dry = { dryRun: true };
const SUBJECT =
  'Your request `R7K2M9QX` to buy *3 slots* of *Android Remote Access Unmetered Device Slot*';

describe('directMessage', () => {
  const cases: ReadonlyArray<
    readonly [string, string, Partial<PurchaseRequest>, { dryRun: boolean }, readonly string[]]
  > = [
    [
      'approved, buying now',
      'approved',
      { state: 'executing', ...approvedBy('U0BOB') },
      wet,
      [
        `:thumbsup: ${SUBJECT} was approved by <@U0BOB>.`,
        'slots-bot is buying now; you will hear here what AWS answers.',
      ],
    ],
    [
      'approved by two',
      'approved',
      { state: 'executing', ...approvedBy('U0BOB', 'W0CAROL') },
      wet,
      ['was approved by <@U0BOB> and <@W0CAROL>.'],
    ],
    [
      'approved in a dry run',
      'approved',
      { state: 'executing', ...approvedBy('U0BOB') },
      dry,
      ['This is a dry run (`SLOTS_DRY_RUN=true`)', 'nothing is bought'],
    ],
    [
      'approved, delivered after the outcome',
      'approved',
      { state: 'succeeded', ...approvedBy('U0BOB'), outcome: { transactionId: 'tx-1' } },
      wet,
      ['was approved by <@U0BOB>.', 'What AWS answered follows here.'],
    ],
    [
      'rejected with a reason',
      'rejected',
      { state: 'rejected', decidedBy: 'U0BOB', decidedAt: T, decisionNote: 'Use the iOS slots' },
      wet,
      [
        `:no_entry_sign: ${SUBJECT} was rejected by <@U0BOB> at 22 Nov 2026, 09:30 UTC. Nothing was bought.`,
        'Their reason:\n>Use the iOS slots',
      ],
    ],
    [
      'rejected without a reason',
      'rejected',
      { state: 'rejected', decidedBy: 'U0BOB', decidedAt: T },
      wet,
      ['was rejected by <@U0BOB>', 'They gave no reason.'],
    ],
    [
      'expired',
      'expired',
      { state: 'expired', finishedAt: new Date('2026-11-23T09:00:05Z') },
      wet,
      [
        `:hourglass: ${SUBJECT} expired at 23 Nov 2026, 09:00 UTC without a decision. Nothing was bought; ask again if it is still needed.`,
      ],
    ],
    [
      'succeeded',
      'succeeded',
      { state: 'succeeded', ...approvedBy('U0BOB'), outcome: { transactionId: 'tx-42' } },
      wet,
      [
        `:white_check_mark: ${SUBJECT} succeeded: it commits $750.00 per month.`,
        'AWS transaction `tx-42`.',
        'Approved by <@U0BOB>.',
      ],
    ],
    [
      'failed',
      'failed',
      {
        state: 'failed',
        ...approvedBy('U0BOB'),
        outcome: { errorCode: 'quote_changed', message: 'The price changed; request again.' },
      },
      wet,
      [
        `:x: ${SUBJECT} failed. The price changed; request again. (\`quote_changed\`) Nothing was bought.`,
      ],
    ],
    [
      'dry run',
      'dry_run',
      { state: 'dry_run', ...approvedBy('U0BOB'), outcome: { dryRun: CALL } },
      dry,
      [
        `:test_tube: ${SUBJECT} was approved by <@U0BOB> in a dry run: nothing was bought.`,
        'This is the call slots-bot would have sent to AWS, and did not:',
        '*Not sent to AWS:* `devicefarm:PurchaseOffering` in `us-west-2`',
        'offeringId: "off-1"\nquantity: 3',
      ],
    ],
  ];

  it.each(cases)('%s', (_, about, over, options, expected) => {
    const m = directMessage(request(over), about, options);
    const text = blockText(m);
    for (const e of expected) expect(text).toContain(e);
    expect(sectionTexts(m)[0]).toContain('Its card is in <#C0SLOTS>.');
    expect(contextTexts(m)).toEqual([
      'Request `R7K2M9QX` · asked 22 Nov 2026, 09:00 UTC · card in <#C0SLOTS>',
    ]);
    expect(m.text).toMatch(/^Your request R7K2M9QX /);
    expect(JSON.stringify(m.blocks)).not.toContain('action_id');
    expect(limitViolations(m)).toEqual([]);
  });

  it('has a message for every kind the store names', () => {
    for (const about of DM_ABOUT) {
      expect(directMessage(request(), about, wet).text).not.toContain(' is pending');
    }
  });

  it('names a MediaConnect reservation it bought', () => {
    const arn = 'arn:aws:mediaconnect:us-west-2:111122223333:reservation:abc:live-2026';
    const m = directMessage(
      request({
        state: 'succeeded',
        action: {
          service: 'mediaconnect',
          kind: 'purchase',
          offeringArn: 'arn:aws:mediaconnect:us-west-2::offering:MC10',
          reservationName: 'live-2026',
        },
        quote: mediaConnectQuote(),
        outcome: { reservationArn: arn },
      }),
      'succeeded',
      wet,
    );
    expect(blockText(m)).toContain(`AWS reservation \`${arn}\`.`);
  });

  it('leaves the card out while it is not posted, and says the state for an unknown kind', () => {
    const { card: _, ...unposted } = request();
    const m = directMessage(unposted, 'something_new', wet);
    expect(blockText(m)).toContain(`${SUBJECT} is pending.`);
    expect(blockText(m)).not.toContain('<#');
    expect(m.text).toBe('Your request R7K2M9QX is pending.');
  });

  it('escapes what came from people and AWS, and stays within limits', () => {
    const nasty = `<!channel> & ${'word '.repeat(2000)}`;
    for (const about of DM_ABOUT) {
      const m = directMessage(
        request({
          state: 'failed',
          decidedBy: 'U0BOB',
          decisionNote: nasty,
          outcome: { message: nasty, errorCode: 'x'.repeat(300), dryRun: CALL },
          quote: deviceFarmQuote(3, nasty),
        }),
        about,
        wet,
      );
      expect(blockText(m)).not.toContain('<!channel>');
      expect(limitViolations(m)).toEqual([]);
    }
  });
});
