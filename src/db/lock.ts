import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../app/errors.ts';

// An embedded database directory may be opened by one process only: two PGlite instances writing
// the same files corrupt them. The holder publishes who it is in a lock file; a holder that shares
// the database (porchlight serve) also publishes the socket other commands can connect through.
//
// Every write is atomic: the file is written under a temporary name first, then published with
// link() (which fails if a lock exists) or replaced with rename(). A reader never sees half a
// lock, so an unreadable lock file is garbage, not a holder caught mid-write.
// Known limit: a holder is judged alive by its pid, so a dead holder whose pid was given to an
// unrelated process keeps the directory locked until that process ends or the file is removed.

export interface LockHolder {
  pid: number;
  command: string;
  started_at: string;
  socket?: { host: string; port: number };
}

export interface DataDirLock {
  holder: LockHolder;
  /** Publish the socket other processes may use while this process holds the directory. */
  share(socket: { host: string; port: number }): void;
  release(): void;
}

export type LockResult = { acquired: DataDirLock } | { heldBy: LockHolder };

const heldHere = new Map<string, LockHolder>();

const lockPath = (dataDir: string) => path.join(dataDir, 'porchlight.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | 'missing' | 'garbage' {
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
    return Number.isInteger(h.pid) ? h : 'garbage';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'garbage';
  }
}

function writeTemp(file: string, holder: LockHolder): string {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(holder), { mode: 0o600 });
  return tmp;
}

export function lockDataDir(dataDir: string, command: string): LockResult {
  const file = lockPath(dataDir);
  const mine = heldHere.get(path.resolve(dataDir));
  if (mine) return { heldBy: mine };
  const holder: LockHolder = { pid: process.pid, command, started_at: new Date().toISOString() };
  for (let attempt = 0; attempt < 50; attempt++) {
    const tmp = writeTemp(file, holder);
    try {
      fs.linkSync(tmp, file); // atomic: fails if any lock is there
      return { acquired: makeLock(dataDir, file, holder) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    const other = readHolder(file);
    if (other === 'missing') continue; // released meanwhile
    if (live(other)) return { heldBy: other as LockHolder };
    takeOverStale(file);
  }
  throw new AppError('CONFLICT', `could not lock ${dataDir}: other processes keep taking the lock`);
}

// A lock naming this process but not held by it was left by an earlier process that had the
// same pid (a container restarted after kill -9): stale, like any lock of a dead process.
const live = (h: LockHolder | 'garbage'): boolean => h !== 'garbage' && h.pid !== process.pid && alive(h.pid);

// The holder died (kill -9, power cut), or left garbage. Taking over is serialized by a second,
// short-lived lock: whoever holds it checks again that the lock is still stale before removing it,
// and only takers remove lock files, so a live holder's lock is never removed. A lock is only
// ever created where none exists (link), so after the removal exactly one process gets it.
function takeOverStale(file: string) {
  const takeover = `${file}.takeover`;
  const tmp = `${takeover}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, String(process.pid));
  try {
    fs.linkSync(tmp, takeover);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // another process is taking over; a takeover lock older than a few seconds was left by a crash
    const age = Date.now() - (fs.statSync(takeover, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > 5000) fs.rmSync(takeover, { force: true });
    sleep(50);
    return;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  try {
    const now = readHolder(file);
    if (now !== 'missing' && !live(now)) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(takeover, { force: true });
  }
}

function sleep(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function makeLock(dataDir: string, file: string, holder: LockHolder): DataDirLock {
  const key = path.resolve(dataDir);
  heldHere.set(key, holder);
  let released = false;
  const onExit = () => lock.release();
  const lock: DataDirLock = {
    holder,
    share(socket) {
      holder.socket = socket;
      fs.renameSync(writeTemp(file, holder), file); // atomic replace
    },
    release() {
      if (released) return;
      released = true;
      heldHere.delete(key);
      process.off('exit', onExit);
      const current = readHolder(file);
      if (current !== 'missing' && current !== 'garbage' && current.pid === holder.pid) fs.rmSync(file, { force: true });
    },
  };
  process.on('exit', onExit);
  return lock;
}

export function describeHolder(dataDir: string, h: LockHolder): string {
  const what = h.pid === process.pid ? 'this process' : `pid ${h.pid}`;
  return (
    `the data directory ${dataDir} is in use by \`porchlight ${h.command}\` (${what}, since ${h.started_at}). ` +
    'Wait for it to finish, or start `porchlight serve` first: while it runs, other commands share its database.'
  );
}
