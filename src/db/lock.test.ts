import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeHolder, lockDataDir } from './lock.ts';

describe('data directory lock', () => {
  it('refuses a second holder, naming the first, and frees on release', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-lock-'));
    const first = lockDataDir(dir, 'import leads');
    expect('acquired' in first).toBe(true);
    // the same process asking again stands in for a second process: the lock file is the arbiter
    fs.writeFileSync(path.join(dir, 'porchlight.lock'), JSON.stringify({ pid: process.ppid, command: 'import leads', started_at: 'then' }));
    const second = lockDataDir(dir, 'leads list');
    expect(second).toEqual({ heldBy: { pid: process.ppid, command: 'import leads', started_at: 'then' } });
    if ('heldBy' in second) expect(describeHolder(dir, second.heldBy)).toMatch(/in use by `porchlight import leads` \(pid \d+/);
    fs.rmSync(dir, { recursive: true });
  });

  it('takes over the lock of a holder that died (kill -9)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-lock-'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    fs.writeFileSync(path.join(dir, 'porchlight.lock'), JSON.stringify({ pid: Number(dead), command: 'serve', started_at: 'then' }));
    const r = lockDataDir(dir, 'leads list');
    expect('acquired' in r).toBe(true);
    if ('acquired' in r) {
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'porchlight.lock'), 'utf8')).pid).toBe(process.pid);
      r.acquired.release();
    }
    expect(fs.existsSync(path.join(dir, 'porchlight.lock'))).toBe(false);
    fs.rmSync(dir, { recursive: true });
  });
});
