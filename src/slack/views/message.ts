/**
 * Block Kit building blocks, the `SlackMessage` shape, and the one place that keeps every message within Slack's limits.
 *
 * Views describe a message as a sequence of parts: ready blocks, and lists of one-line items.
 * `layout` packs each list's lines into as few section blocks as possible, shares the block and
 * character budget fairly between the lists, and ends a list that did not fit with a context
 * line saying exactly how many items were left out. `limitViolations` checks any message.
 */
import type { types } from '@slack/bolt';
import { truncate, truncateMrkdwn } from './mrkdwn.js';

export type KnownBlock = types.KnownBlock;
type HeaderBlock = types.HeaderBlock;
type SectionBlock = types.SectionBlock;
type ContextBlock = types.ContextBlock;
type DividerBlock = types.DividerBlock;

/** A message ready for `chat.postMessage`/`respond`: `text` is the notification fallback. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: KnownBlock[];
}

export interface Limits {
  /** Blocks per message (Slack: 50). */
  readonly blocks: number;
  /** Section `text` (Slack: 3000). */
  readonly sectionText: number;
  /** Section `fields` count (Slack: 10) and length of each field (Slack: 2000). */
  readonly sectionFields: number;
  readonly fieldText: number;
  /** Header text, plain_text only (Slack: 150). */
  readonly headerText: number;
  /** Context elements (Slack: 10) and length of each element's text. */
  readonly contextElements: number;
  readonly contextText: number;
  /**
   * All text in a message's blocks together. Slack's own ceiling is far higher; this keeps a
   * reply readable (about a hundred item lines) and its payload small.
   */
  readonly messageText: number;
  /** The fallback `text` (a notification, not a document). */
  readonly fallbackText: number;
}

export const LIMITS: Limits = {
  blocks: 50,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  messageText: 15_000,
  fallbackText: 1000,
};

/** Slack's limits for a button's confirm dialog. */
export const CONFIRM_LIMITS = { title: 100, text: 300 } as const;

/** Room kept for each list's "…and N more" note, which is clamped to this length. */
const NOTE_CHARS = 300;

export function header(text: string): HeaderBlock {
  return {
    type: 'header',
    text: { type: 'plain_text', text: truncate(text, LIMITS.headerText), emoji: true },
  };
}

/** A section of mrkdwn; the caller escapes what came from users or AWS. */
export function section(mrkdwn: string): SectionBlock {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncateMrkdwn(mrkdwn, LIMITS.sectionText) },
  };
}

/** A context block of mrkdwn elements (at most 10 are kept). */
export function context(...mrkdwn: string[]): ContextBlock {
  return {
    type: 'context',
    elements: mrkdwn
      .slice(0, LIMITS.contextElements)
      .map((text) => ({ type: 'mrkdwn', text: truncateMrkdwn(text, LIMITS.contextText) })),
  };
}

export function divider(): DividerBlock {
  return { type: 'divider' };
}

/** A warning that stands out without shouting: `:warning:` and the sentence. */
export function warning(mrkdwn: string): SectionBlock {
  return section(`:warning: ${mrkdwn}`);
}

/**
 * The lines of a list: an array, or lines made on demand (`lazyLines`), so a list of hundreds
 * of items formats only the ones that fit in the message.
 */
export interface Lines {
  readonly length: number;
  at(index: number): string | undefined;
}

/** `items.length` lines, `format(item)` called only for the lines `layout` reaches. */
export function lazyLines<T>(items: readonly T[], format: (item: T) => string): Lines {
  return { length: items.length, at: (i) => (i < items.length ? format(items[i]!) : undefined) };
}

/**
 * Items shown one per line. `lines` are escaped mrkdwn, already in display order; `more` writes
 * the note for the items that did not fit (`omitted` ≥ 1; `shown` may be 0).
 */
export interface ItemList {
  readonly kind: 'list';
  readonly lines: Lines;
  readonly more: MoreNote;
}

export type MoreNote = (omitted: number, shown: number) => string;

export type Part = KnownBlock | ItemList;

export function itemList(lines: Lines, more: MoreNote): ItemList {
  return { kind: 'list', lines, more };
}

function isItemList(part: Part): part is ItemList {
  return 'kind' in part && part.kind === 'list';
}

/** One list's sections so far; the next section is packed when its turn comes. */
interface Placement {
  readonly nextChunk: () => string[] | undefined;
  shown: number;
  taken: string[][];
  done: boolean;
}

/**
 * Lays parts out as blocks within `limits`: fixed blocks as given (clamped), each list packed
 * into sections of up to `sectionText` characters, lists taking turns one section at a time
 * until the block or character budget runs out, and a context note after each list that lost
 * items.
 */
export function layout(parts: readonly Part[], limits: Limits = LIMITS): KnownBlock[] {
  const fixed = parts.filter((p): p is KnownBlock => !isItemList(p)).map((b) => clamp(b, limits));
  const lists = parts.filter(isItemList);
  const placements = new Map<ItemList, Placement>();
  for (const list of lists) {
    placements.set(list, {
      nextChunk: chunker(list.lines, limits.sectionText),
      shown: 0,
      taken: [],
      done: false,
    });
  }

  const notes = lists.filter((l) => l.lines.length > 0).length;
  let blocksLeft = limits.blocks - fixed.length - notes;
  let charsLeft =
    limits.messageText - fixed.reduce((n, b) => n + textLength(b), 0) - notes * NOTE_CHARS;

  // Round robin, one section per list per turn, so one long list cannot starve the others.
  let progress = true;
  while (progress && blocksLeft > 0 && charsLeft > 0) {
    progress = false;
    for (const p of placements.values()) {
      if (p.done || blocksLeft <= 0) continue;
      const chunk = p.nextChunk();
      if (!chunk) {
        p.done = true;
        continue;
      }
      const fitting = takeWhileFits(chunk, charsLeft);
      if (fitting.length === 0) {
        p.done = true;
        continue;
      }
      if (fitting.length < chunk.length) p.done = true;
      p.taken.push(fitting);
      p.shown += fitting.length;
      blocksLeft -= 1;
      charsLeft -= joinedLength(fitting);
      progress = true;
    }
  }

  const blocks: KnownBlock[] = [];
  for (const part of parts) {
    if (!isItemList(part)) {
      blocks.push(clamp(part, limits));
      continue;
    }
    const p = placements.get(part);
    if (!p) continue;
    for (const lines of p.taken) blocks.push(section(lines.join('\n')));
    const omitted = part.lines.length - p.shown;
    if (omitted > 0) blocks.push(context(truncateMrkdwn(part.more(omitted, p.shown), NOTE_CHARS)));
  }
  return blocks.slice(0, limits.blocks);
}

/**
 * Greedy packing, one chunk per call: consecutive lines (each truncated to `max`) joined by
 * newlines, each chunk at most `max` characters; undefined when the lines are used up. A line
 * is formatted only when packing reaches it.
 */
function chunker(lines: Lines, max: number): () => string[] | undefined {
  let index = 0;
  let carried: string | undefined;
  const next = () => {
    if (carried !== undefined) {
      const line = carried;
      carried = undefined;
      return line;
    }
    if (index >= lines.length) return undefined;
    const raw = lines.at(index++);
    return raw === undefined ? undefined : truncateMrkdwn(raw, max);
  };
  return () => {
    const chunk: string[] = [];
    let length = 0;
    for (let line = next(); line !== undefined; line = next()) {
      const added = chunk.length === 0 ? line.length : length + 1 + line.length;
      if (chunk.length > 0 && added > max) {
        carried = line;
        break;
      }
      chunk.push(line);
      length = added;
    }
    return chunk.length > 0 ? chunk : undefined;
  };
}

function takeWhileFits(lines: readonly string[], max: number): string[] {
  const out: string[] = [];
  let length = -1;
  for (const line of lines) {
    if (length + 1 + line.length > max) break;
    out.push(line);
    length += 1 + line.length;
  }
  return out;
}

function joinedLength(lines: readonly string[]): number {
  return lines.reduce((n, line) => n + line.length, 0) + Math.max(0, lines.length - 1);
}

/** Truncates the text of header, section and context blocks to their limits. */
function clamp(block: KnownBlock, limits: Limits): KnownBlock {
  switch (block.type) {
    case 'header':
      return {
        ...block,
        text: { ...block.text, text: truncate(block.text.text, limits.headerText) },
      };
    case 'section':
      return {
        ...block,
        ...(block.text && {
          text: { ...block.text, text: truncateMrkdwn(block.text.text, limits.sectionText) },
        }),
        ...(block.fields && {
          fields: block.fields
            .slice(0, limits.sectionFields)
            .map((f) => ({ ...f, text: truncateMrkdwn(f.text, limits.fieldText) })),
        }),
      };
    case 'context':
      return {
        ...block,
        elements: block.elements
          .slice(0, limits.contextElements)
          .map((e) =>
            'text' in e ? { ...e, text: truncateMrkdwn(e.text, limits.contextText) } : e,
          ),
      };
    default:
      return block;
  }
}

/** Characters of text a block carries (what the message-size budget counts). */
export function textLength(block: KnownBlock): number {
  switch (block.type) {
    case 'header':
      return block.text.text.length;
    case 'section':
      return (
        (block.text?.text.length ?? 0) + (block.fields ?? []).reduce((n, f) => n + f.text.length, 0)
      );
    case 'context':
      return block.elements.reduce((n, e) => n + ('text' in e ? e.text.length : 0), 0);
    default:
      return 0;
  }
}

/** Every way `message` breaks Slack's limits (or ours); empty when it is fine to send. */
export function limitViolations(message: SlackMessage, limits: Limits = LIMITS): string[] {
  const problems: string[] = [];
  const { text, blocks } = message;
  if (text.trim().length === 0) problems.push('fallback text is empty');
  if (text.length > limits.fallbackText) {
    problems.push(`fallback text has ${text.length} > ${limits.fallbackText} characters`);
  }
  if (blocks.length > limits.blocks) {
    problems.push(`${blocks.length} blocks > ${limits.blocks}`);
  }
  let total = 0;
  blocks.forEach((block, i) => {
    total += textLength(block);
    const at = `block ${i} (${block.type})`;
    if (block.type === 'header') {
      if (block.text.type !== 'plain_text') problems.push(`${at}: header text is not plain_text`);
      if (block.text.text.length > limits.headerText) problems.push(`${at}: header text too long`);
    }
    if (block.type === 'section') {
      const length = block.text?.text.length;
      if (length === undefined && !block.fields?.length) problems.push(`${at}: no text or fields`);
      if (length !== undefined && (length < 1 || length > limits.sectionText)) {
        problems.push(`${at}: text has ${length} characters`);
      }
      if ((block.fields?.length ?? 0) > limits.sectionFields)
        problems.push(`${at}: too many fields`);
      for (const f of block.fields ?? []) {
        if (f.text.length > limits.fieldText) problems.push(`${at}: field too long`);
      }
    }
    if (block.type === 'context') {
      if (block.elements.length === 0) problems.push(`${at}: no elements`);
      if (block.elements.length > limits.contextElements) problems.push(`${at}: too many elements`);
      for (const e of block.elements) {
        if ('text' in e && e.text.length > limits.contextText)
          problems.push(`${at}: text too long`);
      }
    }
  });
  if (total > limits.messageText)
    problems.push(`${total} characters of text > ${limits.messageText}`);
  return problems;
}

/** Joins escaped sentences into a short fallback `text`, within the fallback limit. */
export function fallback(...sentences: string[]): string {
  return truncateMrkdwn(sentences.filter((s) => s.length > 0).join(' '), LIMITS.fallbackText);
}

/** When building an answer failed for a reason the user cannot act on (a bug, not AWS). */
export function internalErrorMessage(): SlackMessage {
  const sentence = 'Something went wrong on our side while answering; nothing was changed.';
  return {
    text: sentence,
    blocks: [
      warning(
        `${sentence} Try again in a minute, and tell the team that runs slots-bot if it keeps happening.`,
      ),
    ],
  };
}
