/** The channel, its threads and its messages, as the person acting sees them. */
import { useEffect, useRef } from 'preact/hooks';
import type { SandboxMessage } from '../protocol.js';
import { Blocks } from './blocks/blocks.js';
import type { BlockEnv } from './blocks/env.js';
import type { Directory } from './blocks/names.js';
import { renderMrkdwn } from './blocks/text.js';
import { clockTime } from './format.js';

export interface MessageViewProps {
  readonly message: SandboxMessage;
  readonly dir: Directory;
  readonly botUserId: string;
  /** The view environment for this message's blocks (its buttons post with its ts). */
  readonly envFor: (message: SandboxMessage) => BlockEnv;
  /** Absent inside the thread pane, where the parent needs no link to itself. */
  readonly onOpenThread?: (ts: string) => void;
}

function initialOf(name: string): string {
  return (name.trim()[0] ?? '?').toUpperCase();
}

const AVATAR_COLOURS = ['#2f6fb3', '#b3572f', '#3f8f4f', '#8a3fb3', '#b33f6f', '#6f6f2f'];

function colourOf(id: string): string {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return AVATAR_COLOURS[h % AVATAR_COLOURS.length] ?? '#555';
}

export function MessageView({ message, dir, botUserId, envFor, onOpenThread }: MessageViewProps) {
  const name = dir.users[message.userId] ?? message.userId;
  const isBot = message.userId === botUserId || message.userId === 'USLACKBOT';
  const ephemeral = message.ephemeralTo !== undefined;
  const hasBlocks = Array.isArray(message.blocks) && message.blocks.length > 0;
  return (
    <div
      class={`message${ephemeral ? ' message-ephemeral' : ''}`}
      data-testid="message"
      data-ts={message.ts}
      data-ephemeral={ephemeral ? 'true' : undefined}
    >
      <div class="avatar" style={{ background: colourOf(message.userId) }} aria-hidden="true">
        {isBot ? '⚙' : initialOf(name)}
      </div>
      <div class="message-main">
        <div class="message-meta">
          <span class="author" data-testid="author">
            {name}
          </span>
          {isBot && <span class="app-badge">APP</span>}
          <time class="message-time">{clockTime(message.ts)}</time>
          {message.editedAt && <span class="edited">(edited)</span>}
        </div>
        {ephemeral && <div class="ephemeral-note">👁 Only visible to you</div>}
        <div class="message-body">
          {hasBlocks ? (
            <Blocks blocks={message.blocks} env={envFor(message)} />
          ) : (
            <div class="bk-text">{renderMrkdwn(message.text, dir)}</div>
          )}
        </div>
        {onOpenThread && message.replyCount > 0 && (
          <button
            type="button"
            class="thread-link"
            data-testid="thread-link"
            onClick={() => onOpenThread(message.ts)}
          >
            {message.replyCount === 1 ? '1 reply' : `${message.replyCount} replies`}
          </button>
        )}
      </div>
    </div>
  );
}

/** Keeps a list scrolled to its newest message when one arrives, as Slack does. */
export function useStickToBottom(count: number) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count]);
  return ref;
}
