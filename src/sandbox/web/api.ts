/**
 * The page's two ways to the server: the snapshot stream (Server-Sent Events) and JSON posts of
 * what the person did. Everything else in the page is a function of the last snapshot.
 */
import { type ActionResult, SANDBOX_PATHS, type Snapshot } from '../protocol.js';

export type ConnectionState = 'connecting' | 'open' | 'lost';

/**
 * Follows the snapshot stream, ignoring snapshots older than the newest seen, and reconnects
 * when the sandbox goes away. Returns a function that stops it.
 */
export function followSnapshots(
  onSnapshot: (snapshot: Snapshot) => void,
  onState: (state: ConnectionState) => void,
): () => void {
  let source: EventSource | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let newest = -1;
  let stopped = false;
  let freshStream = true;
  const open = () => {
    freshStream = true;
    source = new EventSource(SANDBOX_PATHS.events);
    source.addEventListener('open', () => onState('open'));
    source.addEventListener('snapshot', (event) => {
      let snapshot: Snapshot;
      try {
        snapshot = JSON.parse((event as MessageEvent<string>).data) as Snapshot;
      } catch {
        return;
      }
      // The first snapshot of a new connection may come from a restarted sandbox, which counts
      // from the start again; after that, an older revision is a late one.
      if (!freshStream && snapshot.revision < newest) return;
      freshStream = false;
      newest = snapshot.revision;
      onSnapshot(snapshot);
      onState('open');
    });
    source.addEventListener('error', () => {
      onState('lost');
      freshStream = true;
      // The browser retries by itself unless the server refused the stream outright.
      if (source?.readyState === EventSource.CLOSED && !stopped) {
        source.close();
        retry = setTimeout(open, 1500);
      }
    });
  };
  open();
  return () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    source?.close();
  };
}

/** Posts one input; a failure to reach the server becomes an `ok: false` answer. */
export async function post(path: string, body: unknown): Promise<ActionResult> {
  try {
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await res.json().catch(() => undefined)) as ActionResult | undefined;
    if (answer && typeof answer.ok === 'boolean') return answer;
    return { ok: false, message: `The sandbox answered ${res.status}.` };
  } catch {
    return { ok: false, message: 'The sandbox could not be reached.' };
  }
}
