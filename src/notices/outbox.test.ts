import { describe, expect, it } from 'vitest';
import { nextAttemptDelayMs } from './outbox.js';

describe('nextAttemptDelayMs', () => {
  it('doubles from one second with jitter between half and all of the step', () => {
    expect(nextAttemptDelayMs(1, undefined, () => 0)).toBe(500);
    expect(nextAttemptDelayMs(1, undefined, () => 1)).toBe(1_000);
    expect(nextAttemptDelayMs(4, undefined, () => 1)).toBe(8_000);
  });

  it('never waits more than ten minutes on its own', () => {
    expect(nextAttemptDelayMs(40, undefined, () => 1)).toBe(600_000);
  });

  it("waits at least as long as Slack's Retry-After", () => {
    expect(nextAttemptDelayMs(1, 30, () => 1)).toBe(30_000);
    expect(nextAttemptDelayMs(12, 1, () => 1)).toBe(600_000);
  });
});
