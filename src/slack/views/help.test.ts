import { describe, expect, it } from 'vitest';
import { parseCommand, USAGE } from '../command-grammar.js';
import { helpMessage, usageErrorMessage } from './help.js';
import { limitViolations, type SlackMessage } from './message.js';
import { escapeMrkdwn } from './mrkdwn.js';

function allText(m: SlackMessage): string {
  return m.blocks
    .flatMap((b) => {
      if (b.type === 'section') return [b.text?.text ?? ''];
      if (b.type === 'context') return b.elements.flatMap((e) => ('text' in e ? [e.text] : []));
      return [];
    })
    .join('\n');
}

describe('helpMessage', () => {
  it('lists every usage line of the grammar, as code', () => {
    const text = allText(helpMessage());
    for (const { syntax, summary } of USAGE) {
      // Placeholders such as <quantity> are escaped, or Slack would read them as links.
      expect(text).toContain(`\`${escapeMrkdwn(syntax)}\``);
      expect(text).toContain(escapeMrkdwn(summary));
    }
    expect(text).toContain('/slots status [devicefarm|mediaconnect]');
    expect(text).toContain('/slots offerings [devicefarm|mediaconnect]');
  });

  it('names the service aliases people may type', () => {
    const text = allText(helpMessage());
    for (const alias of ['df', 'device-farm', 'mc', 'media-connect'])
      expect(text).toContain(`\`${alias}\``);
  });

  it('lists the request commands', () => {
    const text = allText(helpMessage());
    for (const command of ['/slots purchase', '/slots renew', '/slots pending', '/slots history']) {
      expect(text).toContain(command);
    }
  });

  it('says a MediaConnect term without a start starts when the request is approved', () => {
    const text = allText(helpMessage());
    expect(text).toContain(
      '`/slots purchase mediaconnect &lt;offering-arn&gt; &lt;reservation-name&gt; [start]` — request a MediaConnect reservation; start is UTC YYYY-MM-DDTHH:mm:SSZ, and without it the term starts when the request is approved',
    );
  });

  it('is within limits and has a fallback text', () => {
    const m = helpMessage();
    expect(limitViolations(m)).toEqual([]);
    expect(m.text).toContain('/slots');
  });
});

describe('usageErrorMessage', () => {
  it.each(['foo', 'status nope', 'offerings df mc'])(
    'shows the specific error for %j, then the usage',
    (input) => {
      const parsed = parseCommand(input);
      if (parsed.ok) throw new Error('expected a rejection');
      const m = usageErrorMessage(parsed.error);
      const [first] = m.blocks;
      expect(first?.type === 'section' && first.text?.text).toBe(`:warning: ${parsed.error}`);
      expect(allText(m)).toContain('/slots status [devicefarm|mediaconnect]');
      expect(m.text).toBe(parsed.error);
      expect(limitViolations(m)).toEqual([]);
    },
  );
});
