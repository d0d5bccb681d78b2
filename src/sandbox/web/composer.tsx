/** The message box: Enter sends, Shift+Enter breaks the line, Up recalls the last line sent. */
import { useEffect, useRef, useState } from 'preact/hooks';

export interface ComposerProps {
  readonly placeholder: string;
  readonly usageHint: string;
  /** Lines sent from any message box, newest last; Up recalls from here. */
  readonly history: readonly string[];
  readonly onSend: (line: string) => Promise<unknown>;
  readonly autoFocus?: boolean;
}

export function Composer({ placeholder, usageHint, history, onSend, autoFocus }: ComposerProps) {
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (autoFocus) box.current?.focus();
  }, [autoFocus]);
  const send = async () => {
    const line = text.trim();
    if (!line || sending) return;
    setSending(true);
    setText('');
    try {
      await onSend(line);
    } finally {
      setSending(false);
      box.current?.focus();
    }
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void send();
    } else if (e.key === 'ArrowUp' && text === '' && history.length > 0) {
      e.preventDefault();
      setText(history[history.length - 1] ?? '');
    }
  };
  const command = text.startsWith('/');
  return (
    <div class="composer">
      {command && (
        <div class="composer-hint" data-testid="composer-hint">
          <strong>/slots</strong> {usageHint}
        </div>
      )}
      <div class="composer-box">
        <textarea
          ref={box}
          data-testid="composer"
          placeholder={placeholder}
          rows={1}
          value={text}
          onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
          onKeyDown={onKeyDown}
        />
        <button
          type="button"
          class="composer-send"
          disabled={sending || text.trim() === ''}
          onClick={() => void send()}
          aria-label="Send"
        >
          Send
        </button>
      </div>
    </div>
  );
}
