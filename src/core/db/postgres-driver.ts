import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'
import type { ReservedSql, Sql } from 'postgres'

/**
 * Kysely dialect over postgres.js (decision 0002).
 *
 * Written here rather than taken from `kysely-postgres-js` because that package
 * reserves a pooled connection for every single query; this one sends
 * non-transactional queries straight to the pool and reserves a connection only
 * when a transaction begins. Statements with parameters are sent as named
 * prepared statements (postgres.js caches them per connection); statements
 * without parameters use the simple protocol, which also allows the
 * multi-statement text of a migration file.
 */
export class PostgresJsDialect implements Dialect {
  readonly #sql: Sql
  constructor(sql: Sql) {
    this.#sql = sql
  }
  createDriver(): Driver {
    return new PostgresJsDriver(this.#sql)
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler()
  }
  createAdapter() {
    return new PostgresAdapter()
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db)
  }
}

class PostgresJsDriver implements Driver {
  readonly #sql: Sql
  constructor(sql: Sql) {
    this.#sql = sql
  }
  async init() {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return new PostgresJsConnection(this.#sql)
  }
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    const conn = connection as PostgresJsConnection
    await conn.reserve()
    let begin = 'begin'
    if (settings.isolationLevel) begin += ` isolation level ${settings.isolationLevel}`
    if (settings.accessMode) begin += ` ${settings.accessMode}`
    await conn.executeQuery(CompiledQuery.raw(begin))
  }
  async commitTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw('commit'))
  }
  async rollbackTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw('rollback'))
  }
  async releaseConnection(connection: DatabaseConnection) {
    ;(connection as PostgresJsConnection).release()
  }
  async destroy() {
    await this.#sql.end({ timeout: 5 })
  }
}

class PostgresJsConnection implements DatabaseConnection {
  readonly #pool: Sql
  #reserved: ReservedSql | undefined

  constructor(pool: Sql) {
    this.#pool = pool
  }

  async reserve() {
    this.#reserved = await this.#pool.reserve()
  }

  release() {
    this.#reserved?.release()
    this.#reserved = undefined
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const target = this.#reserved ?? this.#pool
    const parameters = query.parameters as never[]
    const result = parameters.length === 0 ? await target.unsafe(query.sql) : await target.unsafe(query.sql, parameters, { prepare: true })
    // A multi-statement text (simple protocol) answers with one result list per statement.
    type ResultList = unknown[] & { command: string; count: number }
    const lists = result as unknown as ResultList[] & ResultList
    const tail = lists[lists.length - 1]
    const last: ResultList = Array.isArray(tail) && typeof tail.command === 'string' ? tail : lists
    const { command } = last
    return {
      rows: [...last] as R[],
      numAffectedRows:
        command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE' ? BigInt(last.count) : undefined,
    }
  }

  // biome-ignore lint/correctness/useYield: streaming is not offered by this driver
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported by the postgres.js driver')
  }
}
