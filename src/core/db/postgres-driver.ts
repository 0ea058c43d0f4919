import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely'
import type { ReservedSql, Sql } from 'postgres'
import { postgresDialect, StatementTransactions } from './kysely-dialect.ts'

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
export const postgresJsDialect = (sql: Sql): Dialect => postgresDialect(() => new PostgresJsDriver(sql))

class PostgresJsDriver extends StatementTransactions implements Driver {
  readonly #sql: Sql
  constructor(sql: Sql) {
    super()
    this.#sql = sql
  }
  async init() {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return new PostgresJsConnection(this.#sql)
  }
  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    await (connection as PostgresJsConnection).reserve()
    await super.beginTransaction(connection, settings)
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
