import { render } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { TEST_DIRECTORY } from './test-env.js';
import { plainOf, renderMrkdwn, Text } from './text.js';

const html = (mrkdwn: string) => render(<div>{renderMrkdwn(mrkdwn, TEST_DIRECTORY)}</div>);

describe('mrkdwn', () => {
  it.each([
    ['*bold*', '<strong>bold</strong>'],
    ['_italic_', '<em>italic</em>'],
    ['~gone~', '<s>gone</s>'],
    ['`R7K2M9QX`', '<code>R7K2M9QX</code>'],
    ['*Approved* by <@U0BOB>', '<strong>Approved</strong> by <span class="mention">@Bob</span>'],
    ['in <#C0SLOTS>', 'in <span class="mention">#slots</span>'],
    ['ask <!subteam^S0APPROVERS>', 'ask <span class="mention">@slots-approvers</span>'],
    ['<!here> look', '<span class="mention">@here</span> look'],
    [':warning: *3 slots*', '⚠️ <strong>3 slots</strong>'],
    ['line one\nline two', 'line one<br/>line two'],
  ])('renders %j', (input, expected) => {
    expect(html(input)).toBe(`<div>${expected}</div>`);
  });

  it('links open in a new tab without handing over the opener', () => {
    const out = html('see <https://example.com/a?b=1&amp;c=2|the docs>');
    expect(out).toContain('href="https://example.com/a?b=1&amp;c=2"');
    expect(out).toContain('target="_blank"');
    expect(out).toContain('rel="noopener noreferrer"');
    expect(out).toContain('>the docs</a>');
  });

  it('does not link a javascript: url', () => {
    expect(html('<javascript:alert(1)|click>')).toBe('<div>click</div>');
  });

  it('unescapes entities into text, never into markup', () => {
    expect(html('a &lt;b&gt; &amp; c')).toBe('<div>a &lt;b> &amp; c</div>');
  });

  it('shows an injection attempt as text', () => {
    const out = html(
      'name &lt;script&gt;alert(1)&lt;/script&gt; and <script>x</script> <img src=x onerror=alert(1)>',
    );
    expect(out).not.toMatch(/<script|<img/);
    expect(out).toContain('name &lt;script>alert(1)&lt;/script> and ');
    expect(out).toContain('&lt;img src=x onerror=alert(1)>');
  });

  it('keeps code and code blocks literal', () => {
    expect(html('`*not bold*`')).toBe('<div><code>*not bold*</code></div>');
    const out = html('before\n```\nline &lt;1&gt;\n*two*\n```\nafter');
    expect(out).toContain('<pre class="mrkdwn-pre">line &lt;1>\n*two*</pre>');
    expect(out).toContain('after');
  });

  it('draws quotes', () => {
    expect(html('&gt; quoted *text*\nplain')).toBe(
      '<div><blockquote class="mrkdwn-quote">quoted <strong>text</strong></blockquote>plain</div>',
    );
  });

  it('leaves markers inside words and unknown emoji alone', () => {
    expect(html('2*3*4 snake_case_name :not_an_emoji: 10:30:00')).toBe(
      '<div>2*3*4 snake_case_name :not_an_emoji: 10:30:00</div>',
    );
  });

  it('renders plain_text as text with emoji', () => {
    const out = render(
      <Text value={{ type: 'plain_text', text: ':x: <b>', emoji: true }} dir={TEST_DIRECTORY} />,
    );
    expect(out).toBe('❌ &lt;b>');
    expect(plainOf({ type: 'plain_text', text: ':gear: Settings' })).toBe('⚙️ Settings');
  });
});
