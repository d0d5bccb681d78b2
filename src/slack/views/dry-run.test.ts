import { describe, expect, it } from 'vitest';
import { contextTexts } from '../../../test/helpers/blocks.js';
import type { DryRunCall } from '../../domain/requests.js';
import { DRY_RUN_BANNER_BLOCK, DRY_RUN_TEXT, dryRunBanner, dryRunCallText } from './dry-run.js';
import { LIMITS, limitViolations, section } from './message.js';

const calls: ReadonlyArray<readonly [string, DryRunCall]> = [
  [
    'a Device Farm purchase with a promotion',
    {
      operation: 'devicefarm:PurchaseOffering',
      region: 'us-west-2',
      parameters: {
        offeringId: 'a6f1c1d2-3b4e-4f50-8a61-7b8c9d0e1f21',
        quantity: 3,
        offeringPromotionId: 'promo-android-free-month',
      },
    },
  ],
  [
    'a Device Farm renewal to 0',
    {
      operation: 'devicefarm:RenewOffering',
      region: 'us-west-2',
      parameters: { offeringId: 'off-1', quantity: 0 },
    },
  ],
  [
    'a MediaConnect reservation',
    {
      operation: 'mediaconnect:PurchaseOffering',
      region: 'eu-west-1',
      parameters: {
        OfferingArn: 'arn:aws:mediaconnect:eu-west-1:111122223333:offering:36KTUMS5RR10',
        ReservationName: 'live-2026',
        Start: '2026-11-22T09:00:00Z',
      },
    },
  ],
];

describe('dryRunCallText', () => {
  it.each(calls)(
    '%s: names the operation and region, and every parameter with its value',
    (_, call) => {
      const text = dryRunCallText(call);
      expect(text).toContain(`*Not sent to AWS:* \`${call.operation}\` in \`${call.region}\``);
      const block = text.split('```')[1] ?? '';
      const lines = block.split('\n');
      expect(lines).toEqual(
        Object.entries(call.parameters).map(([name, value]) => `${name}: ${JSON.stringify(value)}`),
      );
      expect(limitViolations({ text: 'x', blocks: [section(text)] })).toEqual([]);
    },
  );

  it('escapes values and cannot be closed early by a value', () => {
    const text = dryRunCallText({
      operation: 'devicefarm:PurchaseOffering',
      region: 'us-west-2',
      parameters: { offeringId: '<!channel> & ```', when: new Date('2026-01-01T00:00:00Z') },
    });
    expect(text).toContain('offeringId: "&lt;!channel&gt; &amp; `\u200b`\u200b`"');
    expect(text).toContain('when: "2026-01-01T00:00:00.000Z"');
    expect(text.match(/```/g)).toHaveLength(2);
  });

  it('stays within one section whatever is stored, counting what it leaves out', () => {
    const parameters = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`p${i}`, 'v'.repeat(5_000)]),
    );
    const text = dryRunCallText({ operation: 'x'.repeat(500), region: 'r', parameters });
    expect(text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    expect(text).toMatch(/… and \d+ more```$/);
    expect(dryRunCallText({ operation: 'o', region: 'r', parameters: {} })).toContain(
      '(no parameters)',
    );
  });
});

describe('dryRunBanner', () => {
  it('is one context block with the banner text', () => {
    const block = dryRunBanner();
    expect(block).toMatchObject({ type: 'context', block_id: DRY_RUN_BANNER_BLOCK });
    expect(contextTexts([block])).toEqual([DRY_RUN_TEXT]);
    expect(DRY_RUN_TEXT).toContain(
      ':test_tube: *Dry run* — slots-bot sends no purchase or renewal',
    );
    expect(DRY_RUN_TEXT).toContain('SLOTS_DRY_RUN=true');
  });
});
