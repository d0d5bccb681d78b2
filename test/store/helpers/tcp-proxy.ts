/**
 * A loopback TCP proxy in front of the shared PostgreSQL server, so a test can make "the
 * database" go away, hang or come back without touching the server other tests use.
 */
import net from 'node:net';

export interface TcpProxy {
  /** The port the proxy listens on (the same across stop and start). */
  readonly port: number;
  /** Refuses new connections and cuts the open ones: a server that went away. */
  stop(): Promise<void>;
  /** Listens again on the same port and forwards as before. */
  start(): Promise<void>;
  /** Keeps every connection open but forwards nothing more: a server that stopped answering. */
  freeze(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let frozen = false;
  let server: net.Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      frozen = false;
      const s = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', () => undefined);
          socket.on('close', () => {
            sockets.delete(socket);
            client.destroy();
            upstream.destroy();
          });
        }
        client.on('data', (chunk) => {
          if (!frozen) upstream.write(chunk);
        });
        upstream.on('data', (chunk) => {
          if (!frozen) client.write(chunk);
        });
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as net.AddressInfo).port;
        server = s;
        resolve();
      });
    });

  const stop = async () => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    stop,
    start: listen,
    freeze() {
      frozen = true;
    },
    close: stop,
  };
}
