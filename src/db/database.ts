import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { Kysely, PGliteDialect, PostgresDialect, sql, type DatabaseConnection, type Driver } from 'kysely';
import pg from 'pg';
import { AppError } from '../app/errors.ts';
import { describeHolder, lockDataDir, type DataDirLock } from './lock.ts';
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

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) return openServer(opts.databaseUrl, opts.poolSize ?? 10, opts.databaseUrl.replace(/:[^:@/]*@/, ':***@'));
  if (opts.dataDir.startsWith('memory://')) {
    const pglite = await PGlite.create({ parsers, loadDataDir: opts.loadDataDir });
    return direct(pglite, 'memory', async () => {});
  }
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const result = lockDataDir(opts.dataDir, opts.command);
  if ('heldBy' in result) {
    const socket = result.heldBy.socket;
    // One server per data directory: a second would live only as long as the first.
    if (!socket || opts.share) throw new AppError('CONFLICT', describeHolder(opts.dataDir, result.heldBy));
    return viaSocket(socket, opts.dataDir);
  }
  return openOwned(opts, result.acquired);
}

async function openOwned(opts: OpenOptions, lock: DataDirLock): Promise<Database> {
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({ dataDir: path.join(opts.dataDir, 'pgdata'), parsers });
  } catch (e) {
    lock.release();
    throw new AppError('INTERNAL', `could not open the embedded database in ${opts.dataDir}: ${(e as Error).message}`, [], { cause: e });
  }
  if (!opts.share) {
    return direct(pglite, opts.dataDir, async () => lock.release());
  }
  // Sharing: every client, this process included, goes through the socket server, whose
  // multiplexer keeps each client's transaction whole. Direct calls would interleave with them.
  const socket = await startSocketServer(pglite, opts.dataDir);
  lock.share(socket.address);
  const inner = openServerPool({ host: socket.address.host, port: socket.address.port, user: 'postgres', database: 'postgres' }, opts.poolSize ?? 8);
  return {
    engine: 'pglite',
    kysely: inner.kysely,
    pglite,
    location: opts.dataDir,
    execScript: inner.execScript,
    async close() {
      await inner.kysely.destroy();
      await socket.server.stop();
      await pglite.close();
      lock.release();
    },
  };
}

async function startSocketServer(pglite: PGlite, dataDir: string) {
  // A Unix socket in the data directory is private to its owner; its path must stay short.
  const dir = path.resolve(dataDir);
  const unixPath = path.join(dir, '.s.PGSQL.5432');
  const useUnix = process.platform !== 'win32' && unixPath.length < 100;
  if (useUnix) fs.rmSync(unixPath, { force: true }); // left by a crashed holder
  const server = new PGLiteSocketServer({
    db: pglite,
    maxConnections: 32,
    ...(useUnix ? { path: unixPath } : { host: '127.0.0.1', port: 0 }),
  });
  await server.start();
  const address = useUnix ? { host: dir, port: 5432 } : { host: '127.0.0.1', port: Number(server.getServerConn().split(':').pop()) };
  return { server, address };
}

function direct(pglite: PGlite, location: string, close: () => Promise<void>): Database {
  const kysely = new Kysely<DB>({ dialect: new SerialPGliteDialect({ pglite }) });
  return {
    engine: 'pglite',
    kysely,
    pglite,
    location,
    // Holding Kysely's one connection keeps everyone else out while the script runs.
    execScript: (script) => kysely.connection().execute(() => withRollback(script, (q) => pglite.exec(q))),
    async close() {
      await kysely.destroy();
      await close();
    },
  };
}

function viaSocket(socket: { host: string; port: number }, dataDir: string): Database {
  const inner = openServerPool({ host: socket.host, port: socket.port, user: 'postgres', database: 'postgres' }, 2);
  return { engine: 'pglite', location: `${dataDir} (shared by porchlight serve)`, ...inner };
}

function openServer(url: string, size: number, location: string): Database {
  const inner = openServerPool({ connectionString: url }, size);
  return { engine: 'postgres', location, ...inner };
}

function openServerPool(config: pg.PoolConfig, max: number) {
  const pool = new pg.Pool({ ...config, max, types: pgTypes });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kysely,
    // With no parameters pg sends the simple protocol, which takes several statements at once.
    execScript: (script: string) =>
      kysely.connection().execute((conn) => withRollback(script, (q) => sql.raw(q).execute(conn))),
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
    return new SerialDriver(super.createDriver());
  }
}

class SerialDriver implements Driver {
  #queue: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;
  constructor(private readonly inner: Driver) {}
  init() {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise((r) => (release = r));
    await previous;
    this.#release = release;
    return this.inner.acquireConnection();
  }
  async releaseConnection(connection: DatabaseConnection) {
    await this.inner.releaseConnection(connection);
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
  beginTransaction(c: DatabaseConnection, s: Parameters<Driver['beginTransaction']>[1]) {
    return this.inner.beginTransaction(c, s);
  }
  commitTransaction(c: DatabaseConnection) {
    return this.inner.commitTransaction(c);
  }
  rollbackTransaction(c: DatabaseConnection) {
    return this.inner.rollbackTransaction(c);
  }
  savepoint(...a: Parameters<NonNullable<Driver['savepoint']>>) {
    return this.inner.savepoint!(...a);
  }
  rollbackToSavepoint(...a: Parameters<NonNullable<Driver['rollbackToSavepoint']>>) {
    return this.inner.rollbackToSavepoint!(...a);
  }
  releaseSavepoint(...a: Parameters<NonNullable<Driver['releaseSavepoint']>>) {
    return this.inner.releaseSavepoint!(...a);
  }
  destroy() {
    return this.inner.destroy();
  }
}
