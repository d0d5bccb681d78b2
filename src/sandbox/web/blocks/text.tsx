/**
 * Slack's text objects (`plain_text`, `mrkdwn`) turned into Preact nodes. Message text comes from
 * the bot and, through it, from people and AWS, so nothing here ever becomes HTML: every piece is
 * a text node or an element built on purpose, and `&amp;`/`&lt;`/`&gt;` are undone only as text.
 */
import type { ComponentChildren } from 'preact';
import { replaceEmoji } from './emoji.js';
import type { Directory } from './names.js';

export interface TextObject {
  readonly type: 'plain_text' | 'mrkdwn';
  readonly text: string;
  readonly emoji?: boolean;
  readonly verbatim?: boolean;
}

export function isTextObject(value: unknown): value is TextObject {
  if (!value || typeof value !== 'object') return false;
  const { type, text } = value as Record<string, unknown>;
  return (type === 'plain_text' || type === 'mrkdwn') && typeof text === 'string';
}

/** Text renderers by text object type, like the block and element registries. */
export const TEXT_RENDERERS: Readonly<
  Record<TextObject['type'], (t: TextObject, d: Directory) => ComponentChildren>
> = {
  plain_text: (t) => withBreaks(t.emoji === false ? t.text : replaceEmoji(t.text)),
  mrkdwn: (t, d) => renderMrkdwn(t.text, d),
};

/** Any text object; anything that is not one renders as nothing. */
export function Text({ value, dir }: { value: unknown; dir: Directory }) {
  if (!isTextObject(value)) return null;
  return <>{TEXT_RENDERERS[value.type](value, dir)}</>;
}

/** The text of a text object as a plain string (labels, option texts, titles). */
export function plainOf(value: unknown): string {
  if (!isTextObject(value)) return '';
  return value.emoji === false ? value.text : replaceEmoji(value.text);
}

export function unescapeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function withBreaks(text: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  text.split('\n').forEach((line, i) => {
    if (i > 0) out.push(<br />);
    if (line) out.push(line);
  });
  return out;
}

/** A whole mrkdwn text: code blocks and quotes by line, then inline formatting. */
export function renderMrkdwn(text: string, dir: Directory): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  const parts = text.split('```');
  parts.forEach((part, i) => {
    // Odd pieces sit between a pair of fences; an unpaired last fence is shown as typed.
    const isCode = i % 2 === 1 && i < parts.length - 1;
    if (isCode) {
      out.push(<pre class="mrkdwn-pre">{unescapeEntities(part.replace(/^\n|\n$/g, ''))}</pre>);
      return;
    }
    const source = i % 2 === 1 ? `\`\`\`${part}` : part;
    out.push(...renderLines(source, dir));
  });
  return out;
}

function renderLines(text: string, dir: Directory): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  const lines = text.split('\n');
  let quote: string[] = [];
  let needBreak = false;
  const flushQuote = () => {
    if (quote.length === 0) return;
    out.push(<blockquote class="mrkdwn-quote">{inlineLines(quote.join('\n'), dir)}</blockquote>);
    quote = [];
    needBreak = false;
  };
  for (const line of lines) {
    const q = /^(?:&gt;|>) ?(.*)$/.exec(line);
    if (q) {
      quote.push(q[1] ?? '');
      continue;
    }
    flushQuote();
    if (needBreak) out.push(<br />);
    out.push(...renderInline(line, dir));
    needBreak = true;
  }
  flushQuote();
  return out;
}

function inlineLines(text: string, dir: Directory): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  text.split('\n').forEach((line, i) => {
    if (i > 0) out.push(<br />);
    out.push(...renderInline(line, dir));
  });
  return out;
}

const INLINE = /`([^`]+)`|<([^<>]+)>|\*([^*]+)\*|_([^_]+)_|~([^~]+)~/;
const WORD = /[\p{L}\p{N}]/u;

/** Bold, italic and strike only open after a non-word character and close before one, as in Slack. */
function bounded(text: string, start: number, end: number, inner: string): boolean {
  const before = text[start - 1];
  const after = text[end];
  if (before !== undefined && WORD.test(before)) return false;
  if (after !== undefined && WORD.test(after)) return false;
  return inner.trim() === inner && inner.length > 0;
}

/** One line (no newlines) of inline mrkdwn. */
export function renderInline(text: string, dir: Directory): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let last = 0;
  const re = new RegExp(INLINE, 'g');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const [whole, code, angle, bold, italic, strike] = m;
    const start = m.index;
    const end = start + whole.length;
    let node: ComponentChildren | undefined;
    if (code !== undefined) node = <code>{unescapeEntities(code)}</code>;
    else if (angle !== undefined) node = renderAngle(angle, dir);
    else if (bold !== undefined && bounded(text, start, end, bold))
      node = <strong>{renderInline(bold, dir)}</strong>;
    else if (italic !== undefined && bounded(text, start, end, italic))
      node = <em>{renderInline(italic, dir)}</em>;
    else if (strike !== undefined && bounded(text, start, end, strike))
      node = <s>{renderInline(strike, dir)}</s>;
    if (node === undefined) {
      // Not formatting after all (e.g. `2*3*4`): keep the marker as text and look past it.
      re.lastIndex = start + 1;
      continue;
    }
    if (start > last) out.push(plainText(text.slice(last, start)));
    out.push(node);
    last = end;
  }
  if (last < text.length) out.push(plainText(text.slice(last)));
  return out;
}

function plainText(text: string): string {
  return unescapeEntities(replaceEmoji(text));
}

const SAFE_URL = /^(https?:|mailto:)/i;

/** `<@U…>`, `<#C…>`, `<!subteam^S…>`, `<!here>`, `<url|text>`: Slack's angle-bracket forms. */
function renderAngle(inner: string, dir: Directory): ComponentChildren {
  const bar = inner.indexOf('|');
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : inner.slice(bar + 1);
  if (target.startsWith('@')) {
    const id = target.slice(1);
    const name = dir.users[id] ?? label ?? id;
    return <span class="mention">@{unescapeEntities(name)}</span>;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    const name = dir.channels[id] ?? label ?? id;
    return <span class="mention">#{unescapeEntities(name)}</span>;
  }
  if (target.startsWith('!subteam^')) {
    const id = target.slice('!subteam^'.length);
    const handle = dir.groups[id] ?? label?.replace(/^@/, '') ?? id;
    return <span class="mention">@{unescapeEntities(handle)}</span>;
  }
  if (target.startsWith('!')) {
    const word = target.slice(1).split('^')[0] ?? '';
    if (['here', 'channel', 'everyone'].includes(word)) return <span class="mention">@{word}</span>;
    // `<!date^…|fallback>` and other commands: Slack shows the fallback text.
    return unescapeEntities(label ?? word);
  }
  const url = unescapeEntities(target);
  const shown = unescapeEntities(label ?? target);
  // Not a link Slack would make (or one that runs script): the text, brackets and all.
  if (!SAFE_URL.test(url)) return label === undefined ? `<${shown}>` : shown;
  return (
    <a href={url} target="_blank" rel="noopener noreferrer">
      {shown}
    </a>
  );
}
