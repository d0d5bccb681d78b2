/** Another process holding a SQLite file's write lock, as a second replica or a backup tool would. */
import { spawn } from 'node:child_process';

export interface HeldLock {
  /** Resolves when the holder has let go and exited. */
  readonly released: Promise<void>;
}

/** Resolves once a child process holds `BEGIN IMMEDIATE` on `path`; it lets go after `ms`. */
export async function holdSqliteLock(path: string, ms: number): Promise<HeldLock> {
  const holder = spawn(process.execPath, [
    '-e',
    `const D=require('better-sqlite3');const db=new D(${JSON.stringify(path)});db.exec('BEGIN IMMEDIATE');process.stdout.write('locked\\n');setTimeout(()=>{db.exec('ROLLBACK');db.close();process.exit(0)},${Math.trunc(ms)});`,
  ]);
  const released = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve());
    holder.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return { released };
}
