/**
 * The whole page: a Slack-like client for the sandbox's workspace beside the AWS panel. It shows
 * the last snapshot the server pushed and turns what the person does into the protocol's posts;
 * the server decides everything else.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  type ActionResult,
  type ActionSource,
  type AwsAction,
  type BlockKit,
  SANDBOX_PATHS,
  type SandboxMessage,
  type Snapshot,
  type StateValues,
} from '../protocol.js';
import { type ConnectionState, followSnapshots, post } from './api.js';
import { AwsPanel } from './aws-panel.js';
import { Blocks } from './blocks/blocks.js';
import type { BlockEnv, ElementAction } from './blocks/env.js';
import { type Directory, directoryOf } from './blocks/names.js';
import { Composer } from './composer.js';
import { MessageView, useStickToBottom } from './messages.js';
import { ConfirmDialog, Modal } from './modal.js';

interface PendingConfirm {
  readonly dialog: BlockKit;
  readonly answer: (yes: boolean) => void;
}

export function App() {
  const [snapshot, setSnapshot] = useState<Snapshot>();
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  useEffect(() => followSnapshots(setSnapshot, setConnection), []);
  if (!snapshot) {
    return (
      <div class="loading">
        {connection === 'lost'
          ? 'The sandbox is not answering. Is `npm run sandbox` running? Reconnecting…'
          : 'Connecting to the sandbox…'}
      </div>
    );
  }
  return <Workspace snapshot={snapshot} connection={connection} />;
}

function Workspace({ snapshot, connection }: { snapshot: Snapshot; connection: ConnectionState }) {
  const [user, setUser] = useState(snapshot.people[0]?.id ?? '');
  const [tab, setTab] = useState<'channel' | 'home' | 'messages'>('channel');
  const [threadTs, setThreadTs] = useState<string>();
  const [toast, setToast] = useState<string>();
  const [confirm, setConfirm] = useState<PendingConfirm>();
  const [history, setHistory] = useState<string[]>([]);
  const dir = useMemo(() => directoryOf(snapshot), [snapshot]);
  const person = snapshot.people.find((p) => p.id === user);

  useEffect(() => {
    if (!toast) return;
    const timer = setTimeout(() => setToast(undefined), 6000);
    return () => clearTimeout(timer);
  }, [toast]);

  useEffect(() => {
    if (tab === 'home') void run(SANDBOX_PATHS.home, { user });
  }, [tab, user]);

  async function run(path: string, body: unknown): Promise<ActionResult> {
    const result = await post(path, body);
    if (!result.ok) setToast(result.message ?? 'That did not work.');
    return result;
  }

  const ask = (dialog: BlockKit) =>
    new Promise<boolean>((resolve) => {
      setConfirm({
        dialog,
        answer: (yes) => {
          setConfirm(undefined);
          resolve(yes);
        },
      });
    });

  async function act(source: ActionSource, action: ElementAction, state?: StateValues) {
    if (action.confirm && !(await ask(action.confirm))) return;
    await run(SANDBOX_PATHS.action, {
      user,
      source,
      blockId: action.blockId,
      actionId: action.actionId,
      type: action.type,
      ...(action.value !== undefined && { value: action.value }),
      ...(action.selectedOption && { selectedOption: action.selectedOption }),
      ...(state && { state }),
    });
  }

  const envFor = (message: SandboxMessage): BlockEnv =>
    staticEnv(dir, 'message', `m${message.ts}`, (a) => act({ kind: 'message', ts: message.ts }, a));

  const visible = (m: SandboxMessage) => m.ephemeralTo === undefined || m.ephemeralTo === user;
  const channelMessages = snapshot.messages.filter(
    (m) => m.channel === snapshot.channel.id && !m.threadTs && visible(m),
  );
  // The app's DM with the person acting (its Messages tab): what the bot sent them directly.
  const directMessages = snapshot.messages.filter((m) => m.channel === `D${user}` && !m.threadTs);
  const parent = threadTs ? snapshot.messages.find((m) => m.ts === threadTs) : undefined;
  const replies = parent
    ? snapshot.messages.filter((m) => m.threadTs === parent.ts && visible(m))
    : [];
  const stack = snapshot.modals[user] ?? [];
  const modal = stack[stack.length - 1];

  const send = async (line: string, thread?: string) => {
    setHistory((h) => [...h.slice(-49), line]);
    await run(SANDBOX_PATHS.command, { user, line, ...(thread && { threadTs: thread }) });
  };

  useEffect(() => {
    if (!modal && !confirm) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      if (confirm) confirm.answer(false);
      else if (modal) void run(SANDBOX_PATHS.close, { user, viewId: modal.id });
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [modal?.id, confirm, user]);

  const channelRef = useStickToBottom(channelMessages.length);
  const dmRef = useStickToBottom(directMessages.length);
  const threadRef = useStickToBottom(replies.length);
  const homeView = snapshot.home[user];

  return (
    <div class="app">
      <header class="top-bar">
        <div class="sandbox-banner" data-testid="sandbox-banner">
          <strong>Sandbox</strong> — a local imitation of Slack and AWS. Nothing here reaches real
          Slack or AWS.
        </div>
        <label class="person">
          <span>Acting as</span>
          <select
            data-testid="person-switcher"
            value={user}
            onChange={(e) => setUser((e.currentTarget as HTMLSelectElement).value)}
          >
            {snapshot.people.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} — {p.role}
              </option>
            ))}
          </select>
          {person && <span class="person-detail">{person.detail}</span>}
        </label>
      </header>
      {connection === 'lost' && (
        <div class="reconnect" role="alert" data-testid="reconnect-banner">
          The sandbox stopped, or the connection dropped. Reconnecting…
        </div>
      )}
      <div class="columns">
        <nav class="sidebar" aria-label="Workspace">
          <div class="workspace-name">Sandbox workspace</div>
          <button
            type="button"
            class={`tab${tab === 'channel' ? ' tab-active' : ''}`}
            data-testid="tab-channel"
            aria-pressed={tab === 'channel'}
            onClick={() => setTab('channel')}
          >
            # {snapshot.channel.name}
          </button>
          <div class="sidebar-section">Apps</div>
          <button
            type="button"
            class={`tab${tab === 'home' ? ' tab-active' : ''}`}
            data-testid="tab-home"
            aria-pressed={tab === 'home'}
            onClick={() => setTab('home')}
          >
            Home
          </button>
          <button
            type="button"
            class={`tab${tab === 'messages' ? ' tab-active' : ''}`}
            data-testid="tab-messages"
            aria-pressed={tab === 'messages'}
            onClick={() => setTab('messages')}
          >
            Messages{directMessages.length > 0 ? ` (${directMessages.length})` : ''}
          </button>
          <span class="sidebar-app">{snapshot.bot.name} app</span>
          {!snapshot.botHealthy && (
            <div class="bot-unhealthy" role="status">
              The bot is not answering its health check.
            </div>
          )}
          <Checklist snapshot={snapshot} />
        </nav>
        <main class="centre">
          {tab === 'channel' ? (
            <section class="channel" data-testid="channel" aria-label={`#${snapshot.channel.name}`}>
              <div class="pane-head">
                <h1># {snapshot.channel.name}</h1>
              </div>
              <div class="messages" ref={channelRef}>
                {channelMessages.length === 0 && (
                  <div class="empty">No messages yet. Try typing /slots status below.</div>
                )}
                {channelMessages.map((m) => (
                  <MessageView
                    key={m.ts}
                    message={m}
                    dir={dir}
                    botUserId={snapshot.bot.userId}
                    envFor={envFor}
                    onOpenThread={setThreadTs}
                  />
                ))}
              </div>
              <Composer
                placeholder={`Message #${snapshot.channel.name}`}
                usageHint={snapshot.usageHint}
                history={history}
                onSend={(line) => send(line)}
                autoFocus
              />
            </section>
          ) : tab === 'messages' ? (
            <section class="channel" data-testid="messages" aria-label="Messages">
              <div class="pane-head">
                <h1>{snapshot.bot.name} · Messages</h1>
              </div>
              <div class="messages" ref={dmRef}>
                {directMessages.length === 0 && (
                  <div class="empty">
                    {snapshot.bot.name} writes here to tell you what became of your requests.
                  </div>
                )}
                {directMessages.map((m) => (
                  <MessageView
                    key={m.ts}
                    message={m}
                    dir={dir}
                    botUserId={snapshot.bot.userId}
                    envFor={envFor}
                  />
                ))}
              </div>
            </section>
          ) : (
            <section class="home" data-testid="home" aria-label="Home">
              <div class="pane-head">
                <h1>{snapshot.bot.name} · Home</h1>
              </div>
              <div class="home-body">
                {homeView ? (
                  <Blocks
                    blocks={homeView.blocks}
                    env={staticEnv(dir, 'home', 'home', (a) => act({ kind: 'home' }, a))}
                  />
                ) : (
                  <div class="empty">Opening the App Home… the bot has not published it yet.</div>
                )}
              </div>
            </section>
          )}
        </main>
        {tab === 'channel' && parent && (
          <section class="thread" data-testid="thread" aria-label="Thread">
            <div class="pane-head">
              <h2>Thread</h2>
              <CloseButton label="Close thread" onClick={() => setThreadTs(undefined)} />
            </div>
            <div class="messages" ref={threadRef}>
              <MessageView
                message={parent}
                dir={dir}
                botUserId={snapshot.bot.userId}
                envFor={envFor}
              />
              <div class="thread-count">
                {replies.length === 1 ? '1 reply' : `${replies.length} replies`}
              </div>
              {replies.map((m) => (
                <MessageView
                  key={m.ts}
                  message={m}
                  dir={dir}
                  botUserId={snapshot.bot.userId}
                  envFor={envFor}
                />
              ))}
            </div>
            <Composer
              placeholder="Reply…"
              usageHint={snapshot.usageHint}
              history={history}
              onSend={(line) => send(line, parent.ts)}
            />
          </section>
        )}
        <AwsPanel
          aws={snapshot.aws}
          onAction={(action: AwsAction) => run(SANDBOX_PATHS.aws, action)}
        />
      </div>
      {modal && (
        <Modal
          key={modal.id}
          modal={modal}
          dir={dir}
          onAction={(a, state) => act({ kind: 'modal', viewId: modal.id }, a, state)}
          onSubmit={async (state) => {
            await run(SANDBOX_PATHS.submit, { user, viewId: modal.id, state });
          }}
          onClose={async () => {
            await run(SANDBOX_PATHS.close, { user, viewId: modal.id });
          }}
        />
      )}
      {confirm && <ConfirmDialog dialog={confirm.dialog} dir={dir} onAnswer={confirm.answer} />}
      {toast && (
        <div class="toast" role="alert" data-testid="toast">
          {toast}
          <CloseButton label="Dismiss" onClick={() => setToast(undefined)} />
        </div>
      )}
    </div>
  );
}

function staticEnv(
  dir: Directory,
  surface: BlockEnv['surface'],
  idPrefix: string,
  act: (a: ElementAction) => Promise<void>,
): BlockEnv {
  // Messages and the Home tab keep no form the bot reads, so a select there just reports.
  return { dir, surface, idPrefix, edits: {}, errors: {}, setValue: () => {}, act };
}

function Checklist({ snapshot }: { snapshot: Snapshot }) {
  const done = snapshot.checklist.filter((i) => i.done).length;
  return (
    <div class="checklist" data-testid="checklist">
      <h2>
        Try this{' '}
        <span class="muted">
          {done}/{snapshot.checklist.length}
        </span>
      </h2>
      <ol>
        {snapshot.checklist.map((item) => (
          <li
            key={item.id}
            class={item.done ? 'check-done' : ''}
            data-testid={`check-${item.id}`}
            data-done={item.done ? 'true' : 'false'}
          >
            <span class="tick" aria-hidden="true">
              {item.done ? '✔' : '○'}
            </span>
            <div>
              <div class="check-label">{item.label}</div>
              <div class="check-hint">{item.hint}</div>
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}

/** The ✕ that closes a pane or a note; its label is what a screen reader says. */
function CloseButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <button type="button" class="icon-button" aria-label={label} onClick={onClick}>
      ✕
    </button>
  );
}
