import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';

// PORCHLIGHT_SECRET_KEY from the environment, else the key kept in the data directory. The demo
// (serve --demo, porchlight demo) generates that file on first run so nothing needs setting up.

export function resolveSecretKey(config: Config, opts: { generate: boolean }): string | undefined {
  if (config.secretKey) return config.secretKey;
  if (config.dataDir.startsWith('memory://')) return undefined;
  const file = path.join(config.dataDir, 'secret.key');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  if (!opts.generate) return undefined;
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const key = crypto.randomBytes(32).toString('base64url');
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

/** Where the demo keeps its API key between runs (only the hash is in the database). */
export function demoKeyStore(config: Config) {
  const file = path.join(config.dataDir.startsWith('memory://') ? '' : config.dataDir, 'demo-api-key');
  let memory: string | undefined;
  const onDisk = !config.dataDir.startsWith('memory://');
  return {
    read: () => (onDisk ? (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined) : memory),
    write(key: string) {
      if (!onDisk) return void (memory = key);
      fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(file, `${key}\n`, { mode: 0o600 });
    },
  };
}
