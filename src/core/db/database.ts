import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import v8 from 'node:v8'
import { Kysely, sql } from 'kysely'
import type postgres from 'postgres'
import { lockDataDir } from './data-dir-lock.ts'
import { pgliteDialect } from './pglite-driver.ts'
import { copyMigratedImage, loadPgliteImage } from './pglite-image.ts'
import { postgresJsDialect } from './postgres-driver.ts'

// Each driver is loaded when a database of its kind is opened: a PGlite site
// never loads postgres.js, a PostgreSQL one never loads PGlite (issue 8, item 7).
const require = createRequire(import.meta.url)

/**
 * Table types for Kysely's query builder. Queries are written as plain SQL with
 * `sql<Row>` (STYLE §4), so features declare their row types beside their queries.
 */
// biome-ignore lint/complexity/noBannedTypes: no table is typed through the builder yet
export type Tables = {}
export type Db = Kysely<Tables>
export { sql }

export type DatabaseKind = 'pglite' | 'postgres'

export interface Database {
  readonly kind: DatabaseKind
  readonly db: Db
  /** Resolves when the database answers a trivial query within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<boolean>
  /**
   * LISTEN on `channel`: `onNotify` gets the payload of each NOTIFY once its
   * transaction has committed (the change feed, decision 0011). Resolves to the
   * function that stops listening.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>
  close(): Promise<void>
  /** PGlite only: the whole data directory as a gzipped tarball (test templates, backups). */
  dumpDataDir?: () => Promise<Blob>
}

const INT8 = 20
// int8 (bigint, count(*)) comes back as a JS number on both drivers. Values
// beyond 2^53 are not expected (ids, money in minor units, counts).
const parseInt8 = (value: string) => Number(value)

/** PostgreSQL through a pool of postgres.js connections. */
export function openPostgres(url: string, options: { max?: number } = {}): Database {
  const postgresJs = require('postgres') as typeof postgres
  const client = postgresJs(url, {
    max: options.max ?? 10,
    connect_timeout: 5,
    idle_timeout: 60,
    onnotice: () => {},
    types: { int8: { to: INT8, from: [INT8], serialize: (v: number) => String(v), parse: parseInt8 } },
    connection: { application_name: 'plinth' },
  })
  const db = new Kysely<Tables>({ dialect: postgresJsDialect(client) })
  // postgres.js listens on one dedicated connection of its own, and listens again after reconnecting.
  const listen = async (channel: string, onNotify: (payload: string) => void) => (await client.listen(channel, onNotify)).unlisten
  return wrap('postgres', db, listen, () => client.end({ timeout: 5 }))
}

export type PgliteOptions = {
  /** A directory on disk; omitted → in memory (tests). */
  dataDir?: string
  /** A data-directory tarball to start from (`dumpDataDir`). */
  loadDataDir?: Blob
  /**
   * The release function of the data-directory lock when the caller has taken it
   * already (`lockDataDir`: the server takes it before it listens); called at close.
   */
  heldLock?: () => void
}

/**
 * V8 compiles PGlite's WebAssembly with its baseline compiler (Liftoff) only
 * (decision 0014). With tier-up on, V8 recompiles hot functions with TurboFan
 * in the background; one of PostgreSQL's functions (105 KB of WebAssembly)
 * then takes ~0.7 s of CPU and ~600 MB of compiler memory, within a second of
 * every start: the process peaks near 700 MB and settles ~50 MB higher than
 * without. Liftoff's code costs ~1.5× the CPU per query on PGlite; PostgreSQL is
 * not affected. Set once, before the first module is compiled.
 */
function useBaselineWasmCompiler() {
  if (baselineWasmSet) return
  v8.setFlagsFromString('--no-wasm-dynamic-tiering --no-wasm-tier-up')
  baselineWasmSet = true
}
let baselineWasmSet = false

/**
 * The embedded database. With a `dataDir` it takes the data-directory lock first
 * (one process at a time) and, when the directory is new, starts from the
 * prepared images instead of running initdb (decision 0003): a copy of the
 * migrated image when it fits this version's migrations, else the initdb image.
 */
export async function openPglite(options: PgliteOptions = {}): Promise<Database> {
  let unlock = options.heldLock ?? (() => {})
  let loadDataDir = options.loadDataDir
  let dataDir: string | undefined
  try {
    if (options.dataDir !== undefined) {
      if (!options.heldLock) unlock = lockDataDir(options.dataDir)
      dataDir = path.join(options.dataDir, 'pgdata')
      if (!loadDataDir && !fs.existsSync(path.join(dataDir, 'PG_VERSION')) && !(await copyMigratedImage(dataDir))) {
        loadDataDir = await loadPgliteImage()
      }
    }
    useBaselineWasmCompiler()
    const { PGlite } = await import('@electric-sql/pglite')
    const pglite = await PGlite.create({
      dataDir,
      loadDataDir,
      parsers: { [INT8]: parseInt8 },
      // PGlite's own start parameters, plus smaller shared buffers: the default
      // 128 MB puts idle RSS near 310 MB, 16 MB near 185 MB, and the OS page
      // cache still holds the data files (measured in decision 0003).
      startParams: [...(PGlite as unknown as { defaultStartParams: string[] }).defaultStartParams, '-c', 'shared_buffers=16MB'],
    })
    const db = new Kysely<Tables>({ dialect: pgliteDialect(pglite) })
    // Through the driver's connection lock, so LISTEN never lands inside somebody's transaction.
    const listen = async (channel: string, onNotify: (payload: string) => void) => {
      const unlisten = await db.connection().execute(() => pglite.listen(channel, onNotify))
      return () => db.connection().execute(() => unlisten())
    }
    const database = wrap('pglite', db, listen, async () => {
      if (!pglite.closed) await pglite.close()
    })
    return {
      ...database,
      dumpDataDir: () => pglite.dumpDataDir('gzip'),
      async close() {
        try {
          await database.close()
        } finally {
          unlock()
        }
      },
    }
  } catch (error) {
    unlock()
    throw error
  }
}

function wrap(kind: DatabaseKind, db: Db, listen: Database['listen'], closeClient: () => Promise<void>): Database {
  return {
    kind,
    db,
    listen,
    async ping(timeoutMs = 2000) {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs)
      })
      const query = sql`select 1`.execute(db).then(
        () => true,
        () => false,
      )
      try {
        return await Promise.race([query, timeout])
      } finally {
        clearTimeout(timer)
      }
    },
    async close() {
      await db.destroy()
      // Kysely skips the driver's destroy when no query ever ran; close the client ourselves.
      await closeClient()
    },
  }
}

/**
 * A trivial query that throws what the driver threw (`ping` only says whether it
 * worked): the server's first contact with the database at start, retried while
 * the database cannot be reached. Outside a transaction on purpose: with
 * postgres.js, failed attempts to reserve a connection (what a transaction does)
 * leave the pool waiting out its 5 s close timeout at shutdown.
 */
export async function checkConnection(db: Db): Promise<void> {
  await sql`select 1`.execute(db)
}

/** Opens what the configuration names: PostgreSQL when `databaseUrl` is set, else PGlite under `dataDir`. */
export function openDatabase(
  config: { databaseUrl: string | undefined; dataDir: string },
  options: Pick<PgliteOptions, 'heldLock'> = {},
): Promise<Database> {
  return config.databaseUrl
    ? Promise.resolve(openPostgres(config.databaseUrl))
    : openPglite({ dataDir: config.dataDir, heldLock: options.heldLock })
}
