import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { Kysely, PGliteDialect, PostgresDialect, sql, type DatabaseConnection, type Driver } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isCopy, type CopyRows } from './bulk.ts';
import { AppError } from '../app/errors.ts';
import { describeHolder, lockDataDir, type DataDirLock, type LockHolder } from './lock.ts';
import type { DB } from './schema.ts';

// One handle over the two engines. Kysely sees the same database either way; the rest of the
// code does not know which engine it runs on, except bulk loaders that pick their COPY path.

export type Engine = 'pglite' | 'postgres';

export interface Database {
  readonly engine: Engine;
  readonly kysely: Kysely<DB>;
  /** The in-process PGlite, when this process owns it and talks to it directly. */
  readonly pglite?: PGlite;
  /** Where the data lives, for messages. */
  readonly location: string;
  /** Run a multi-statement SQL script on one connection; a failed script is rolled back. */
  execScript(script: string): Promise<void>;
  /**
   * One statement with parameters, or several without, as the connection's own role, returning
   * every statement's rows: what the job queue (pg-boss) speaks. On the embedded database it
   * waits its turn like any transaction.
   */
  rawQuery(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string;
  /** A directory, or memory:// for a throw-away database. */
  dataDir: string;
  /** What this process is, written into the lock: 'serve', 'leads list' ... */
  command: string;
  /** Serve the embedded database on a socket so other commands can use it while this one runs. */
  share?: boolean;
  /** An in-memory database starts as a copy of this dump (tests use a migrated template). */
  loadDataDir?: Blob;
  poolSize?: number;
}

// Both drivers return the same JavaScript values: int8 and numeric as numbers (cents stay well
// below 2^53), dates as 'YYYY-MM-DD' strings rather than local-midnight Date objects.
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const parsers: Record<number, (v: string) => unknown> = {
  [INT8]: Number,
  [NUMERIC]: Number,
  [DATE]: (v) => v,
};
const pgTypes = {
  getTypeParser: ((oid: number, format?: string) =>
    parsers[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

// The extensions the migrations create (btree_gist: an estimator's bookings may not overlap;
// vector: HNSW indexes for the nudges' similarity search; pg_trgm: searching leads by owner and address).
const extensions = { btree_gist, vector, pg_trgm };

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) return openServer(opts.databaseUrl, opts.poolSize ?? 10, opts.databaseUrl.replace(/:[^:@/]*@/, ':***@'));
  if (opts.dataDir.startsWith('memory://')) {
    const pglite = await PGlite.create({ parsers, loadDataDir: opts.loadDataDir, extensions });
    return direct(pglite, 'memory', async () => {});
  }
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  try {
    fs.chmodSync(opts.dataDir, 0o700); // it holds the database, secret.key and the shared socket
  } catch {
    // not ours to change; its owner decides who may read it
  }
  const result = lockDataDir(opts.dataDir, opts.command);
  if ('heldBy' in result) {
    const socket = result.heldBy.socket;
    // One server per data directory: a second would live only as long as the first.
    if (!socket || opts.share) throw new AppError('CONFLICT', describeHolder(opts.dataDir, result.heldBy));
    return viaSocket(result.heldBy, opts.dataDir);
  }
  return openOwned(opts, result.acquired);
}

async function openOwned(opts: OpenOptions, lock: DataDirLock): Promise<Database> {
  let pglite: PGlite;
  try {
    const pgdata = path.join(opts.dataDir, 'pgdata');
    if (!fs.existsSync(pgdata)) await initDataDir(pgdata);
    pglite = await PGlite.create({ dataDir: pgdata, parsers, extensions });
  } catch (e) {
    lock.release();
    throw new AppError('INTERNAL', `could not open the embedded database in ${opts.dataDir}: ${(e as Error).message}`, [], { cause: e });
  }
  if (!opts.share) {
    return direct(pglite, opts.dataDir, async () => lock.release());
  }
  // Sharing: every client, this process included, goes through the socket server, whose
  // multiplexer keeps each client's transaction whole. Direct calls would interleave with them.
  let socket: Awaited<ReturnType<typeof startSocketServer>>;
  try {
    socket = await startSocketServer(pglite, opts.dataDir);
    lock.share(socket.address);
  } catch (e) {
    await pglite.close().catch(() => {});
    lock.release();
    throw new AppError('INTERNAL', `could not share the embedded database in ${opts.dataDir}: ${(e as Error).message}`, [], { cause: e });
  }
  const inner = openServerPool({ host: socket.address.host, port: socket.address.port, user: 'postgres', database: 'postgres' }, opts.poolSize ?? 8, 'insert');
  return {
    engine: 'pglite',
    kysely: inner.kysely, // no `pglite` here: a direct call would cut into socket clients' transactions
    location: opts.dataDir,
    execScript: inner.execScript,
    rawQuery: inner.rawQuery,
    async close() {
      await inner.kysely.destroy();
      await socket.stop();
      await pglite.close();
      lock.release();
    },
  };
}

// A new cluster is created beside its final place and moved there when complete, so a process
// killed during initdb leaves no half-made cluster behind: the next run simply starts again.
async function initDataDir(pgdata: string) {
  const creating = `${pgdata}.creating`;
  fs.rmSync(creating, { recursive: true, force: true });
  const fresh = await PGlite.create({ dataDir: creating });
  await fresh.close();
  fs.renameSync(creating, pgdata);
}

async function startSocketServer(pglite: PGlite, dataDir: string) {
  // A Unix socket, never TCP: the socket server speaks as a superuser without a password, so
  // only its owner may reach it. The socket lives in the data directory (0700), or, when that
  // path is too long for a socket, in a private directory of its own under the system temp dir.
  let dir = path.resolve(dataDir);
  let ownDir: string | undefined;
  if (path.join(dir, '.s.PGSQL.5432').length > 100) {
    dir = ownDir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-')); // new, ours, 0700; published in the lock
  }
  const unixPath = path.join(dir, '.s.PGSQL.5432');
  fs.rmSync(unixPath, { force: true }); // left by a holder that was killed
  const server = new PGLiteSocketServer({ db: pglite, maxConnections: 32, path: unixPath });
  await server.start();
  fs.chmodSync(unixPath, 0o600);
  return {
    server,
    address: { host: dir, port: 5432 },
    async stop() {
      await server.stop();
      if (ownDir) fs.rmSync(ownDir, { recursive: true, force: true });
    },
  };
}

function direct(pglite: PGlite, location: string, close: () => Promise<void>): Database {
  const kysely = new Kysely<DB>({ dialect: new SerialPGliteDialect({ pglite: copyingPGlite(pglite) }) });
  return {
    engine: 'pglite',
    kysely,
    pglite,
    location,
    // Holding Kysely's one connection keeps everyone else out while the script runs.
    execScript: (script) => kysely.connection().execute(() => withRollback(script, (q) => pglite.exec(q))),
    rawQuery: (text, values) => kysely.connection().execute(async () => {
      if (values?.length) return { rows: (await pglite.query(text, values)).rows as any[] };
      return { rows: (await pglite.exec(text)).flatMap((r) => r.rows as any[]) };
    }),
    async close() {
      await kysely.destroy();
      await close();
    },
  };
}

async function viaSocket(holder: LockHolder, dataDir: string): Promise<Database> {
  const socket = holder.socket!;
  const inner = openServerPool({ host: socket.host, port: socket.port, user: 'postgres', database: 'postgres' }, 2, 'insert');
  try {
    await sql`SELECT 1`.execute(inner.kysely);
  } catch (e) {
    await inner.close();
    throw new AppError('CONFLICT', `${describeHolder(dataDir, holder)} It does not answer on its socket (${(e as Error).message}); if it hangs, stop it.`, [], { cause: e });
  }
  return { engine: 'pglite', location: `${dataDir} (shared by porchlight serve)`, ...inner };
}

function openServer(url: string, size: number, location: string): Database {
  const inner = openServerPool({ connectionString: url }, size, 'stream');
  return { engine: 'postgres', location, ...inner };
}

function openServerPool(config: pg.PoolConfig, max: number, copy: 'stream' | 'insert') {
  const pool = new pg.Pool({ ...config, max, types: pgTypes });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  pool.on('connect', (client) => acceptCopy(client, copy));
  const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kysely,
    // With no parameters pg sends the simple protocol, which takes several statements at once.
    execScript: (script: string) =>
      kysely.connection().execute((conn) => withRollback(script, (q) => sql.raw(q).execute(conn))),
    async rawQuery(text: string, values?: unknown[]) {
      const r = (await pool.query(text, values)) as pg.QueryResult | pg.QueryResult[];
      return { rows: Array.isArray(r) ? r.flatMap((x) => x.rows ?? []) : r.rows };
    },
    close: () => kysely.destroy(),
  };
}

async function withRollback(script: string, run: (q: string) => Promise<unknown>): Promise<void> {
  try {
    await run(script);
  } catch (e) {
    await run('ROLLBACK').catch(() => {});
    throw e;
  }
}

// Kysely's PGlite driver hands its single connection to every caller at once, so two concurrent
// transactions would interleave on it. This dialect gives the connection to one caller at a time.
class SerialPGliteDialect extends PGliteDialect {
  override createDriver(): Driver {
    const inner = super.createDriver();
    let queue: Promise<void> = Promise.resolve();
    let release: (() => void) | undefined;
    const acquireConnection = async (): Promise<DatabaseConnection> => {
      const previous = queue;
      let done!: () => void;
      queue = new Promise((r) => (done = r));
      await previous;
      try {
        const connection = await inner.acquireConnection();
        release = done;
        return connection;
      } catch (e) {
        done(); // the next caller must not wait for a connection that never came
        throw e;
      }
    };
    const releaseConnection = async (connection: DatabaseConnection) => {
      try {
        await inner.releaseConnection(connection);
      } finally {
        const r = release;
        release = undefined;
        r?.();
      }
    };
    return new Proxy(inner, {
      get(target, prop) {
        if (prop === 'acquireConnection') return acquireConnection;
        if (prop === 'releaseConnection') return releaseConnection;
        const value = Reflect.get(target, prop) as unknown;
        // bound: the driver keeps its state in private fields, which a proxy as `this` cannot reach
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }
}

// --- COPY (see bulk.ts) -------------------------------------------------------------------------

type Query = (text: unknown, params?: unknown, cb?: unknown) => unknown;

/** Teach a pooled pg client to run a CopyRows query: as a COPY stream, or as an INSERT from arrays. */
function acceptCopy(client: pg.PoolClient, mode: 'stream' | 'insert') {
  const query = client.query.bind(client) as Query;
  const types = new Map<string, Map<string, string>>();
  (client as unknown as { query: Query }).query = (text, params, cb) => {
    if (typeof text !== 'string' || !isCopy(params)) return query(text, params, cb);
    return mode === 'stream' ? copyStream(query, text, params[0]) : copyInsert(query, params[0], types);
  };
}

async function copyStream(query: Query, text: string, rows: CopyRows) {
  const stream = query(copyFrom(text)) as ReturnType<typeof copyFrom>;
  await pipeline(Readable.from([rows.toText()]), stream);
  return { command: 'COPY', rowCount: stream.rowCount, rows: [] };
}

async function copyInsert(query: Query, rows: CopyRows, cache: Map<string, Map<string, string>>) {
  let types = cache.get(rows.table);
  if (!types) {
    const res = (await query(
      'SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0',
      [rows.table],
    )) as pg.QueryResult<{ attname: string; type: string }>;
    types = new Map(res.rows.map((r) => [r.attname, r.type]));
    cache.set(rows.table, types);
  }
  // every column travels as text[] and is cast on the way in: arrays of arrays (text[] columns)
  // cannot be sent as one array parameter
  const arrays = rows.columns.map((_, i) => `$${i + 1}::text[]`);
  const casts = rows.columns.map((c, i) => `u.c${i}::${types!.get(c) ?? 'text'}`);
  const names = rows.columns.map((_, i) => `c${i}`);
  const text = `INSERT INTO ${rows.table} (${rows.columns.join(', ')}) SELECT ${casts.join(', ')} FROM unnest(${arrays.join(', ')}) AS u(${names.join(', ')})`;
  return query(text, rows.toColumns());
}

/** An in-process PGlite takes COPY data as a blob named /dev/blob. */
function copyingPGlite(pglite: PGlite): PGlite {
  type Q = PGlite['query'];
  const wrapQuery = (q: Q): Q =>
    (async (text: string, params?: unknown[], options?: object) => {
      if (!isCopy(params)) return q(text, params, options as never);
      const blob = new Blob([params[0].toText()]);
      // PGlite reads the blob as a server file: only the session's own role may (see asSessionRole)
      return q(text.replace(/FROM STDIN$/, "FROM '/dev/blob'"), [], { ...options, blob });
    }) as Q;
  return new Proxy(pglite, {
    get(target, prop) {
      if (prop === 'query') return wrapQuery(target.query.bind(target));
      if (prop === 'transaction') {
        return (fn: (tx: unknown) => Promise<unknown>) =>
          target.transaction((tx) => fn(new Proxy(tx, { get: (t, p) => (p === 'query' ? wrapQuery(t.query.bind(t)) : Reflect.get(t, p)) })));
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
