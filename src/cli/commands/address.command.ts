import fs from 'node:fs';
import readline from 'node:readline';
import type { Command } from 'commander';
import { parseAddress, type NormalizedAddress } from '../../domain/identity/normalize-address.ts';
import { command, table } from '../run.ts';

// `porchlight address normalize`: how Porchlight reads an address, and the key it hashes to, so
// a user can see why two rows did or did not merge. Needs no database.

const shown = (a: NormalizedAddress, input: string) => ({
  input,
  number: a.number, predirectional: a.predirectional, street_name: a.streetName, suffix: a.suffix,
  postdirectional: a.postdirectional, unit_type: a.unitType, unit_id: a.unitId,
  city: a.city, state: a.state, zip5: a.zip5, zip4: a.zip4, line1: a.line1,
  addr_hash: a.addrHash ? a.addrHash.toString('hex') : null, warnings: a.warnings,
});

export function registerAddress(program: Command) {
  const address = program.command('address').description('how addresses are read and matched');
  address.command('normalize')
    .description('parse and normalize US addresses (USPS Publication 28) and print their addr_hash')
    .argument('[address]', 'one address on one line, e.g. "123 North Main Street Apt 4, Springfield, Illinois 62701-1234"')
    .option('--file <file>', 'one address per line')
    .option('--json', 'machine-readable output')
    .action(command('address normalize', async (_ctx, input: string | undefined, o: { file?: string }) => {
      const inputs: string[] = input ? [input] : [];
      if (o.file) {
        const lines = readline.createInterface({ input: fs.createReadStream(o.file), crlfDelay: Infinity });
        for await (const line of lines) if (line.trim()) inputs.push(line);
      }
      if (inputs.length === 0) {
        const { AppError } = await import('../../app/errors.ts');
        throw new AppError('VALIDATION', 'give an address or --file FILE', [{ field: 'address', message: 'required' }]);
      }
      const rows = inputs.map((i) => shown(parseAddress(i), i));
      const text = rows.length === 1
        ? Object.entries(rows[0]!).map(([k, v]) => `${k.padEnd(16)} ${Array.isArray(v) ? v.join('; ') || '-' : (v ?? '-')}`).join('\n')
        : table(rows.map((r) => ({ ...r, addr_hash: r.addr_hash?.slice(0, 16) ?? '(none)' })), ['line1', 'city', 'state', 'zip5', 'addr_hash']);
      return { json: rows.length === 1 && input ? rows[0] : rows, text };
    }, { noDatabase: true }));
}
