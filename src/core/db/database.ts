import fs from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, sql } from 'kysely'
import postgres from 'postgres'
import { lockDataDir } from './data-dir-lock.ts'
import { pgliteDialect } from './pglite-driver.ts'
import { loadPgliteImage } from './pglite-image.ts'
import { postgresJsDialect } from './postgres-driver.ts'

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
  const client = postgres(url, {
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
}

/**
 * The embedded database. With a `dataDir` it takes the data-directory lock first
 * (one process at a time) and, when the directory is new, starts from the
 * pre-initialised image instead of running initdb (decision 0003).
 */
export async function openPglite(options: PgliteOptions = {}): Promise<Database> {
  let unlock = () => {}
  let loadDataDir = options.loadDataDir
  let dataDir: string | undefined
  if (options.dataDir !== undefined) {
    unlock = lockDataDir(options.dataDir)
    dataDir = path.join(options.dataDir, 'pgdata')
    if (!loadDataDir && !fs.existsSync(path.join(dataDir, 'PG_VERSION'))) loadDataDir = await loadPgliteImage()
  }
  try {
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

/** Opens what the configuration names: PostgreSQL when `databaseUrl` is set, else PGlite under `dataDir`. */
export function openDatabase(config: { databaseUrl: string | undefined; dataDir: string }): Promise<Database> {
  return config.databaseUrl ? Promise.resolve(openPostgres(config.databaseUrl)) : openPglite({ dataDir: config.dataDir })
}
