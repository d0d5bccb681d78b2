/**
 * Text helpers for Slack `mrkdwn`. Anything that came from a user or from AWS goes through
 * `escapeMrkdwn` before it is put into a message, so that `<!channel>` or `<https://…|link>` in a
 * reservation name is shown as typed instead of being parsed by Slack.
 */

export const ELLIPSIS = '…';

/** Escapes Slack's three control characters (`&`, `<`, `>`), as Slack's formatting guide asks. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Shortens `text` to at most `max` UTF-16 code units (Slack's limits are at least that lenient),
 * ending with an ellipsis when something was cut. Never splits a surrogate pair.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let end = max - ELLIPSIS.length;
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return `${text.slice(0, Math.max(0, end))}${ELLIPSIS}`;
}

/**
 * Like `truncate` for text that is already escaped mrkdwn: also avoids leaving half an entity
 * (`&am…`) at the cut.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = truncate(text, max).slice(0, -ELLIPSIS.length);
  return `${cut.replace(/&[a-z]{0,4}$/, '')}${ELLIPSIS}`;
}

/** User input to echo back in a message: at most `max` characters, escaped, in double quotes. */
export function quoteInput(text: string, max = 50): string {
  return `"${escapeMrkdwn(truncate(text, max))}"`;
}

/** An escaped value in inline code, for ids people copy into a later command. */
export function code(text: string): string {
  // A backtick would end the code span early; ids never contain one, but AWS text might.
  return `\`${escapeMrkdwn(text.replace(/`/g, "'"))}\``;
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

/**
 * `<@U123>` for a well-formed Slack user id, so Slack shows the name; anything else (such as the
 * bot's own actor name `slots-bot`) is shown escaped, as text.
 */
export function mention(userId: string): string {
  return USER_ID.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId);
}

/** `<#C123>` for a well-formed channel id; anything else escaped, as text. */
export function channelLink(channelId: string): string {
  return CHANNEL_ID.test(channelId) ? `<#${channelId}>` : escapeMrkdwn(channelId);
}

/**
 * Escapes `text` like `escapeMrkdwn` but keeps well-formed user and channel mentions
 * (`<@U123>`, `<#C123>`) working: for slots-bot's own sentences that name people.
 */
export function escapeKeepingMentions(text: string): string {
  return text
    .split(/(<[@#][A-Z0-9]+>)/)
    .map((piece) => {
      const inner = piece.slice(2, -1);
      if (piece.startsWith('<@') && piece.endsWith('>') && USER_ID.test(inner)) return piece;
      if (piece.startsWith('<#') && piece.endsWith('>') && CHANNEL_ID.test(inner)) return piece;
      return escapeMrkdwn(piece);
    })
    .join('');
}

/** Undoes `escapeMrkdwn`, for escaped sentences shown where Slack does not parse mrkdwn. */
export function unescapeMrkdwn(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
