/** The PostgreSQL side: a database of its own for the run, its version, its backends' CPU. */
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { cleanups } from './context.ts'
import { cpuSeconds } from './proc.ts'

/** Creates a randomly named database on the server at `serverUrl` (dropped at cleanup) and returns its URL. */
export async function createDatabase(serverUrl: string) {
  const name = `plinth_bench_${randomBytes(6).toString('hex')}`
  await withPostgres(serverUrl, (sql) => sql.unsafe(`create database ${name}`))
  cleanups.push(() => withPostgres(serverUrl, (sql) => sql.unsafe(`drop database if exists ${name} with (force)`)))
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.href
}

export async function serverVersion(url: string) {
  const [row] = await withPostgres(url, (sql) => sql<{ server_version: string }[]>`show server_version`)
  return row?.server_version ?? ''
}

export async function withPostgres<T>(url: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 })
  try {
    return await fn(sql)
  } finally {
    await sql.end()
  }
}

/** CPU seconds so far of each PostgreSQL backend connected to the database of `url` (other than the one asking). */
export async function backendCpu(url: string): Promise<Map<number, number>> {
  const pids = await withPostgres(
    url,
    (sql) => sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
  )
  const cpu = new Map<number, number>()
  for (const { pid } of pids) {
    try {
      cpu.set(pid, cpuSeconds(pid))
    } catch {
      // gone since the query
    }
  }
  return cpu
}
