#!/usr/bin/env -S node --max-semi-space-size=4
// The `porchlight` command: runs the TypeScript CLI through tsx.
// A small young generation keeps a long import's memory flat: each batch's rows outlive many
// scavenges while the database merges them, and with V8's default sizes they pile up as garbage
// in the old generation before a full collection comes round.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
