import { setImmediate } from 'node:timers';
import { describe, expect, it } from 'vitest';
import { createTurns } from './turns.js';

describe('createTurns', () => {
  it('gives callers that are ready together one event-loop turn each, in order', async () => {
    const turn = createTurns();
    const order: string[] = [];
    // Something that arrives on the loop meanwhile (an ack) gets in between the turns.
    const arrivals = (n: number): Promise<void> =>
      new Promise((resolve) => {
        let left = n;
        const tick = () => {
          order.push('loop');
          if (--left === 0) resolve();
          else setImmediate(tick);
        };
        setImmediate(tick);
      });
    const loop = arrivals(3);
    await Promise.all(
      ['a', 'b', 'c'].map(async (name) => {
        await turn();
        order.push(name);
      }),
    );
    await loop;
    expect(order.filter((x) => x !== 'loop')).toEqual(['a', 'b', 'c']);
    // Never two answers without a loop turn between them.
    const answers = order.map((x, i) => (x === 'loop' ? -1 : i)).filter((i) => i >= 0);
    for (let i = 1; i < answers.length; i++)
      expect(answers[i]! - answers[i - 1]!).toBeGreaterThan(1);
  });
});
