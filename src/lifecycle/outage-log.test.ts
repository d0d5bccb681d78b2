import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { outageLog } from './outage-log.js';

describe('outageLog', () => {
  it('warns once per run of failures, and says when it ended and how long it lasted', () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: { write: (line: string) => void lines.push(line) },
    });
    let now = 1_000;
    const log = outageLog(logger, 'down', 'up', () => now);

    log.succeeded();
    log.failed(new Error('a'));
    now += 500;
    log.failed(new Error('b'));
    log.failed(new Error('c'));
    now += 500;
    log.succeeded();
    log.succeeded();
    log.failed(new Error('d'));

    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'warn down',
      'debug down',
      'debug down',
      'info up',
      'warn down',
    ]);
    expect(parsed[3]).toMatchObject({ failures: 3, forMs: 1_000 });
  });
});
