import type { PGlite } from '@electric-sql/pglite'
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely'
import { postgresDialect, StatementTransactions } from './kysely-dialect.ts'

/**
 * Kysely dialect over PGlite (decision 0002).
 *
 * PGlite is one connection. Kysely's `begin … commit` is a series of separate
 * queries, so without a lock another request's query could land inside
 * somebody's transaction. The driver therefore hands out its single connection
 * to one holder at a time: a plain query holds it for one round trip, a
 * transaction from `begin` to `commit`. Keep transactions short and never await
 * network I/O inside one: every other query waits for it.
 */
export const pgliteDialect = (pglite: PGlite): Dialect => postgresDialect(() => new PgliteDriver(pglite))

class PgliteDriver extends StatementTransactions implements Driver {
  readonly #pglite: PGlite
  readonly #connection: PgliteConnection
  #queue: Promise<void> = Promise.resolve()
  #releaseHolder: (() => void) | undefined

  constructor(pglite: PGlite) {
    super()
    this.#pglite = pglite
    this.#connection = new PgliteConnection(pglite)
  }
  async init() {
    await this.#pglite.waitReady
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#queue
    let release!: () => void
    this.#queue = new Promise<void>((resolve) => {
      release = resolve
    })
    await previous
    this.#releaseHolder = release
    return this.#connection
  }
  async releaseConnection() {
    const release = this.#releaseHolder
    this.#releaseHolder = undefined
    release?.()
  }
  async destroy() {
    await this.#queue
    if (!this.#pglite.closed) await this.#pglite.close()
  }
}

class PgliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite
  constructor(pglite: PGlite) {
    this.#pglite = pglite
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // Without parameters, use the simple protocol (like the postgres.js driver),
    // which allows the multi-statement text of a migration file.
    const result =
      query.parameters.length === 0
        ? (await this.#pglite.exec(query.sql)).at(-1)
        : await this.#pglite.query<R>(query.sql, query.parameters as unknown[])
    return {
      rows: (result?.rows ?? []) as R[],
      numAffectedRows: result?.affectedRows === undefined ? undefined : BigInt(result.affectedRows),
    }
  }

  // biome-ignore lint/correctness/useYield: streaming is not offered by this driver
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported by the PGlite driver')
  }
}
