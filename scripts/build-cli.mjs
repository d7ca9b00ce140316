// Bundles the CLI's TypeScript into one file, build/cli/porchlight.mjs, which bin/porchlight.js
// runs while it is newer than every source file. The packages stay outside the bundle, loaded by
// Node as usual (PGlite finds its WebAssembly beside its own module). The bundle sits two folders
// below the project, as the sources do, so the paths they resolve from their own location (the
// migrations, the web app's build) come out the same.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function buildCli() {
  await build({
    entryPoints: [path.join(root, 'src/cli/main.ts')], outfile: path.join(root, 'build/cli/porchlight.mjs'),
    bundle: true, platform: 'node', format: 'esm', packages: 'external', target: 'node22', logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
