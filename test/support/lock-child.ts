// Tries to lock a data directory, says whether it got it, and holds it a moment.
import { lockDataDir } from '../../src/db/lock.ts';

const r = lockDataDir(process.argv[2]!, 'race');
process.stdout.write('acquired' in r ? 'acquired' : `held by ${r.heldBy.pid}`);
await new Promise((res) => setTimeout(res, 1500));
if ('acquired' in r) r.acquired.release();
