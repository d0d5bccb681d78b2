import { describe, expect, it } from 'vitest';
import { blockText, sectionTexts } from '../../../test/helpers/blocks.js';
import { deviceFarmRequest } from '../../../test/helpers/quotes.js';
import type { PurchaseRequest } from '../../domain/requests.js';
import { limitViolations } from './message.js';
import { REMINDER_MENTIONS_BLOCK, reminderReply } from './reminder.js';

const CREATED = new Date('2026-11-22T01:00:00Z');
const NOW = new Date('2026-11-22T09:00:00Z');

function request(over: Partial<PurchaseRequest> = {}): PurchaseRequest {
  return deviceFarmRequest({
    createdAt: CREATED,
    expiresAt: new Date('2026-11-23T01:00:00Z'),
    remindersSent: 1,
    version: 3,
    ...over,
  });
}

const mentionsOf = (m: ReturnType<typeof reminderReply>) =>
  m.blocks.flatMap((b) =>
    b.type === 'section' && b.block_id === REMINDER_MENTIONS_BLOCK && b.text ? [b.text.text] : [],
  );

describe('reminderReply', () => {
  it.each([
    [1, 'Reminder 1 of 3'],
    [2, 'Reminder 2 of 3'],
    [3, 'Reminder 3 of 3'],
    [7, 'Reminder'],
    ['2', 'Reminder'],
  ] as const)('n = %j reads "%s"', (n, which) => {
    const m = reminderReply(request(), { about: 'reminder', n, mention: [] }, NOW);
    expect(sectionTexts(m)[0]).toMatch(new RegExp(`^:bell: \\*${which}:\\* request`));
  });

  it('says whose request, what, how long it has waited and when it expires', () => {
    const m = reminderReply(request(), { about: 'reminder', n: 2, mention: ['U0BOB'] }, NOW);
    expect(sectionTexts(m)[0]).toBe(
      ':bell: *Reminder 2 of 3:* request `R7K2M9QX` from <@U0ALICE> to buy *3 slots* of ' +
        '*Android Remote Access Unmetered Device Slot* has waited 8 hours for approval ' +
        '(expires 23 Nov 2026, 01:00 UTC, in 16 h).',
    );
    expect(m.text).toContain('Reminder 2 of 3: request R7K2M9QX has waited 8 hours for approval.');
    expect(limitViolations(m)).toEqual([]);
  });

  it('mentions everyone it is asked to, users and user groups, each once', () => {
    const m = reminderReply(
      request(),
      { about: 'reminder', n: 1, mention: ['U0BOB', 'S0APPROVERS', 'W0CAROL', 'U0BOB'] },
      NOW,
    );
    expect(mentionsOf(m)).toEqual(['<@U0BOB> <!subteam^S0APPROVERS> <@W0CAROL>']);
    expect(m.text).toContain('<@U0BOB> <!subteam^S0APPROVERS> <@W0CAROL>');
  });

  it('leaves out anything that is not a user or group id, and mentions nobody without a list', () => {
    const m = reminderReply(
      request(),
      { about: 'reminder', n: 1, mention: ['<!channel>', 'here', 42, 'C0SLOTS', 'U0BOB'] },
      NOW,
    );
    expect(mentionsOf(m)).toEqual(['<@U0BOB>']);
    expect(blockText(m)).not.toContain('channel');
    expect(mentionsOf(reminderReply(request(), { about: 'reminder', n: 1 }, NOW))).toEqual([]);
  });

  it('keeps hundreds of mentions within limits, whole, counting the rest', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `U${String(i).padStart(10, '0')}`);
    const m = reminderReply(request(), { about: 'reminder', n: 1, mention: ids }, NOW);
    expect(limitViolations(m)).toEqual([]);
    const [line] = mentionsOf(m);
    expect(line).toMatch(/<@U\d{10}> and \d+ more$/);
    expect(m.text).not.toContain('<@');
  });

  it('says how many approvals a request needing several has', () => {
    const m = reminderReply(
      request({ approvalsNeeded: 2, approvals: [{ by: 'U0BOB', at: NOW }] }),
      { about: 'reminder', n: 1, mention: ['W0CAROL'] },
      NOW,
    );
    expect(sectionTexts(m)[0]).toContain('It has 1 of 2 approvals (<@U0BOB>).');
  });

  it.each([
    [{ state: 'executing' as const, decidedBy: 'U0BOB' }, NOW, 'it is buying.'],
    [{ state: 'rejected' as const, decidedBy: 'U0BOB' }, NOW, 'it is rejected.'],
    [{}, new Date('2026-11-23T01:00:00Z'), 'it is expired.'],
  ])('says a request decided since no longer waits, and mentions nobody', (over, now, said) => {
    const m = reminderReply(request(over), { about: 'reminder', n: 2, mention: ['U0BOB'] }, now);
    expect(blockText(m)).toContain(
      'Reminder 2 of 3: request `R7K2M9QX` no longer waits for approval',
    );
    expect(blockText(m)).toContain(said);
    expect(blockText(m)).not.toContain('<@U0BOB>');
    expect(mentionsOf(m)).toEqual([]);
  });
});
