#!/usr/bin/env -S node --max-semi-space-size=4
// The `porchlight` command. It runs the CLI bundled into one file (`npm run build:cli`, done by
// `npm ci`) when that bundle is newer than every source file, and the TypeScript sources through
// tsx otherwise, so an edit takes effect at once. The bundle starts in about a third of the time:
// Node loads one file instead of hundreds, each through tsx's loader.
// A small young generation keeps a long import's memory flat: each batch's rows outlive many
// scavenges while the database merges them, and with V8's default sizes they pile up as garbage
// in the old generation before a full collection comes round.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'build/cli/porchlight.mjs');

/** The newest modification time of the TypeScript files under a folder. */
function newest(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.name.endsWith('.ts')) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

let fresh = false;
try {
  fresh = fs.statSync(bundle).mtimeMs >= newest(path.join(root, 'src'));
} catch {
  // no bundle yet: the sources
}
if (fresh) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
