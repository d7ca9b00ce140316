import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../app/errors.ts';

// An embedded database directory may be opened by one process only: two PGlite instances writing
// the same files corrupt them. The holder writes who it is into a lock file; a holder that shares
// the database (porchlight serve) also writes the socket other commands can connect through.

export interface LockHolder {
  pid: number;
  command: string;
  started_at: string;
  socket?: { host: string; port: number };
}

export interface DataDirLock {
  holder: LockHolder;
  /** Record the socket other processes may use while this process holds the directory. */
  share(socket: { host: string; port: number }): void;
  release(): void;
}

export type LockResult = { acquired: DataDirLock } | { heldBy: LockHolder };

const lockPath = (dataDir: string) => path.join(dataDir, 'porchlight.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return undefined; // being written right now, or garbage left by a crash
  }
}

export function lockDataDir(dataDir: string, command: string): LockResult {
  const file = lockPath(dataDir);
  const holder: LockHolder = { pid: process.pid, command, started_at: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, JSON.stringify(holder));
      fs.closeSync(fd);
      return { acquired: makeLock(file, holder) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const other = readHolder(file);
    if (other && other.pid !== process.pid && alive(other.pid)) return { heldBy: other };
    // The holder died (kill -9, power cut): its lock is stale. Remove it and try again; if another
    // process wins that race, the next attempt sees its live lock.
    fs.rmSync(file, { force: true });
  }
  throw new AppError('CONFLICT', `could not lock ${dataDir}: another process keeps taking the lock`);
}

function makeLock(file: string, holder: LockHolder): DataDirLock {
  let released = false;
  const onExit = () => lock.release();
  const lock: DataDirLock = {
    holder,
    share(socket) {
      holder.socket = socket;
      fs.writeFileSync(file, JSON.stringify(holder), { mode: 0o600 });
    },
    release() {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      const current = readHolder(file);
      if (current?.pid === holder.pid) fs.rmSync(file, { force: true });
    },
  };
  process.on('exit', onExit);
  return lock;
}

export function describeHolder(dataDir: string, h: LockHolder): string {
  return (
    `the data directory ${dataDir} is in use by \`porchlight ${h.command}\` (pid ${h.pid}, since ${h.started_at}). ` +
    'Wait for it to finish, or start `porchlight serve` first: while it runs, other commands share its database.'
  );
}
