import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeHolder, lockDataDir } from './lock.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-lock-'));
const lockFile = (dir: string) => path.join(dir, 'porchlight.lock');

describe('data directory lock', () => {
  it('refuses a second holder, naming the first, and frees on release', () => {
    const dir = tmp();
    const first = lockDataDir(dir, 'import leads');
    if (!('acquired' in first)) throw new Error('not acquired');
    expect(lockDataDir(dir, 'leads list')).toEqual({ heldBy: first.acquired.holder }); // the same process asking again
    first.acquired.release();
    expect(fs.existsSync(lockFile(dir))).toBe(false);
    // a live process of another pid holds it
    fs.writeFileSync(lockFile(dir), JSON.stringify({ pid: process.ppid, command: 'import leads', started_at: 'then' }));
    const second = lockDataDir(dir, 'leads list');
    expect(second).toEqual({ heldBy: { pid: process.ppid, command: 'import leads', started_at: 'then' } });
    if ('heldBy' in second) expect(describeHolder(dir, second.heldBy)).toMatch(/in use by `porchlight import leads` \(pid \d+/);
    fs.rmSync(dir, { recursive: true });
  });

  it('takes over the lock of a holder that died (kill -9) or left garbage', () => {
    const dir = tmp();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    // a dead pid; garbage; this very pid, left by an earlier process that had it (a restarted container)
    for (const stale of [JSON.stringify({ pid: Number(dead), command: 'serve', started_at: 'then' }), '{"pid":', JSON.stringify({ pid: process.pid, command: 'serve', started_at: 'then' })]) {
      fs.writeFileSync(lockFile(dir), stale);
      const r = lockDataDir(dir, 'leads list');
      if (!('acquired' in r)) throw new Error(`not acquired over ${stale}`);
      expect(JSON.parse(fs.readFileSync(lockFile(dir), 'utf8')).pid).toBe(process.pid);
      r.acquired.release();
    }
    expect(fs.readdirSync(dir)).toEqual([]); // no temporary or stale files left behind
    fs.rmSync(dir, { recursive: true });
  });

  it('publishes the shared socket by replacing the whole file', () => {
    const dir = tmp();
    const r = lockDataDir(dir, 'serve');
    if (!('acquired' in r)) throw new Error('not acquired');
    r.acquired.share({ host: dir, port: 5432 });
    expect(JSON.parse(fs.readFileSync(lockFile(dir), 'utf8'))).toMatchObject({ pid: process.pid, socket: { host: dir, port: 5432 } });
    r.acquired.release();
    fs.rmSync(dir, { recursive: true });
  });

  it('lets exactly one of several processes racing for a stale lock take it', async () => {
    const dir = tmp();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    fs.writeFileSync(lockFile(dir), JSON.stringify({ pid: Number(dead), command: 'serve', started_at: 'then' }));
    const child = path.resolve(import.meta.dirname, '../../test/support/lock-child.ts');
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () => new Promise<string>((resolve) => {
        const p = spawn(process.execPath, ['--import', 'tsx', child, dir]);
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.on('close', () => resolve(out));
      })),
    );
    expect(outputs.filter((o) => o === 'acquired')).toHaveLength(1);
    expect(outputs.filter((o) => o.startsWith('held by'))).toHaveLength(3);
    fs.rmSync(dir, { recursive: true });
  });
});
