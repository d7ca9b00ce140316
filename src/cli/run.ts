import cliProgress from 'cli-progress';
import { AppError, exitCodeOf } from '../app/errors.ts';
import { loadConfig, type Config } from '../app/config.ts';
import { createContainer, type Container, type ContainerOptions } from '../app/container.ts';
import type { Actor } from '../db/tenant.ts';

// How every command runs: open what it needs, call one service method, print the answer as
// JSON (--json, one document on stdout) or as text, and turn failures into exit codes.

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

export interface CommandContext {
  config: Config;
  c: Container;
  io: Io;
  /** The operator acting in an organization named by --org. */
  operatorIn(org: string | undefined): Promise<Actor>;
}

export interface RunOptions extends Omit<ContainerOptions, 'command'> {
  /** Commands that manage their own lifetime (serve) keep the container open. */
  keepOpen?: boolean;
  /** Pure commands (address normalize) open no database: `ctx.c` is not available to them. */
  noDatabase?: boolean;
}

export function command<A extends unknown[]>(
  name: string,
  fn: (ctx: CommandContext, ...args: A) => Promise<{ json: unknown; text: string } | void>,
  opts: RunOptions = {},
) {
  return async (...args: A) => {
    const flags = (args.at(-2) ?? {}) as { json?: boolean };
    const io = processIo;
    let c: Container | undefined;
    try {
      const config = loadConfig();
      if (!opts.noDatabase) c = await createContainer(config, { command: name, ...opts });
      const container = c as Container;
      const ctx: CommandContext = {
        config,
        c: container,
        io,
        async operatorIn(org) {
          if (!org) throw new AppError('VALIDATION', '--org: required (an organization id or slug; see `porchlight org list`)', [{ field: 'org', message: 'required' }]);
          const o = await container.tenancy.resolveOrganization(org);
          return container.tenancy.operator(o.id, 'cli');
        },
      };
      const result = await fn(ctx, ...args);
      if (result) io.out(flags.json ? JSON.stringify(result.json, null, 2) : result.text);
      if (!opts.keepOpen) await c?.close();
    } catch (e) {
      await c?.close().catch(() => {});
      const err = e instanceof AppError ? e : new AppError('INTERNAL', (e as Error).message ?? String(e), [], { cause: e });
      if (flags.json) io.out(JSON.stringify({ error: err.toJSON() }, null, 2));
      io.err(`porchlight ${name}: ${err.message}`);
      for (const d of err.details) if (d.field && !err.message.includes(d.field)) io.err(`  ${d.field}: ${d.message}`);
      if (err.code === 'INTERNAL' && process.env.DEBUG) io.err(String((e as Error).stack));
      process.exitCode = exitCodeOf[err.code];
    }
  };
}

/** The operator in the organization, acting as a user when one is named (their configuration, their calls, their nudges). */
export async function actorAs(ctx: CommandContext, org: string, user?: string): Promise<Actor> {
  const op = await ctx.operatorIn(org);
  if (!user) return op;
  const u = (await ctx.c.tenancy.listUsers(op)).find((x) => x.email === user.toLowerCase() || x.id === user);
  if (!u) throw new AppError('NOT_FOUND', `user ${user} was not found`, [{ field: 'user', message: 'no such user' }]);
  return { organizationId: op.organizationId, userId: u.id, role: u.role, via: 'cli' };
}

/** An option holding JSON, parsed; a VALIDATION error naming the option when it is not JSON. */
/** A whole-number option (`--batch 50`), or a validation error naming it. */
export function count(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new AppError('VALIDATION', `--${name}: a whole number, not '${text}'`, [{ field: name, message: 'not a whole number' }]);
  return n;
}

export function parseJsonOption(name: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError('VALIDATION', `--${name}: not JSON (${(e as Error).message})`, [{ field: name, message: 'not JSON' }]);
  }
}

/** Rows as a plain text table of the given columns, each sized to its widest cell (any objects: their other fields are left out). */
export function table(records: readonly object[], columns: string[]): string {
  if (records.length === 0) return '(none)';
  const rows = records as readonly Record<string, unknown>[];
  const cell = (v: unknown) => (v === null || v === undefined ? '' : v instanceof Date ? v.toISOString().slice(0, 16).replace('T', ' ') : Array.isArray(v) ? v.join(',') : String(v));
  const widths = columns.map((c) => Math.min(40, Math.max(c.length, ...rows.map((r) => cell(r[c]).length))));
  const line = (vals: string[]) => vals.map((v, i) => v.slice(0, widths[i]).padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n');
}

/**
 * A horizontal bar chart in text: one bar per row, scaled to `max`, drawn in eighths of a
 * character so small differences still show.
 */
export function bars(rows: { label: string; value: number; note?: string }[], max: number, width = 30): string {
  const blocks = ' ▏▎▍▌▋▊▉█';
  const labels = Math.max(...rows.map((r) => r.label.length));
  const values = Math.max(...rows.map((r) => r.value.toLocaleString('en-US').length));
  return rows.map((r) => {
    const eighths = max > 0 ? Math.round((Math.min(r.value, max) / max) * width * 8) : 0;
    const bar = ('█'.repeat(Math.floor(eighths / 8)) + (eighths % 8 ? blocks[eighths % 8] : '')).padEnd(width);
    return `${r.label.padEnd(labels)}  ${bar}  ${r.value.toLocaleString('en-US').padStart(values)}${r.note ? `  ${r.note}` : ''}`.trimEnd();
  }).join('\n');
}


/**
 * A progress bar for work in named steps (stages, scorers), one bar per step on stderr; nothing
 * when stderr is not a terminal or the output is JSON.
 */
export function stepProgress(show: boolean, unit: string) {
  const bar = show && process.stderr.isTTY
    ? new cliProgress.SingleBar({ format: `{step} [{bar}] {value}/{total} ${unit}`, hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  let current = '';
  return {
    update(step: string, done: number, total: number) {
      if (!bar) return;
      if (step !== current) {
        if (current) bar.stop();
        current = step;
        bar.start(total, 0, { step: step.padEnd(10) });
      }
      bar.update(done, { step: step.padEnd(10) });
    },
    stop: () => bar?.stop(),
  };
}
