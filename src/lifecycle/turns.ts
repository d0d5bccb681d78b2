/**
 * One turn of the event loop each, for work that becomes ready all at once. When a shared AWS
 * read ends, every command waiting on it resumes in the same burst of microtasks; answering all
 * of them there (render, serialise, send) would hold the loop for as long as that takes, and the
 * acks of requests arriving meanwhile would wait behind it. Taking turns lets the loop read new
 * requests between two answers.
 */
import { yieldToEventLoop } from './slices.js';

/** Returns `turn()`: resolves once every earlier caller has had its turn, then one more loop turn. */
export function createTurns(): () => Promise<void> {
  let last: Promise<void> = Promise.resolve();
  return () => {
    const mine = last.then(yieldToEventLoop);
    last = mine;
    return mine;
  };
}
