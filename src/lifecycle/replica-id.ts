/**
 * Who this process is among the replicas sharing one database: the holder named in leases (the
 * watcher's), and a label in the logs. Host and pid make it readable; the random part keeps two
 * containers that reuse a hostname and pid 1 apart.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export function defaultReplicaId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}
