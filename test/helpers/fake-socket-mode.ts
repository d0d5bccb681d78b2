/**
 * A loopback stand-in for Slack's Socket Mode: the fake Web API answers `apps.connections.open`
 * (only for the expected app-level token) with a one-use `ws://127.0.0.1:…` URL, and a WebSocket
 * server behind that URL says `hello`, pushes envelopes and records the acks the app sends back.
 *
 * Wire shapes follow `@slack/socket-mode` (`SocketModeClient.onWebSocketMessage` / `send`):
 * envelopes are `{ envelope_id, type, payload, accepts_response_payload }`, acks are
 * `{ envelope_id, payload }` (a string ack arrives as `{ text }`, no ack body as `{}`).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { type FakeSlack, waitFor } from './fake-slack.js';
import { type SlashCommandFields, slashCommandPayload } from './slack-requests.js';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface Envelope {
  readonly envelope_id: string;
  readonly type: EnvelopeType;
  readonly payload: Record<string, unknown>;
  readonly accepts_response_payload: boolean;
  readonly retry_attempt?: number;
  readonly retry_reason?: string;
}

export interface SocketAck {
  readonly envelope_id: string;
  readonly payload: Record<string, unknown> | undefined;
  /** Which connection (1-based, in order of arrival) carried the ack. */
  readonly connection: number;
  /** `performance.now()` when the ack arrived. */
  readonly at: number;
}

export interface SocketClose {
  readonly connection: number;
  readonly code: number;
  readonly at: number;
}

export interface SentEnvelope {
  readonly envelopeId: string;
  /** `performance.now()` just before the envelope was written to the socket. */
  readonly sentAt: number;
}

export type SlashCommandEnvelopeFields = SlashCommandFields;

export interface FakeSocketMode {
  /** Tickets issued by `apps.connections.open`, in order. */
  readonly issuedUrls: readonly string[];
  /** WebSocket connections accepted so far (each got a `hello`). */
  readonly connections: number;
  readonly acks: readonly SocketAck[];
  readonly closes: readonly SocketClose[];
  /** Messages from the app that were not acks (should stay empty). */
  readonly unexpected: readonly string[];
  /** True while the most recent connection is open. */
  isConnected(): boolean;
  /** Waits until `n` connections have been accepted and the newest is open. */
  waitForConnection(n?: number, timeoutMs?: number): Promise<void>;
  /** Pushes an envelope on the newest connection. */
  send(type: EnvelopeType, payload: Record<string, unknown>): SentEnvelope;
  /** Pushes `/slots …` as Slack does in Socket Mode (the form fields as a JSON object). */
  sendSlashCommand(fields: SlashCommandEnvelopeFields): SentEnvelope;
  ackFor(envelopeId: string): SocketAck | undefined;
  waitForAck(envelopeId: string, timeoutMs?: number): Promise<SocketAck>;
  /** Asks the app to reconnect, as Slack does before recycling a connection. */
  requestDisconnect(reason?: string): void;
  /** Waits until connection `n` (1-based) has closed. */
  waitForClose(n: number, timeoutMs?: number): Promise<SocketClose>;
  close(): Promise<void>;
}

/**
 * Starts the WebSocket server and registers `apps.connections.open` on `slack`. A call with any
 * other token than `appToken` (in the Authorization header, as Slack requires) gets `invalid_auth`.
 */
export async function startFakeSocketMode(
  slack: FakeSlack,
  appToken: string,
): Promise<FakeSocketMode> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const { port } = wss.address() as AddressInfo;

  const tickets = new Set<string>();
  const issuedUrls: string[] = [];
  const acks: SocketAck[] = [];
  const closes: SocketClose[] = [];
  const unexpected: string[] = [];
  const sockets: WebSocket[] = [];

  slack.handle('apps.connections.open', () => {
    // The fake records a call before running its handler, so the newest call is this one.
    const call = slack.calls.at(-1);
    if (call?.method !== 'apps.connections.open' || call.token !== appToken) {
      return { ok: false, error: 'invalid_auth' };
    }
    const ticket = randomUUID();
    tickets.add(ticket);
    const url = `ws://127.0.0.1:${port}/link/?ticket=${ticket}&app_id=A1`;
    issuedUrls.push(url);
    return { url };
  });

  wss.on('connection', (socket, req) => {
    const ticket = new URL(req.url ?? '/', 'http://localhost').searchParams.get('ticket') ?? '';
    if (!tickets.delete(ticket)) {
      socket.close(4001, 'unknown or used ticket');
      return;
    }
    sockets.push(socket);
    const connection = sockets.length;
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      let message: { envelope_id?: unknown; payload?: unknown } | undefined;
      try {
        message = JSON.parse(text) as typeof message;
      } catch {
        message = undefined;
      }
      if (message && typeof message.envelope_id === 'string') {
        acks.push({
          envelope_id: message.envelope_id,
          payload: message.payload as Record<string, unknown> | undefined,
          connection,
          at: performance.now(),
        });
      } else {
        unexpected.push(text);
      }
    });
    socket.on('close', (code) => closes.push({ connection, code, at: performance.now() }));
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'applink-fake', approximate_connection_time: 18060 },
        connection_info: { app_id: 'A1' },
      }),
    );
  });

  const newest = () => sockets.at(-1);
  const isOpen = (s: WebSocket | undefined) => s !== undefined && s.readyState === s.OPEN;

  const send = (type: EnvelopeType, payload: Record<string, unknown>): SentEnvelope => {
    const socket = newest();
    if (!isOpen(socket)) throw new Error('no open Socket Mode connection to send on');
    const envelope: Envelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      accepts_response_payload: type !== 'events_api',
    };
    const sentAt = performance.now();
    socket!.send(JSON.stringify(envelope));
    return { envelopeId: envelope.envelope_id, sentAt };
  };

  return {
    issuedUrls,
    get connections() {
      return sockets.length;
    },
    acks,
    closes,
    unexpected,
    isConnected: () => isOpen(newest()),
    waitForConnection: async (n = 1, timeoutMs = 5_000) => {
      await waitFor(
        `Socket Mode connection #${n}`,
        () => sockets.length >= n && isOpen(newest()),
        timeoutMs,
      );
    },
    send,
    sendSlashCommand: (f) => send('slash_commands', slashCommandPayload(f)),
    ackFor: (id) => acks.find((a) => a.envelope_id === id),
    waitForAck: (id, timeoutMs = 5_000) =>
      waitFor(`the ack of envelope ${id}`, () => acks.find((a) => a.envelope_id === id), timeoutMs),
    requestDisconnect: (reason = 'refresh_requested') => {
      const socket = newest();
      if (!isOpen(socket)) throw new Error('no open Socket Mode connection');
      socket!.send(
        JSON.stringify({
          type: 'disconnect',
          reason,
          debug_info: { host: 'applink-fake' },
        }),
      );
    },
    waitForClose: (n, timeoutMs = 5_000) =>
      waitFor(
        `Socket Mode connection #${n} to close`,
        () => closes.find((c) => c.connection === n),
        timeoutMs,
      ),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of wss.clients) socket.terminate();
        wss.close(() => resolve());
      }),
  };
}
